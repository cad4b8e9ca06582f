/**
 * Namespaced, levelled logging: `createLogger('peerconnect').child('routing').child('lookup')`
 * logs as `peerconnect:routing:lookup`. The level comes from the option, else from
 * `PEERCONNECT_LOG` (error | warn | info | debug), else warn. By default each entry is one JSON
 * line on stderr; a `sink` receives the entries instead.
 */
import type { Logger } from './contract.js'
import { DEFAULT_LOG_LEVEL, LOG_ENV, LOG_LEVELS } from './constants.js'

export type LogLevel = typeof LOG_LEVELS[number]

export interface LogEntry {
  readonly time: string
  readonly level: LogLevel
  readonly ns: string
  readonly msg: string
  readonly fields?: Record<string, unknown>
}

/** A Logger that also says its namespace and level (worker actors log at the same level). */
export interface LevelledLogger extends Logger {
  readonly namespace: string
  readonly level: LogLevel
  child(namespace: string): LevelledLogger
}

export function createLogger (namespace = 'peerconnect',
  opts: { level?: LogLevel, sink?: (entry: LogEntry) => void } = {}): LevelledLogger {
  const level = opts.level ?? parseLogLevel(process.env[LOG_ENV]) ?? DEFAULT_LOG_LEVEL
  const sink = opts.sink ?? writeJsonLine
  const rank = LOG_LEVELS.indexOf(level)
  const at = (l: LogLevel) => (msg: string, fields?: Record<string, unknown>): void => {
    if (LOG_LEVELS.indexOf(l) > rank) return
    sink(fields === undefined
      ? { time: new Date().toISOString(), level: l, ns: namespace, msg }
      : { time: new Date().toISOString(), level: l, ns: namespace, msg, fields })
  }
  return {
    namespace,
    level,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (ns) => createLogger(`${namespace}:${ns}`, { level, sink })
  }
}

/** A logger that drops everything. */
export const silentLogger: LevelledLogger = {
  namespace: '',
  level: 'error',
  error () {},
  warn () {},
  info () {},
  debug () {},
  child: () => silentLogger
}

/** `'debug'` → 'debug'; anything that is not a level → undefined. */
export function parseLogLevel (value: unknown): LogLevel | undefined {
  return LOG_LEVELS.find(l => l === value)
}

/** One entry as a JSON line: Uint8Array as hex, bigint as a string, errors as name/code/message. */
export function formatEntry (entry: LogEntry): string {
  const { fields, ...head } = entry
  return JSON.stringify({ ...head, ...fields }, jsonSafe)
}

function writeJsonLine (entry: LogEntry): void {
  process.stderr.write(formatEntry(entry) + '\n')
}

function jsonSafe (_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error) return { name: value.name, code: (value as { code?: unknown }).code, message: value.message }
  return value
}
