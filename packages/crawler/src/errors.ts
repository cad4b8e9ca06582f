/** A crawler.* request failed its guard. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError'
  readonly code = 'ERR_BAD_REQUEST'
}
