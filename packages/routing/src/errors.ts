/** A routing ask (routing.closest / routing.get / …) whose fields failed the guard. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError'
  readonly code = 'ERR_INVALID_REQUEST'
}

/** An inbound KRPC query with bad arguments: the transport sends KRPC error 203. */
export class KrpcProtocolError extends Error {
  override readonly name = 'KrpcProtocolError'
  readonly code = 'ERR_KRPC_PROTOCOL'
}
