/** Formatting of ids, durations and times for display. */

/** `abcd1234…9f0e`: enough to tell peers apart at a glance; the full id is in the title. */
export function shortId (id: string): string {
  return id.length <= 16 ? id : `${id.slice(0, 8)}…${id.slice(-4)}`
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

/** `just now`, `12 s ago`, `5 min ago`, `3 h ago`, or the date for older times. */
export function ago (then: number, now: number): string {
  if (!Number.isFinite(then) || then <= 0) return 'never'
  const s = Math.round((now - then) / 1000)
  if (s < 5) return 'just now'
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`
  return new Date(then).toLocaleString()
}

export function plural (n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
