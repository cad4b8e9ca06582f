export { createTestbed, sweepStale, unavailable, DATA4, DATA6, LAN4 } from './testbed.js'
export type { Host, Spawned, Testbed, TestbedOptions } from './testbed.js'
export { startNode, within, byDistance, UDP_PORT, API_PORT, TOKEN } from './nodes.js'
export type { HostNode, StartOptions, NodeStatus, ApiPeer, LookupDone } from './nodes.js'
