/**
 * Messages the supervisor itself answers, so that an actor (on any thread) can see the node:
 *
 *   supervisor.stats  ──ask──▶ supervisor   per-actor metrics (for /api/status and /metrics)
 */
import { hasShape, isArrayOf, isMessageOf, isNat, isStr } from '../guards.js'

/** One actor's metrics, as the supervisor reports them. */
export interface ActorStatsData {
  name: string
  host: 'worker' | 'inline'
  threadId: number
  restarts: number
  messagesIn: number
  messagesOut: number
  queueDepth: number
  state: string
}

export type SupervisorStats = { type: 'supervisor.stats', cid?: number }
export type SupervisorStatsReply = { type: 'supervisor.stats.reply', re?: number, end?: boolean, actors: ActorStatsData[],
  pendingAsks: number }

export const isActorStatsData = hasShape<ActorStatsData>({
  name: isStr,
  host: (x: unknown) => x === 'worker' || x === 'inline',
  threadId: isNat,
  restarts: isNat,
  messagesIn: isNat,
  messagesOut: isNat,
  queueDepth: isNat,
  state: isStr
})
export const isSupervisorStats = isMessageOf<SupervisorStats>('supervisor.stats', {})
export const isSupervisorStatsReply = isMessageOf<SupervisorStatsReply>('supervisor.stats.reply', { actors: isArrayOf(isActorStatsData),
  pendingAsks: isNat })
