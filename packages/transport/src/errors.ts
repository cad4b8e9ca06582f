import { TRANSPORT_ERRORS } from '@peerconnect/protocol'

/** No reply within the (adaptive) timeout. */
export class RpcTimeoutError extends Error {
  override readonly name = 'RpcTimeoutError'
  readonly code = TRANSPORT_ERRORS.TIMEOUT
  constructor (host: string, port: number, readonly timeout: number) {
    super(`no reply from ${host}:${port} within ${Math.round(timeout)} ms`)
  }
}

/** The node answered with a KRPC error; the message is "<code> <text>". */
export class RpcRemoteError extends Error {
  override readonly name = 'RpcRemoteError'
  readonly code = TRANSPORT_ERRORS.REMOTE
  constructor (readonly krpcCode: number, text: string) {
    super(`${krpcCode} ${text}`)
  }
}

/** The datagram could not be sent (bad address, socket closed or not bound). */
export class RpcSendError extends Error {
  override readonly name = 'RpcSendError'
  readonly code = TRANSPORT_ERRORS.SEND
}

/** The reply failed the method's reply guard. */
export class RpcBadReplyError extends Error {
  override readonly name = 'RpcBadReplyError'
  readonly code = TRANSPORT_ERRORS.BAD_REPLY
}

/** A pc_* query to a contact known to speak BEP 5 only: not sent (it could only time out). */
export class RpcUnsupportedError extends Error {
  override readonly name = 'RpcUnsupportedError'
  readonly code = TRANSPORT_ERRORS.UNSUPPORTED
}

/** Not sent: a query asking a read-only node (BEP 43 `ro`) to hold records (pc_announce, pc_handoff). */
export class RpcReadOnlyError extends Error {
  override readonly name = 'RpcReadOnlyError'
  readonly code = TRANSPORT_ERRORS.READ_ONLY
}

/** The socket could not be bound. Fatal for the actor. */
export class BindError extends Error {
  override readonly name = 'BindError'
  readonly code = 'ERR_BIND'
}

/** A bounded query (a ping back) to an address that has not answered us would send it more than it sent us. */
export class RpcUnprovenError extends Error {
  override readonly name = 'RpcUnprovenError'
  readonly code = TRANSPORT_ERRORS.UNPROVEN
}
