/** The logger used when none is injected: drops everything. */
import type { Logger } from '@peerconnect/runtime'

export const silentLogger: Logger = {
  debug () {},
  info () {},
  warn () {},
  error () {},
  child () {
    return silentLogger
  }
}
