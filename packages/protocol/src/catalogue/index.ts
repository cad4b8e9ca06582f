export * from './network.js'
export * from './actor.js'
export * from './lists.js'
export * from './search.js'
