/**
 * The logger of `start` and `demo`. Log entries (the actors' warnings and errors) go to stderr,
 * never to stdout, where the command's own lines are:
 * - text mode: one readable line per entry (`warning lists: announce round failed (error: …)`);
 * - `--json`: one JSON object per line;
 * - `--verbose`: info entries too, each a JSON line with every field.
 * `PEERCONNECT_LOG` (error | warn | info | debug) still sets the level when given.
 *
 * While the node starts (and without `--verbose`), entries are held: if the start fails, the command prints its one error
 * message and the held entries (the same failure, seen from an actor) are dropped; once the node
 * is ready they are written out. With `--verbose` nothing is held or dropped.
 */
import { createLogger, formatEntry, parseLogLevel } from '@peerconnect/runtime'
import type { LevelledLogger, LogEntry } from '@peerconnect/runtime'
import { clean } from './commands/format.js'

export interface CliLogger {
  readonly log: LevelledLogger
  /** Writes the held entries and stops holding. */
  release(): void
  /**
   * Drops the held entries and every later one (a failed start: the command's error is the one
   * message; a worker's entry about the same failure may still be on its way). Not with --verbose.
   */
  drop(): void
}

export function createCliLogger (
  opts: { json: boolean, verbose: boolean, env?: NodeJS.ProcessEnv, write?: (line: string) => void }
): CliLogger {
  const env = opts.env ?? process.env
  const write = opts.write ?? ((line: string) => {
    process.stderr.write(line + '\n')
  })
  const level = parseLogLevel(env.PEERCONNECT_LOG) ?? (opts.verbose ? 'info' : 'warn')
  const format = opts.json || opts.verbose ? formatEntry : readable
  let held: LogEntry[] | undefined = opts.verbose ? undefined : []
  let dropped = false
  const sink = (entry: LogEntry): void => {
    if (dropped) return
    if (held !== undefined) held.push(entry)
    else write(format(entry))
  }
  return {
    log: createLogger('peerconnect', { level, sink }),
    release () {
      const entries = held ?? []
      held = undefined
      for (const e of entries) write(format(e))
    },
    drop () {
      held = undefined
      dropped = !(opts.verbose)
    }
  }
}

/** `warning lists: announce round failed (error: actor transport crashed)`, control characters cleaned. */
export function readable (entry: LogEntry): string {
  const who = entry.ns.replace(/^peerconnect:?/, '')
  const level = entry.level === 'warn' ? 'warning' : entry.level
  const fields = Object.entries(entry.fields ?? {}).map(([k, v]) => `${k}: ${fieldText(v)}`)
  return clean(`${level}${who === '' ? '' : ` ${who}`}: ${entry.msg}${fields.length === 0 ? '' : ` (${fields.join(', ')})`}`)
}

function fieldText (v: unknown): string {
  if (v instanceof Error) return v.message
  if (typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string') {
    return (v as { message: string }).message
  }
  if (typeof v === 'string') return v
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}
