import { millisecond, second } from '@peerconnect/protocol'

/** How long `deps.ask` / `supervisor.ask` wait for the last reply unless told otherwise. */
export const DEFAULT_ASK_TIMEOUT = 5 * second

/** The first restart of a crashed actor waits this long; each further crash doubles it … */
export const RESTART_MIN_DELAY = 100 * millisecond
/** … up to this. */
export const RESTART_MAX_DELAY = 10 * second
/** An incarnation that ran this long without crashing resets the backoff to the minimum. */
export const RESTART_RESET_AFTER = 30 * second

/** The watchdog asks each running actor its probe request this long after its last answer … */
export const WATCHDOG_INTERVAL = 10 * second
/** … and restarts it when no reply comes within this. */
export const WATCHDOG_DEADLINE = 10 * second

/** How long a worker gets to finish its stop handshake and exit before it is terminated. */
export const STOP_TIMEOUT = 2 * second

/** Compute-pool tasks waiting for a thread at most; beyond, `run` refuses with ERR_POOL_BUSY. */
export const POOL_MAX_QUEUE = 256

/** Messages kept for an actor that is restarting; beyond this, new ones are dropped. */
export const MAX_BACKLOG = 10_000

/** The message an asker's host sends when an ask is cancelled (unsubscribed or timed out). */
export const CANCEL_TYPE = 'actor.cancel'
/** Answered by the supervisor itself: per-actor metrics for actors on any thread. */
export const SUPERVISOR_STATS = 'supervisor.stats'
/** The control message that carries a configuration patch into an actor's `in$`. */
export const CONFIGURE_TYPE = 'actor.configure'

/** Log levels, most severe first. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export const DEFAULT_LOG_LEVEL = 'warn'
/** The environment variable that sets the log level (error | warn | info | debug). */
export const LOG_ENV = 'PEERCONNECT_LOG'

/**
 * Everything sent in one tick crosses as one batch, up to this many messages: a bigger burst goes
 * in several batches, so one envelope stays a few hundred kB at most.
 */
export const BATCH_MAX = 1024
