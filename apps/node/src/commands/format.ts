/**
 * Terminal output of the client commands: tables, durations, relative times. Every string that
 * came from the network goes through `clean`, so a peer named with escape sequences or bidi
 * controls cannot rewrite the terminal.
 */

/** Control characters (C0, DEL, C1) and bidi controls replaced by U+FFFD. */
export function clean (s: string): string {
  return s.replace(UNSAFE, '\uFFFD')
}

/** A left-aligned table with a header row; numbers may be right-aligned by naming their columns. */
export function table (header: readonly string[], rows: ReadonlyArray<readonly string[]>,
  opts: { right?: readonly number[] } = {}): string {
  const cells = [header, ...rows].map(r => r.map(clean))
  const widths = header.map((_, i) => Math.max(...cells.map(r => width(r[i] ?? ''))))
  const right = new Set(opts.right ?? [])
  return cells.map(r =>
    r.map((c, i) => {
      const pad = ' '.repeat(Math.max(0, widths[i]! - width(c)))
      if (i === r.length - 1 && !right.has(i)) return c
      return right.has(i) ? pad + c : c + pad
    }).join('  ')
  ).join('\n')
}

/** `name   value` lines, names padded to one column. */
export function fields (pairs: ReadonlyArray<readonly [string, string]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length))
  return pairs.map(([k, v]) => `${k.padEnd(w)}  ${clean(v)}`).join('\n')
}

/** `3 d 4 h`, `2 h 5 min`, `4 min 12 s`, `9 s`. */
export function duration (ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d} d ${h} h`
  if (h > 0) return `${h} h ${m} min`
  if (m > 0) return `${m} min ${s % 60} s`
  return `${s} s`
}

/** `just now`, `12 s ago`, `5 min ago`, `3 h ago`, `2 d ago`, `never`. */
export function ago (then: number, now: number): string {
  if (!Number.isFinite(then) || then <= 0) return 'never'
  const s = Math.round((now - then) / 1000)
  if (s < 5) return 'just now'
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`
  return `${Math.floor(s / 86400)} d ago`
}

export function plural (n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/** A peer's name for display: `(unnamed)` when it has none. */
export function nameOf (name: string): string {
  return name === '' ? '(unnamed)' : name
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** Columns a string takes, counting code points (good enough for names). */
function width (s: string): number {
  return [...s].length
}
