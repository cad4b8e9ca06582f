export * from './id.js'
export * from './message.js'
export * from './guards.js'
export * from './catalogue/index.js'
