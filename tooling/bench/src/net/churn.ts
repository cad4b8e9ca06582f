/**
 * Session lengths for `bench:scale --churn ipfs`, from the IPFS DHT measurements (README,
 * "Session lengths"): a CDF table of minutes, interpolated linearly in log(time) between its
 * points. `sampleSession` draws the length of a new node's session; `residualSession` draws how
 * much is left of the session of a node found online at a random moment (the stationary
 * forward-recurrence time, P(R > x) = ∫ₓ^∞ (1 − F(s)) ds / E[S]), so a swarm started "in the
 * middle of the day" does not lose its whole first generation at once.
 */

/**
 * [minutes, share of sessions shorter]: anchors 24 min → 0.5, 60 → 0.66, 1440 → 0.945 (measured); the other points
 * interpolate the tail (see README).
 */
export const IPFS_SESSIONS: ReadonlyArray<readonly [number, number]> = [
  [1, 0.04],
  [5, 0.18],
  [10, 0.31],
  [24, 0.50],
  [60, 0.66],
  [180, 0.79],
  [360, 0.86],
  [720, 0.91],
  [1440, 0.945],
  [4320, 0.98],
  [10080, 1]
]

/** The session length (minutes) at quantile u ∈ [0, 1). */
export function sessionQuantile (u: number, table: ReadonlyArray<readonly [number, number]> = IPFS_SESSIONS): number {
  let prev: readonly [number, number] = [0, 0]
  for (const point of table) {
    if (u < point[1]) {
      const f = (u - prev[1]) / (point[1] - prev[1])
      if (prev[0] === 0) return f * point[0]
      return Math.exp(Math.log(prev[0]) + f * (Math.log(point[0]) - Math.log(prev[0])))
    }
    prev = point
  }
  return table.at(-1)![0]
}

export function sampleSession (random: () => number): number {
  return sessionQuantile(random())
}

/** The residual-life distribution of the table, as a grid [minutes, P(R ≤ minutes)] (made once). */
const residual: Array<readonly [number, number]> = (() => {
  const steps = 4000
  const max = IPFS_SESSIONS.at(-1)![0]
  const grid = Array.from({ length: steps + 1 }, (_, i) => max * (i / steps) ** 3)
  const survival = (x: number): number => 1 - cdf(x)
  const area: number[] = [0]
  for (let i = 1; i < grid.length; i++) {
    area.push(area[i - 1]! + (grid[i]! - grid[i - 1]!) * (survival(grid[i]!) + survival(grid[i - 1]!)) / 2)
  }
  const total = area.at(-1)!
  return grid.map((x, i) => [x, area[i]! / total] as const)
})()

export function residualSession (random: () => number): number {
  const u = random()
  let lo = 0
  let hi = residual.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (residual[mid]![1] < u) lo = mid + 1
    else hi = mid
  }
  const [x1, p1] = residual[lo]!
  const [x0, p0] = residual[Math.max(0, lo - 1)]!
  return p1 === p0 ? x1 : x0 + (x1 - x0) * (u - p0) / (p1 - p0)
}

/** The table's CDF at `minutes` (the inverse of sessionQuantile). */
export function cdf (minutes: number, table: ReadonlyArray<readonly [number, number]> = IPFS_SESSIONS): number {
  let prev: readonly [number, number] = [0, 0]
  for (const point of table) {
    if (minutes < point[0]) {
      if (prev[0] === 0) return point[1] * minutes / point[0]
      return prev[1] + (point[1] - prev[1]) * (Math.log(minutes) - Math.log(prev[0])) / (Math.log(point[0]) - Math.log(prev[0]))
    }
    prev = point
  }
  return 1
}
