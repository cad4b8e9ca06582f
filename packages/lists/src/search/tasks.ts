/**
 * Compute-pool tasks of keyword search (run by the runtime's piscina pool): plain exported
 * functions over plain data.
 */
import { matchesName } from '@peerconnect/protocol'

/** The indices of the names in `arg.names` that match `arg.query` (matchesName), in order. Bad input: none. */
export function matchNames (arg: unknown): number[] {
  if (typeof arg !== 'object' || arg === null) return []
  const { names, query } = arg as { names?: unknown, query?: unknown }
  if (!Array.isArray(names) || typeof query !== 'string') return []
  const out: number[] = []
  names.forEach((name, i) => {
    if (typeof name === 'string' && matchesName(name, query)) out.push(i)
  })
  return out
}
