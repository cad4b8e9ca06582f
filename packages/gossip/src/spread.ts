/**
 * Spreading a rumor: pick the targets (targets.ts), then send each its pc_gossip query through
 * the transport, at most `maxInFlight` at once. A target that fails (timeout, error) is replaced
 * by another peer of its part of the id space — or, when the part has no other peer we know, sent
 * the rumor once more — up to `retries` times. A forward that waited in
 * line past youth is sent only with the probability of its local age (forward.ts); its hops were
 * weighed when it arrived.
 *
 * The line of waiting forwards is our own (`createSendQueue`), not mergeMap's buffer: it holds at
 * most `maxQueued` forwards (beyond that the oldest is shed), forwards past MAX_AGE are shed before
 * they are queued and while they wait, and it is drained by one loop that never re-enters itself.
 * mergeMap drained its unbounded buffer by one nested call per forward that completed at once (an
 * aged one), so a burst of a few thousand rumors overflowed the stack and left the actor's output
 * dead (issue 11).
 */
import { catchError, defer, EMPTY, finalize, ignoreElements, Observable, takeUntil } from 'rxjs'
import type { Subscription } from 'rxjs'
import type { Contact, NodeId, TransportQuery } from '@peerconnect/protocol'
import type { GossipContext, SendTask } from './context.js'
import { encodeRumor, extendPath, pathPrefixes, prefixOf } from './rumor.js'
import type { SpreadRumor } from './rumor.js'
import { pickReplacement, pickTargets } from './targets.js'
import type { Target } from './targets.js'
import type { PeerView } from './view.js'
import { idKey } from './view.js'
import { shouldForward } from './forward.js'
import { ASK_MARGIN } from './constants.js'
import { withGetters } from '@peerconnect/runtime'

export interface SpreadOptions {
  /** The node it came from (none for our own rumors). */
  readonly sender?: NodeId
  readonly receivedAt: number
  readonly stop?: Observable<unknown>
  readonly stopped?: () => boolean
}

/** Queues the forwards of `rumor` (as received here); returns how many peers it goes to. */
export function spread (ctx: GossipContext, rumor: SpreadRumor, opts: SpreadOptions): number {
  const plan = planForwards(ctx.view, rumor, { sender: opts.sender, fanout: ctx.s.fanout, random: ctx.deps.random })
  for (const target of plan.targets) {
    const task: SendTask = { rumor, target, receivedAt: opts.receivedAt, excluded: plan.excluded, prefixes: plan.prefixes }
    ctx.sends$.next(opts.stop === undefined ? task : { ...task, stop: opts.stop, stopped: opts.stopped })
  }
  return plan.targets.length
}

/** Where a rumor goes from here, and who it must not reach (sender, origin, path, the targets themselves). Pure. */
export interface ForwardPlan {
  readonly targets: Target[]
  readonly excluded: Set<string>
  readonly prefixes: ReadonlySet<number>
}

export function planForwards (view: PeerView, rumor: SpreadRumor,
  opts: { sender?: NodeId | undefined, fanout: number, random: () => number }): ForwardPlan {
  const excluded = new Set<string>([idKey(rumor.origin)])
  if (opts.sender !== undefined) excluded.add(idKey(opts.sender))
  const prefixes = new Set(pathPrefixes(rumor.path))
  const isExcluded = (c: Contact): boolean => excluded.has(idKey(c.id)) || prefixes.has(prefixOf(c.id))
  const targets = pickTargets(view, rumor.depth, { fanout: opts.fanout, excluded: isExcluded, random: opts.random })
  for (const t of targets) excluded.add(idKey(t.contact.id))
  return { targets, excluded, prefixes }
}

/** The rumor as sent to `target`: one hop more, the target's region, our id prefix on the path. */
export function outgoing (rumor: SpreadRumor, target: Target, self: NodeId): SpreadRumor {
  return { ...rumor, hops: rumor.hops + 1, depth: target.depth, path: extendPath(rumor.path, self) }
}

/**
 * The send loop: every queued forward, `maxInFlight` at a time, through a bounded line (see the
 * top of this file). Emits nothing; errors only on a bug in a send (the actor then restarts).
 */
export function sendLoop$ (ctx: GossipContext): Observable<never> {
  return new Observable<never>(subscriber => {
    const queue = createSendQueue<SendTask>(ctx.s.maxQueued)
    const sending = new Set<Slot>()
    let pumping = false
    let closed = false

    /** Age past which a forward is never sent (forward.ts): shed, not queued. */
    const aged = (task: SendTask, now: number): boolean => now - task.receivedAt >= ctx.s.ages.maxAge || task.stopped?.() === true
    const release = (slot: Slot): void => {
      if (!sending.delete(slot)) return
      if (!pumping) pump()
    }
    /** Starts waiting forwards while slots are free. A loop: a send that completes at once only frees its slot. */
    const pump = (): void => {
      if (pumping || closed) return
      pumping = true
      try {
        while (!closed && sending.size < ctx.s.maxInFlight && queue.size > 0) {
          const task = queue.shift()!
          if (aged(task, ctx.deps.clock.now())) {
            ctx.counts.dropped++
            continue
          }
          const slot: Slot = { sub: undefined, done: false }
          sending.add(slot)
          const sub = send$(task, ctx, ctx.s.retries).subscribe({
            error: (err: unknown) => subscriber.error(err),
            complete: () => {
              slot.done = true
              release(slot)
            }
          })
          if (slot.done) sending.delete(slot)
          else slot.sub = sub
        }
      } catch (err) {
        subscriber.error(err)
      } finally {
        pumping = false
      }
    }
    const input = ctx.sends$.subscribe(task => {
      const now = ctx.deps.clock.now()
      if (aged(task, now)) {
        ctx.counts.dropped++
        return
      }
      ctx.counts.dropped += queue.shed(t => aged(t, now))
      if (queue.push(task) !== undefined) ctx.counts.dropped++
      pump()
    })
    return () => {
      closed = true
      input.unsubscribe()
      queue.clear()
      for (const slot of [...sending]) slot.sub?.unsubscribe()
      sending.clear()
    }
  })
}

/** A forward holding a slot. */
interface Slot {
  sub: Subscription | undefined
  done: boolean
}

/** A FIFO line of at most `max` items; O(1) push and shift. */
export interface SendQueue<T> {
  /** Adds `item` at the end; when the line was full, the oldest goes and is returned. */
  push(item: T): T | undefined
  shift(): T | undefined
  /** Drops items from the front while `gone(item)` holds; returns how many. */
  shed(gone: (item: T) => boolean): number
  clear(): void
  readonly size: number
}

export function createSendQueue<T> (max: number): SendQueue<T> {
  if (!(Number.isSafeInteger(max) && max >= 1)) throw new RangeError(`queue bound must be a positive integer, got ${max}`)
  let items: Array<T | undefined> = []
  let head = 0
  const take = (): T | undefined => {
    if (head >= items.length) return undefined
    const item = items[head]
    items[head++] = undefined
    if (head >= 1024 && head * 2 >= items.length) {
      items = items.slice(head)
      head = 0
    }
    return item
  }
  const api: Omit<SendQueue<T>, 'size'> = {
    push (item) {
      const out = items.length - head >= max ? take() : undefined
      items.push(item)
      return out
    },
    shift: take,
    shed (gone) {
      let n = 0
      while (head < items.length && gone(items[head]!)) {
        take()
        n++
      }
      return n
    },
    clear () {
      items = []
      head = 0
    }
  }
  return withGetters(api, { size: () => items.length - head })
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function send$ (task: SendTask, ctx: GossipContext, retriesLeft: number): Observable<never> {
  return defer(() => {
    if (task.stopped?.() === true) return EMPTY
    // Hops were weighed on receipt (inbound.ts); here the time it waited in line counts. A retry
    // is not weighed again: its wait was the failed query's timeout, not a queue.
    const first = retriesLeft === ctx.s.retries
    const age = Math.max(0, ctx.deps.clock.now() - task.receivedAt)
    if (first && !shouldForward(0, age, { random: ctx.deps.random, limits: ctx.s.ages })) {
      ctx.counts.dropped++
      return EMPTY
    }
    const { rumor, target } = task
    const out = outgoing(rumor, target, ctx.s.id)
    const query: TransportQuery = {
      type: 'transport.query',
      to: { host: target.contact.host, port: target.contact.port },
      q: 'pc_gossip',
      a: { m: encodeRumor(out) },
      timeout: ctx.s.forwardTimeout
    }
    ctx.counts.forwarded++
    ctx.inFlight++
    let done = false
    const sent$ = ctx.deps.ask(query, { timeout: ctx.s.forwardTimeout + ASK_MARGIN }).pipe(
      ignoreElements(),
      finalize(() => {
        if (!done) {
          done = true
          ctx.inFlight--
        }
      }),
      catchError(() => {
        ctx.counts.failed++
        const next = retriesLeft > 0 ? replacement(task, ctx) : undefined
        return next === undefined ? EMPTY : send$(next, ctx, retriesLeft - 1)
      })
    )
    return task.stop === undefined ? sent$ : sent$.pipe(takeUntil(task.stop))
  })
}

/** Another peer of the failed target's part; else the same peer once more (only a datagram may have been lost). */
function replacement (task: SendTask, ctx: GossipContext): SendTask | undefined {
  const { excluded, prefixes } = task
  const target = pickReplacement(ctx.view, task.target, {
    excluded: c => excluded.has(idKey(c.id)) || prefixes.has(prefixOf(c.id)),
    random: ctx.deps.random
  })
  if (target !== undefined) {
    excluded.add(idKey(target.contact.id))
    return { ...task, target, resent: false }
  }
  return task.resent === true ? undefined : { ...task, resent: true }
}
