export * from './network.js'
export * from './actor.js'
