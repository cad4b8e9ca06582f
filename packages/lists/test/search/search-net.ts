/**
 * Search over the lists tests' simulated network (../fake-net.ts, virtual time): streaming asks
 * (every reply of a search.query, with the virtual time it came), a scripted gossip actor, and
 * nodes that answer pc_search with whatever a test wants.
 */
import { Observable, timer } from 'rxjs'
import { errorReply, generateIdentity, reply } from '@peerconnect/protocol'
import type { GossipSearch, Identity, Message, PeerRecord, RpcReply, WireRecord } from '@peerconnect/protocol'
import type { ActorDeps, ActorFn } from '@peerconnect/runtime'
import { listsActor } from '../../src/actor.js'
import type { ListsInit } from '../../src/init.js'
import type { FakeNet, FakeNode } from '../fake-net.js'

export interface Stream {
  readonly cid: number
  /** Replies so far, each with the virtual time it came. */
  readonly replies: Array<{ msg: Message, at: number }>
  /** The last reply arrived (end: true). */
  ended: boolean
}

let cids = 1_000_000

/** Sends `msg` as an ask to `node` and collects its replies; `run` advances virtual time until the stream ends (or `limit` ms). */
export function ask (net: FakeNet, node: FakeNode, msg: Message): Stream & { run(limit?: number): Promise<Stream> } {
  const cid = ++cids
  const stream: Stream = { cid, replies: [], ended: false }
  const sub = node.out$.subscribe(m => {
    if (m.re !== cid) return
    stream.replies.push({ msg: m, at: net.now() })
    if (m.end === true) {
      stream.ended = true
      sub.unsubscribe()
    }
  })
  node.in$.next({ ...msg, cid })
  return Object.assign(stream, {
    async run (limit = 60_000): Promise<Stream> {
      for (let waited = 0; !stream.ended && waited <= limit; waited += 10) await net.advance(waited === 0 ? 0 : 10)
      if (!stream.ended) sub.unsubscribe()
      return stream
    }
  })
}

/** A search.query on `node`, run to its end. */
export async function search (net: FakeNet, node: FakeNode, q: string, opts: { via?: string, timeout?: number } = {}): Promise<Stream> {
  const msg: Record<string, unknown> = { type: 'search.query', q }
  if (opts.via !== undefined) msg.via = opts.via
  if (opts.timeout !== undefined) msg.timeout = opts.timeout
  return await ask(net, node, msg as unknown as Message).run()
}

/** The hits of a stream as `name@via`, in order. */
export function hitsOf (s: Stream): string[] {
  return s.replies.filter(r => r.msg.type === 'search.hit').map(r => {
    const m = r.msg as unknown as { record: PeerRecord, via: string }
    return `${m.record.n}@${m.via}`
  })
}

/** The search.done of a stream. */
export function doneOf (s: Stream): { hits: number, ms: number, at: number } {
  const last = s.replies[s.replies.length - 1]
  if (last === undefined || last.msg.type !== 'search.done') {
    throw new Error(
      `the stream did not end with search.done: ${last?.msg.type ?? 'nothing'} ${JSON.stringify((last?.msg as { error?: unknown })?.error)}`
    )
  }
  const m = last.msg as unknown as { hits: number, ms: number }
  return { hits: m.hits, ms: m.ms, at: last.at }
}

/** What the scripted gossip actor does with one gossip.search: hits at virtual times, then (unless `endless`) the done at its timeout. */
export interface GossipScript {
  readonly hits: ReadonlyArray<{ record: PeerRecord, at: number }>
  readonly endless?: boolean
}

/** A log of the gossip searches asked (when, by the node's clock), and whether each was unsubscribed before its end. */
export interface GossipLog {
  readonly asks: Array<{ q: string, timeout: number | undefined, at: number, cancelled: boolean, ended: boolean }>
}

/** The lists actor with `gossip.search` answered by `script` (other asks go to the net as usual). */
export function withGossip (init: ListsInit, script: GossipScript | ((q: string) => GossipScript), log: GossipLog = { asks: [] }): ActorFn {
  return (in$, deps) => listsActor(init)(in$, {
    ...deps,
    ask: (m, o) =>
      m.type === 'gossip.search'
        ? scripted(m as GossipSearch, typeof script === 'function' ? script((m as GossipSearch).q) : script, deps, log)
        : deps.ask(m, o)
  })
}

/** Adds a lists node to `net` whose gossip searches follow `script`. */
export function addWithGossip (net: FakeNet,
  opts: { name: string, identity?: Identity, init?: Partial<ListsInit>, script: GossipScript | ((q: string) => GossipScript),
    log?: GossipLog }): FakeNode {
  const identity = opts.identity ?? generateIdentity()
  const init: ListsInit = { identity, name: opts.name, announceInterval: 1000, ...opts.init }
  return net.add({ identity, actor: withGossip(init, opts.script, opts.log) })
}

/** An actor that answers pc_search with `records` (no token, no next) and every other query with KRPC 204. */
export function hostile (records: () => WireRecord[]): ActorFn {
  return (in$) => new Observable<Message>(sub => {
    const s = in$.subscribe(m => {
      if (m.cid === undefined) return
      if (m.type === 'rpc.pc_search') sub.next(reply<RpcReply>(m, { type: 'rpc.reply', r: { records: records() }, proven: true }))
      else sub.next(errorReply(m, { name: 'MethodUnknown', code: 'ERR_KRPC_METHOD_UNKNOWN', message: 'no' }))
    })
    return () => s.unsubscribe()
  })
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function scripted (m: GossipSearch, script: GossipScript, deps: ActorDeps, log: GossipLog): Observable<Message> {
  return new Observable<Message>(sub => {
    const entry = { q: m.q, timeout: m.timeout, at: deps.clock.now(), cancelled: false, ended: false }
    log.asks.push(entry)
    const subs = script.hits.map(h =>
      timer(h.at, deps.scheduler).subscribe(() =>
        sub.next({ type: 'gossip.hit', re: m.cid, end: false, record: h.record, via: 'gossip' } as Message)
      )
    )
    const end = script.endless === true
      ? undefined
      : timer(m.timeout ?? 3000, deps.scheduler).subscribe(() => {
        entry.ended = true
        sub.next({ type: 'gossip.search.done', re: m.cid, end: true, hits: script.hits.length, ms: m.timeout ?? 3000 } as Message)
        sub.complete()
      })
    return () => {
      if (!entry.ended) entry.cancelled = true
      for (const s of subs) s.unsubscribe()
      end?.unsubscribe()
    }
  })
}
