/** Defaults of the simulated datagram network. Durations in ms. */

/** One-way latency of every link unless a `latency` function is given. */
export const SIM_LATENCY = 1

/** First port handed out for a bind to port 0 (per host). */
export const SIM_EPHEMERAL_PORT = 49152

/** Datagrams larger than this are dropped, as UDP over IPv4 would (65,507 bytes of payload). */
export const SIM_MAX_DATAGRAM = 65507
