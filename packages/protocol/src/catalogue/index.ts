export * from './network.js'
