/**
 * The one binary search of the package: the first position in an array sorted by a string key
 * (code-unit order, as `<` compares) whose key is past `key` — after it (`firstAfter`: keyset
 * pagination from a cursor) or not before it (`firstAtLeast`: a prefix range of name tokens).
 */

/** The index of the first item whose key sorts after `key` (`sorted.length` when none does). */
export function firstAfter<T> (sorted: readonly T[], key: string, keyOf: (item: T) => string): number {
  return bisect(sorted, key, keyOf, true)
}

/** The index of the first item whose key is `key` or sorts after it (`sorted.length` when none). */
export function firstAtLeast<T> (sorted: readonly T[], key: string, keyOf: (item: T) => string): number {
  return bisect(sorted, key, keyOf, false)
}

/** The key of an item that is its own key. */
export const itself = (s: string): string => s

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function bisect<T> (sorted: readonly T[], key: string, keyOf: (item: T) => string, after: boolean): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const k = keyOf(sorted[mid] as T)
    if (after ? k <= key : k < key) lo = mid + 1
    else hi = mid
  }
  return lo
}
