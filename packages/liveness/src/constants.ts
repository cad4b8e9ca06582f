import { second } from '@peerconnect/protocol'

/** Checks of the same peer (id + address) completed this recently share their result. */
export const CHECK_WINDOW = 5 * second

/** How long the UDP ping may take before the TCP fallback is tried. */
export const UDP_TIMEOUT = 2 * second

/** How long the TCP connect to the peer's port may take. */
export const TCP_TIMEOUT = 2 * second

/** Extra time the ask to transport gets beyond the ping's own timeout. */
export const ASK_MARGIN = 1 * second

/** Most settled results kept; older ones are dropped first. */
export const MAX_CACHED = 4096
