/**
 * The supervisor's watchdog: every `interval` ms it asks a running actor its probe request (a type
 * it consumes and answers cheaply, such as `gossip.stats`) and waits `deadline` ms for any reply —
 * an error reply counts too: the actor's pipeline is alive. No reply in time means the actor has
 * stopped answering while its input still flows (its output stream died without an error reaching
 * the supervisor, or its thread is stuck), and the supervisor restarts it with its last snapshot,
 * as after a crash. One probe at a time per actor; the next one goes `interval` ms after a reply.
 */
import type { Unsubscribable } from 'rxjs'
import type { ActorSpec } from './contract.js'
import { WATCHDOG_DEADLINE, WATCHDOG_INTERVAL } from './constants.js'

export interface WatchdogOptions {
  /** ms between a probe's reply and the next probe (default 10 s). */
  readonly interval?: number
  /** ms a probe waits for its reply before the actor is restarted (default 10 s). */
  readonly deadline?: number
}

export interface WatchdogSettings {
  readonly interval: number
  readonly deadline: number
}

/** The settings with defaults filled in; undefined when the watchdog is off. Throws RangeError on a bad value. */
export function watchdogSettings (opts: WatchdogOptions | false | undefined): WatchdogSettings | undefined {
  if (opts === false) return undefined
  const interval = opts?.interval ?? WATCHDOG_INTERVAL
  const deadline = opts?.deadline ?? WATCHDOG_DEADLINE
  for (const [name, v] of [['interval', interval], ['deadline', deadline]] as const) {
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`watchdog ${name} must be a positive number of ms, got ${v}`)
  }
  return { interval, deadline }
}

/** The request type the watchdog asks `spec` with: its `probe`, else `<name>.stats` when it consumes that; none for `probe: false`. */
export function probeTypeOf (spec: ActorSpec): string | undefined {
  if (spec.probe === false) return undefined
  if (typeof spec.probe === 'string') return spec.probe
  const stats = `${spec.name}.stats`
  return spec.consumes.includes(stats) ? stats : undefined
}

export interface WatchHooks {
  /** Runs `fn` after `ms` unless unsubscribed. */
  readonly later: (fn: () => void, ms: number) => Unsubscribable
  /** Sends one probe; `answered` is called on its first reply. Returns a function that forgets the probe. */
  readonly probe: (answered: () => void) => () => void
  /** No reply within the deadline. The watch has ended. */
  readonly silent: () => void
}

/** Probes every `interval` ms until unsubscribed or silent. */
export function startWatch (s: WatchdogSettings, hooks: WatchHooks): Unsubscribable {
  let timer: Unsubscribable | undefined
  let forget: (() => void) | undefined
  let ended = false

  const schedule = (): void => {
    timer = hooks.later(probe, s.interval)
  }
  const probe = (): void => {
    if (ended) return
    let answered = false
    forget = hooks.probe(() => {
      if (answered || ended) return
      answered = true
      forget = undefined
      timer?.unsubscribe()
      schedule()
    })
    if (answered) return
    timer = hooks.later(() => {
      if (answered || ended) return
      ended = true
      forget?.()
      forget = undefined
      hooks.silent()
    }, s.deadline)
  }
  schedule()
  return {
    unsubscribe () {
      ended = true
      timer?.unsubscribe()
      forget?.()
      forget = undefined
    }
  }
}
