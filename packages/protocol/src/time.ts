/**
 * Time units, in ms: every package writes durations as `10 * second` with these (defined here
 * once; the runtime re-exports `second` and `millisecond` for actor code).
 */
export const millisecond = 1
export const second = 1000 * millisecond
export const minute = 60 * second
export const hour = 60 * minute
