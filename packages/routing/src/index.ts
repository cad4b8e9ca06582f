export { RoutingTable, invalidReason } from './table.js'
export type { AddResult, TableOptions, ClosestOptions } from './table.js'
