/**
 * Logging from a worker: the worker's logger posts entries (level, the namespace path below the
 * actor, message, fields) to the main thread, which replays them on the actor's logger. Levels
 * below the main logger's are dropped in the worker, before they cost a postMessage.
 */
import type { Logger } from './contract.js'
import type { LogLevel } from './logger.js'
import { LOG_LEVELS } from './constants.js'

export interface RemoteLogEntry {
  readonly kind: 'log'
  readonly level: LogLevel
  readonly path: readonly string[]
  readonly msg: string
  readonly fields?: Record<string, unknown>
}

export function createRemoteLogger (post: (entry: RemoteLogEntry) => void, level: LogLevel, path: readonly string[] = []): Logger {
  const rank = LOG_LEVELS.indexOf(level)
  const at = (l: LogLevel) => (msg: string, fields?: Record<string, unknown>): void => {
    if (LOG_LEVELS.indexOf(l) > rank) return
    post(fields === undefined ? { kind: 'log', level: l, path, msg } : { kind: 'log', level: l, path, msg, fields })
  }
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (ns) => createRemoteLogger(post, level, [...path, ns])
  }
}

/** Main side: logs a worker's entry on `log` (the actor's logger), through its children. */
export function replayLog (log: Logger, entry: RemoteLogEntry): void {
  let target = log
  for (const ns of entry.path) target = target.child(ns)
  target[entry.level](entry.msg, entry.fields)
}

export function isRemoteLogEntry (x: unknown): x is RemoteLogEntry {
  const e = x as Partial<RemoteLogEntry> | null
  return typeof e === 'object' && e !== null && e.kind === 'log' && LOG_LEVELS.includes(e.level as LogLevel) &&
    Array.isArray(e.path) && e.path.every(p => typeof p === 'string') && typeof e.msg === 'string' &&
    (e.fields === undefined || (typeof e.fields === 'object' && e.fields !== null))
}
