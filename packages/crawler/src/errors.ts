/** One class per condition, each with a `name` and a stable `code`; check `code`, never `instanceof`. */

/** A crawler.find lookup ended without emitting its result (it was cut short). */
export class NoResultError extends Error {
  override readonly name = 'NoResultError'
  readonly code = 'ERR_NO_RESULT'
  constructor (message = 'lookup ended without a result') {
    super(message)
  }
}
