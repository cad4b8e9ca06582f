/**
 * A simulated network of in-process lists actors, in virtual time. Each node's asks are answered
 * by the net: `transport.query` is bencoded, decoded and guarded exactly as the real transport
 * does (parseQueryArgs on the way in, the 3× amplification bound unless proven, parseReply on the
 * way back, KRPC errors as ERR_RPC_REMOTE "<code> <text>") and delivered to the node at that
 * address as an `rpc.<method>` ask; a dead or unknown address times out after the query's timeout.
 * `crawler.lookup` and `routing.closest` are answered by an oracle over the live nodes,
 * `transport.info` with the node's address. Nothing touches a socket or a real timer.
 */
import { defer, Observable, Subject, throwError } from 'rxjs'
import type { VirtualTimeScheduler } from 'rxjs'
import { closest, decodeKrpc, encodeQuery, encodeResponse, generateIdentity, idsEqual, idToHex, isRpcReply, KRPC_CODE_BY_ERROR,
  parseQueryArgs, parseReply } from '@peerconnect/protocol'
import type { Address, Contact, Identity, Message, NodeId, Obj } from '@peerconnect/protocol'
import type { ActorFn, ComputePool } from '@peerconnect/runtime'
import { manualScheduler, testDeps } from '@peerconnect/runtime/testing'
import { listsActor } from '../src/actor.js'
import type { ListsInit } from '../src/init.js'
import { verifyRecords } from '../src/tasks.js'
import { identityIn } from './fixtures.js'

export const T0 = 1_700_000_000_000
/** Virtual ms a request waits for its reply, in steps. */
const REQUEST_LIMIT = 60_000
const REQUEST_STEP = 10

export interface FakeNode {
  readonly identity: Identity
  readonly id: NodeId
  /** Mutable: a test may move a node (its record must follow). */
  address: Address
  readonly out: Message[]
  readonly out$: Subject<Message>
  readonly in$: Subject<Message>
  readonly pool: FakePool
  alive: boolean
  /** Asks this node's actor; resolves with the last reply (the one with `end`), rejects on an error reply. */
  request(msg: Message): Promise<Message>
  /** Publishes `msg` into this node's actor. */
  publish(msg: Message): void
  /** Stops the actor (its timers and subscriptions end). */
  stop(): void
}

export interface SentQuery {
  readonly from: string
  readonly to: string
  readonly q: string
  readonly a: Obj
  readonly bytes: number
  replyBytes?: number
  proven?: boolean
  error?: string
}

export interface FakeNet {
  readonly scheduler: VirtualTimeScheduler
  readonly nodes: FakeNode[]
  readonly queries: SentQuery[]
  /** Every ask a node made that the net answered, in order (transport.query ones are also in `queries`). */
  readonly asks: Array<{ node: FakeNode, msg: Message }>
  now(): number
  /** Adds and starts a node (id in list `list` when given); `knows` limits what its routing.closest sees. */
  /** `wildcard`: its transport says it is bound to 0.0.0.0 and advertises its address (transport.info `advertised`). */
  add(
    opts?: { identity?: Identity, list?: number, init?: Partial<ListsInit>, host?: string, port?: number, snapshot?: unknown,
      actor?: ActorFn, wildcard?: boolean }
  ): FakeNode
  /** Kills a node: its actor stops and queries to it time out. */
  kill(node: FakeNode): void
  /** Sends a KRPC query from `from` as the real transport would; resolves with the transport.response. */
  send(from: { id: NodeId, address: Address }, to: Address, q: string, a: Obj): Promise<Message>
  /** Advances virtual time by `ms`, letting promises (the pool) settle on the way. */
  advance(ms: number): Promise<void>
  /** Limits what `routing.closest` returns to `node` (default: every live node). */
  setView(node: FakeNode, knows: (other: FakeNode) => boolean): void
  /** Limits what `node`'s crawler lookups find (a lossy lookup under load); default: every live node. */
  setLookupView(node: FakeNode, finds: (other: FakeNode) => boolean): void
  stopAll(): void
}

export interface FakePool extends ComputePool {
  runs: number
  failing: boolean
  /** Refuses every task with ERR_POOL_BUSY (a full queue). */
  busy: boolean
}

export function createFakeNet (): FakeNet {
  const scheduler = manualScheduler()
  const nodes: FakeNode[] = []
  const queries: SentQuery[] = []
  const asks: Array<{ node: FakeNode, msg: Message }> = []
  const views = new Map<FakeNode, (other: FakeNode) => boolean>()
  const lookupViews = new Map<FakeNode, (other: FakeNode) => boolean>()
  const wildcards = new Set<FakeNode>()
  let pending = 0
  let cids = 0
  let nextPort = 10_000
  const now = (): number => T0 + scheduler.frame

  const at = (a: Address) => (n: FakeNode): boolean => n.address.host === a.host && n.address.port === a.port
  const byAddress = (a: Address): FakeNode | undefined => nodes.find(n => n.alive && at(a)(n)) ?? nodes.find(at(a))

  const contactOf = (n: FakeNode): Contact => ({ id: n.id, host: n.address.host, port: n.address.port, lastSeen: now() })

  const transportQuery = (from: { id: NodeId, address: Address }, m: Obj): Observable<Message> => new Observable<Message>(sub => {
    const to = m.to as Address
    const q = m.q as string
    const a = m.a as Obj
    const timeout = typeof m.timeout === 'number' ? m.timeout : 2000
    const bytes = encodeQuery(new Uint8Array(4), q, { ...a, id: from.id })
    const log: SentQuery = { from: key(from.address), to: key(to), q, a, bytes: bytes.length }
    queries.push(log)
    const target = byAddress(to)
    if (target === undefined || !target.alive) {
      const action = scheduler.schedule(() => {
        log.error = 'ERR_RPC_TIMEOUT'
        sub.error(coded('ERR_RPC_TIMEOUT', 'no reply'))
      }, timeout)
      return () => action.unsubscribe()
    }
    const decoded = decodeKrpc(bytes)
    if (!decoded.ok || decoded.msg.y !== 'q') {
      sub.error(coded('ERR_RPC_SEND', 'cannot encode'))
      return
    }
    const args = parseQueryArgs(q, decoded.msg.a)
    if (!args.ok) {
      log.error = `${args.code}`
      sub.error(coded('ERR_RPC_REMOTE', `${args.code} ${args.reason}`))
      return
    }
    const cid = ++cids
    const inner = target.out$.subscribe(r => {
      if (r.re !== cid) return
      inner.unsubscribe()
      if (!isRpcReply(r)) {
        const e = (r as { error?: { code?: string, message?: string } }).error
        const krpc = KRPC_CODE_BY_ERROR[e?.code ?? ''] ?? 202
        log.error = `${krpc} ${e?.message ?? ''}`
        sub.error(coded('ERR_RPC_REMOTE', `${krpc} ${(e?.message ?? '').slice(0, 64)}`))
        return
      }
      const out = encodeResponse(new Uint8Array(4), { ...r.r, id: target.id })
      log.replyBytes = out.length
      log.proven = r.proven === true
      if (r.proven !== true && out.length > 3 * bytes.length) {
        log.error = 'amplification'
        sub.error(coded('ERR_RPC_REMOTE', '202 reply too large'))
        return
      }
      const back = decodeKrpc(out)
      if (!back.ok || back.msg.y !== 'r' || !parseReply(q, back.msg.r).ok) {
        sub.error(coded('ERR_RPC_BAD_REPLY', 'bad reply'))
        return
      }
      sub.next(
        { type: 'transport.response', re: m.cid as number, end: true, from: to, id: target.id, r: back.msg.r, rtt: 1,
          bytes: bytes.length + out.length } as Message
      )
      sub.complete()
    })
    const action = scheduler.schedule(() => {
      target.in$.next(
        { type: `rpc.${q}`, cid, method: q, from: from.address, id: from.id, args: args.args as Obj, queryBytes: bytes.length } as Message
      )
    }, 0)
    return () => {
      inner.unsubscribe()
      action.unsubscribe()
    }
  })

  const answer = (node: FakeNode, m: Message): Observable<Message> => defer(() => {
    asks.push({ node, msg: m })
    const o = m as Message & Obj
    if (m.type === 'transport.query') return transportQuery(node, o)
    if (m.type === 'transport.info') {
      if (!wildcards.has(node)) {
        return of1({ type: 'transport.info.reply', re: m.cid, end: true, id: node.id, udp: node.address, stats: {} })
      }
      return of1({ type: 'transport.info.reply', re: m.cid, end: true, id: node.id, udp: { host: '0.0.0.0', port: node.address.port },
        advertised: node.address, stats: {} })
    }
    if (m.type === 'crawler.lookup') {
      const target = o.target as NodeId
      const finds = lookupViews.get(node) ?? (() => true)
      const live = nodes.filter(n => n.alive && n !== node && finds(n))
      const found = closest(live, target, typeof o.k === 'number' ? o.k : 8, n => n.id).map(contactOf)
      return of1({ type: 'crawler.result', re: m.cid, end: true, target, closest: found, found: null, queries: found.length, bytes: 0,
        ms: 1 })
    }
    if (m.type === 'routing.closest') {
      const view = views.get(node) ?? (() => true)
      const live = nodes.filter(n => n.alive && n !== node && view(n))
      return of1({ type: 'routing.closest.reply', re: m.cid, end: true,
        contacts: closest(live, o.target as NodeId, o.n as number, n => n.id).map(contactOf) })
    }
    return throwError(() => coded('ERR_NO_CONSUMER', `nobody consumes ${m.type}`))
  })

  const net: FakeNet = {
    scheduler,
    nodes,
    queries,
    asks,
    now,
    add (opts = {}) {
      const identity = opts.identity ?? (opts.list === undefined ? generateIdentity() : identityIn(opts.list))
      const in$ = new Subject<Message>()
      const out$ = new Subject<Message>()
      const out: Message[] = []
      const pool = fakePool(() => pending++, () => pending--)
      const node: FakeNode = {
        identity,
        id: identity.id,
        address: { host: opts.host ?? '127.0.0.1', port: opts.port ?? nextPort++ },
        out,
        out$,
        in$,
        pool,
        alive: true,
        async request (msg) {
          const cid = ++cids
          let settled = false
          const result = new Promise<Message>((resolve, reject) => {
            const s = out$.subscribe(r => {
              if (r.re !== cid || r.end !== true) return
              s.unsubscribe()
              settled = true
              if (r.type === 'error') {
                reject(
                  Object.assign(new Error(String((r as { error?: { message?: string } }).error?.message)), (r as { error?: object }).error)
                )
              } else resolve(r)
            })
          })
          result.catch(() => {}) // handled by the caller; not an unhandled rejection meanwhile
          in$.next({ ...msg, cid })
          for (let waited = 0; !settled && waited <= REQUEST_LIMIT; waited += REQUEST_STEP) {
            await net.advance(waited === 0 ? 0 : REQUEST_STEP)
          }
          if (!settled) throw new Error(`no reply to ${msg.type} within ${REQUEST_LIMIT} virtual ms`)
          return await result
        },
        publish: (msg) => in$.next(msg),
        stop: () => sub.unsubscribe()
      }
      const deps = testDeps({ name: 'lists', scheduler, start: T0, seed: nodes.length + 1, pool, ask: (m) => answer(node, m),
        snapshot: opts.snapshot })
      const init: ListsInit = { identity, name: `node-${nodes.length}`, announceInterval: 1000, ...opts.init }
      nodes.push(node)
      if (opts.wildcard === true) wildcards.add(node)
      const sub = (opts.actor ?? listsActor(init))(in$, deps).subscribe({ next: m => {
        out.push(m)
        out$.next(m)
      } })
      return node
    },
    kill (node) {
      node.alive = false
      node.stop()
    },
    async send (from, to, q, a) {
      let settled = false
      const result = new Promise<Message>((resolve, reject) => {
        transportQuery(from, { to, q, a, cid: ++cids }).subscribe({
          next: m => {
            settled = true
            resolve(m)
          },
          error: (e: unknown) => {
            settled = true
            reject(e)
          }
        })
      })
      result.catch(() => {})
      for (let waited = 0; !settled && waited <= REQUEST_LIMIT; waited += REQUEST_STEP) await net.advance(waited === 0 ? 0 : REQUEST_STEP)
      return await result
    },
    async advance (ms) {
      const target = scheduler.frame + ms
      for (let round = 0; round < 10_000; round++) {
        scheduler.maxFrames = target
        scheduler.flush()
        await new Promise(resolve => setImmediate(resolve))
        const due = scheduler.actions.some(a => a.delay <= target)
        if (!due && pending === 0) break
      }
      scheduler.frame = target
    },
    setView (node, knows) {
      views.set(node, knows)
    },
    setLookupView (node, finds) {
      lookupViews.set(node, finds)
    },
    stopAll () {
      for (const n of nodes) n.stop()
    }
  }
  return net
}

/** A pool that runs the lists tasks in-process (asynchronously, like the real one) and counts runs. */
export function fakePool (onStart: () => void = () => {}, onEnd: () => void = () => {}): FakePool {
  const pool: FakePool = {
    runs: 0,
    failing: false,
    busy: false,
    async run<R> (task: { module: string, name?: string }, arg: unknown): Promise<R> {
      if (pool.busy) throw Object.assign(new Error('the compute pool is busy'), { code: 'ERR_POOL_BUSY' })
      pool.runs++
      onStart()
      try {
        await Promise.resolve()
        if (pool.failing) throw Object.assign(new Error('pool closed'), { code: 'ERR_POOL_CLOSED' })
        if (!task.module.endsWith('/tasks.js') || task.name !== 'verifyRecords') {
          throw Object.assign(new Error('no such task'), { code: 'ERR_POOL_TASK_NOT_FOUND' })
        }
        return verifyRecords(arg) as R
      } finally {
        onEnd()
      }
    }
  }
  return pool
}

export function hexOf (id: NodeId): string {
  return idToHex(id)
}

export function sameId (a: NodeId, b: NodeId): boolean {
  return idsEqual(a, b)
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function key (a: Address): string {
  return `${a.host}:${a.port}`
}

function coded (code: string, message: string): Error {
  return Object.assign(new Error(message), { code, name: code === 'ERR_RPC_REMOTE' ? 'RpcRemoteError' : 'RpcError' })
}

function of1 (m: Record<string, unknown>): Observable<Message> {
  return new Observable<Message>(sub => {
    sub.next(m as unknown as Message)
    sub.complete()
  })
}
