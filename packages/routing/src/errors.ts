/** A routing ask (routing.closest / routing.get / …) whose fields failed the guard. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError'
  readonly code = 'ERR_INVALID_REQUEST'
}
