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

/** An inbound KRPC query we cannot serve now (e.g. the peer store is full): the transport sends KRPC error 202. */
export class KrpcServerError extends Error {
  override readonly name = 'KrpcServerError'
  readonly code = 'ERR_KRPC_SERVER'
}
