/**
 * Numeric, boolean and string flags for benchmarks: `--count 1000 --quick --svg out/`. A flag's
 * type is its default's (a string default, e.g. `svg: ''`, takes any text). Unknown flags are an error
 * (a typo must not silently run the defaults); `--help` prints the flags and their defaults.
 */
import { parseArgs } from 'node:util'

export type Flags<T extends Record<string, number | boolean | string>> = { [K in keyof T]: T[K] }

export function parseFlags<T extends Record<string, number | boolean | string>> (defaults: T,
  argv: readonly string[] = process.argv.slice(2)): Flags<T> {
  const options = Object.fromEntries(
    Object.entries(defaults).map(([k, v]) => [k, { type: typeof v === 'boolean' ? 'boolean' as const : 'string' as const }])
  )
  const { values } = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean' } }, strict: true })
  if (values.help === true) {
    process.stdout.write(`flags (defaults): ${Object.entries(defaults).map(([k, v]) => `--${k} ${String(v)}`).join('  ')}\n`)
    process.exit(0)
  }
  const out: Record<string, number | boolean | string> = { ...defaults }
  for (const [k, v] of Object.entries(values)) {
    if (k === 'help' || v === undefined) continue
    if (typeof defaults[k] === 'boolean') out[k] = v
    else if (typeof defaults[k] === 'string') out[k] = String(v)
    else {
      const n = Number(v)
      if (!Number.isFinite(n)) throw new TypeError(`--${k} needs a number, got ${String(v)}`)
      out[k] = n
    }
  }
  return out as Flags<T>
}
