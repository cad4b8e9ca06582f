import { randomFillSync } from 'node:crypto'
import { TID_LENGTH } from './constants.js'

/** Random 4-byte transaction ids drawn from a refilled pool of random bytes. */
export class TidSource {
  private readonly pool = new Uint8Array(4096)
  private at = this.pool.length
  /** `random`: numbers in [0, 1) to draw the bytes from (a simulation's seeded generator); default node:crypto. */
  constructor (private readonly random?: () => number) {}

  next (inUse: Map<number, unknown>): { bytes: Uint8Array, key: number } {
    for (;;) {
      if (this.at + TID_LENGTH > this.pool.length) {
        this.refill()
        this.at = 0
      }
      const bytes = this.pool.slice(this.at, this.at + TID_LENGTH)
      this.at += TID_LENGTH
      const key = tidKey(bytes)
      if (!inUse.has(key)) return { bytes, key }
    }
  }

  private refill (): void {
    const random = this.random
    if (random === undefined) randomFillSync(this.pool)
    else for (let i = 0; i < this.pool.length; i++) this.pool[i] = Math.floor(random() * 256)
  }
}

/** Our tids are 4 bytes: their value as a uint32, or -1 for any other length. */
export function tidKey (t: Uint8Array): number {
  if (t.length !== TID_LENGTH) return -1
  return ((t[0]! << 24) | (t[1]! << 16) | (t[2]! << 8) | t[3]!) >>> 0
}
