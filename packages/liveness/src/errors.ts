/** A `liveness.check` ask whose fields failed the guard (bad id, host or port). */
export class InvalidCheckError extends Error {
  override readonly name = 'InvalidCheckError'
  readonly code = 'ERR_INVALID_CHECK'
}
