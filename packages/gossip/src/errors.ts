/** One class per condition, each with a `name` and a stable `code`; check `code`, never `instanceof`. */

/** A note's topic is not 1..64 bytes of UTF-8, or its payload is over 512 bytes. */
export class BadNoteError extends Error {
  override readonly name = 'BadNoteError'
  readonly code = 'ERR_BAD_NOTE'
}

/** The actor's configuration is unusable (no node id). */
export class InvalidInitError extends Error {
  override readonly name = 'InvalidInitError'
  readonly code = 'ERR_INVALID_INIT'
}

/** Neither lists.self answered nor are an identity and a name at hand to sign this node's record here. */
export class NoOwnRecordError extends Error {
  override readonly name = 'NoOwnRecordError'
  readonly code = 'ERR_NO_OWN_RECORD'
  constructor (message = 'no lists.self and no identity and name to sign a record') {
    super(message)
  }
}

/** A search could not start: this node's UDP address is unknown (transport.info failed). */
export class NoAddressError extends Error {
  override readonly name = 'NoAddressError'
  readonly code = 'ERR_NO_ADDRESS'
}
