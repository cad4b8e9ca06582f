/** Counts by key (rejections by error code, queries sent by method), as plain data. */
export interface Counts {
  add(key: string, n?: number): void
  get(key: string): number
  /** A plain-object copy. */
  snapshot(): Record<string, number>
}

export function createCounts (): Counts {
  const counts = new Map<string, number>()
  return {
    add (key, n = 1) {
      counts.set(key, (counts.get(key) ?? 0) + n)
    },
    get: key => counts.get(key) ?? 0,
    snapshot: () => Object.fromEntries(counts)
  }
}
