/** Errors of keyword search, each with `name` and a stable `code`. A bad query is protocol's BadQueryError (ERR_BAD_QUERY). */

/** A pc_search cursor that is not a 20-byte id (or empty). */
export class BadSearchCursorError extends Error {
  override readonly name = 'BadSearchCursorError'
  readonly code = 'ERR_BAD_SEARCH_CURSOR'
  constructor (message = 'cursor is not a 20-byte id') {
    super(message)
  }
}
