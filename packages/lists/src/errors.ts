/**
 * One error class per condition, each with `name` and a stable `code`. Rejections of inbound
 * queries also carry the KRPC code they are answered with (`krpc`): 203 for a bad or forged
 * message, 201 for a policy refusal. Record checks use the protocol's codes (ERR_BAD_SIGNATURE,
 * ERR_ID_MISMATCH, ERR_STALE_SEQUENCE, ERR_NAME_TOO_LONG, …).
 */

/** pc_announce without a token. */
export class MissingTokenError extends Error {
  override readonly name = 'MissingTokenError'
  readonly code = 'ERR_TOKEN_MISSING'
  constructor (message = 'token missing') {
    super(message)
  }
}

/** A token that was not issued to the sender's address (or is too old). */
export class BadTokenError extends Error {
  override readonly name = 'BadTokenError'
  readonly code = 'ERR_BAD_TOKEN'
  constructor (message = 'bad or foreign token') {
    super(message)
  }
}

/** An announced record whose id is not the sender's id: someone else's record. */
export class NotSenderError extends Error {
  override readonly name = 'NotSenderError'
  readonly code = 'ERR_NOT_SENDER'
  constructor (message = 'record id is not the sender id') {
    super(message)
  }
}

/** An announced record whose address is not the one the announce came from. */
export class AddressMismatchError extends Error {
  override readonly name = 'AddressMismatchError'
  readonly code = 'ERR_ADDRESS_MISMATCH'
  constructor (message = 'record address is not the sender address') {
    super(message)
  }
}

/** A record sent for a list that is not the one closest to its id. */
export class WrongListError extends Error {
  override readonly name = 'WrongListError'
  readonly code = 'ERR_WRONG_LIST'
  constructor (message = 'record belongs to another list') {
    super(message)
  }
}

/** The list holds as many records as it may. */
export class ListFullError extends Error {
  override readonly name = 'ListFullError'
  readonly code = 'ERR_LIST_FULL'
  constructor (message = 'list full') {
    super(message)
  }
}

/** The list holds as many records from this IP as it may. */
export class IpCapError extends Error {
  override readonly name = 'IpCapError'
  readonly code = 'ERR_IP_CAP'
  constructor (message = 'too many records from this IP') {
    super(message)
  }
}

/** A handed-off record that had already expired at its sender. */
export class ExpiredRecordError extends Error {
  override readonly name = 'ExpiredRecordError'
  readonly code = 'ERR_RECORD_EXPIRED'
  constructor (message = 'record already expired') {
    super(message)
  }
}

/** A handoff from a node that is not (as far as our routing table knows) one of the list's holders. */
export class NotHolderError extends Error {
  override readonly name = 'NotHolderError'
  readonly code = 'ERR_NOT_HOLDER'
  constructor (message = 'the sender is not a holder of this list') {
    super(message)
  }
}

/** A handoff to a node that is not among the closest to the list id (it should not hold the list). */
export class NotClosestError extends Error {
  override readonly name = 'NotClosestError'
  readonly code = 'ERR_NOT_CLOSEST'
  constructor (message = 'this node is not among the closest to the list id') {
    super(message)
  }
}

/**
 * Work refused to keep the node responsive: the sender's verification budget is spent, or the verify queue or the
 * compute pool is full (KRPC 202).
 */
export class BusyError extends Error {
  override readonly name = 'BusyError'
  readonly code = 'ERR_BUSY'
  constructor (message = 'busy') {
    super(message)
  }
}

/** A pc_list cursor that is not a 20-byte id. */
export class BadListCursorError extends Error {
  override readonly name = 'BadListCursorError'
  readonly code = 'ERR_BAD_LIST_CURSOR'
  constructor (message = 'cursor is not a 20-byte id') {
    super(message)
  }
}

/** A lists.page cursor this actor did not make. */
export class BadCursorError extends Error {
  override readonly name = 'BadCursorError'
  readonly code = 'ERR_BAD_CURSOR'
  constructor (message = 'bad directory cursor') {
    super(message)
  }
}

/** This node has no record yet: the transport has not told its address. */
export class NoRecordError extends Error {
  override readonly name = 'NoRecordError'
  readonly code = 'ERR_NO_RECORD'
  constructor (message = 'no record yet') {
    super(message)
  }
}

/** A lists init that cannot work (an identity whose id is not SHA-1 of its key). */
export class InvalidInitError extends Error {
  override readonly name = 'InvalidInitError'
  readonly code = 'ERR_INVALID_INIT'
}

/** A reply to one of our queries that failed its guard (the transport's ERR_RPC_BAD_REPLY code). */
export class BadReplyError extends Error {
  override readonly name = 'BadReplyError'
  readonly code = 'ERR_RPC_BAD_REPLY'
}

/** A query too small for its answer from a querier that showed no token (the 3× amplification bound). */
export class ProofNeededError extends Error {
  override readonly name = 'ProofNeededError'
  readonly code = 'ERR_PROOF_NEEDED'
  constructor (message = 'send a token from pc_list or pad the query') {
    super(message)
  }
}
