export * from './id.js'
export * from './message.js'
