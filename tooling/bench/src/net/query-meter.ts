/**
 * Counts the wire cost of one lookup the same way for every implementation, from the datagrams
 * seen by the dgram tap: a query is a `find_node` for the lookup's target sent FROM the querying
 * node's port; its bytes are that datagram's size plus the size of every answer (`y` r or e)
 * sent TO that port carrying one of those queries' transaction ids. Timed-out queries count as
 * queries (their bytes too), so nothing is hidden.
 */
import { decodeKrpc, idsEqual } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import type { Datagram, DgramTap } from './dgram-tap.js'

export interface Metered {
  readonly queries: number
  readonly answers: number
  readonly bytes: number
}

export interface QueryMeter {
  /** Starts counting the find_node queries for `target` sent from `port`; `stop()` returns the counts. */
  track(port: number, target: NodeId): { stop(): Metered }
}

export function createQueryMeter (tap: DgramTap): QueryMeter {
  const byPort = new Map<number, Tracking>()
  let unobserve: (() => void) | undefined

  const onDatagram = (d: Datagram): void => {
    const out = byPort.get(d.from)
    if (out !== undefined) countQuery(out, d.bytes)
    const back = byPort.get(d.toPort)
    if (back !== undefined) countAnswer(back, d.bytes)
  }

  return {
    track (port, target) {
      if (byPort.has(port)) throw new Error(`port ${port} is already tracked`)
      const t: Tracking = { target, tids: new Set(), queries: 0, answers: 0, bytes: 0 }
      byPort.set(port, t)
      unobserve ??= tap.observe(onDatagram)
      return {
        stop () {
          byPort.delete(port)
          if (byPort.size === 0) {
            unobserve?.()
            unobserve = undefined
          }
          return { queries: t.queries, answers: t.answers, bytes: t.bytes }
        }
      }
    }
  }
}

interface Tracking {
  readonly target: NodeId
  readonly tids: Set<string>
  queries: number
  answers: number
  bytes: number
}

function countQuery (t: Tracking, bytes: Uint8Array): void {
  const res = decodeKrpc(bytes)
  if (!res.ok || res.msg.y !== 'q' || res.msg.q !== 'find_node') return
  const target = res.msg.a.target
  if (!(target instanceof Uint8Array) || target.length !== t.target.length || !idsEqual(target, t.target)) return
  t.queries++
  t.bytes += bytes.length
  t.tids.add(Buffer.from(res.msg.t).toString('hex'))
}

function countAnswer (t: Tracking, bytes: Uint8Array): void {
  // An answer may pass MAX_PACKET: bittorrent-dht answers find_node with its whole table.
  const res = decodeKrpc(bytes, { reply: true })
  if (!res.ok || res.msg.y === 'q') return
  const tid = Buffer.from(res.msg.t).toString('hex')
  if (!t.tids.delete(tid)) return
  t.answers++
  t.bytes += bytes.length
}
