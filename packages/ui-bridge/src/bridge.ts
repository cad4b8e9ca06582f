/**
 * The ui-bridge's state, shared by the actor (which feeds it from published messages and the
 * sweep) and the backend (which serves HTTP from it): the live peer view, the name book, the
 * event listeners (the WebSockets), and counters for /metrics. No I/O of its own but the
 * `pc_record` queries of the name book.
 */
import type { ActorDeps } from '@peerconnect/runtime'
import type { PeerEvent } from './backend.js'
import { describe } from './routes/context.js'
import { errorCode } from './ask.js'
import type { Settings } from './init.js'
import { createNameBook } from './names.js'
import type { NameBook } from './names.js'
import { createPeerView } from './peer-view.js'
import type { PeerView } from './peer-view.js'
import { keyFingerprint } from './to-peer.js'

export interface BridgeCounters {
  /** Liveness checks asked by the sweep, and how many found the peer gone. */
  checks: number
  checksFailed: number
  /** Lookups by id through the crawler. */
  finds: number
  /** Asks that failed, by message type. */
  askFailures: Record<string, number>
}

export interface Bridge {
  readonly settings: Settings
  readonly deps: ActorDeps
  readonly view: PeerView
  readonly names: NameBook
  readonly counters: BridgeCounters
  /** ms since the epoch, when the actor started. */
  readonly startedAt: number
  /** The API URL, once the server listens ('' before). */
  url: string
  /** Sends an event of the view to every listener; a new peer gets its name looked up. */
  emit(e: PeerEvent | undefined): void
  subscribe(listener: (e: PeerEvent) => void): () => void
  /** Looks up the names still unknown (the name book spaces out retries). */
  nameUnnamed(): void
  /** Counts and logs a failed ask. */
  failed(type: string, err: unknown): void
  /** Stops the name queries and drops the listeners. */
  close(): void
}

export function createBridge (settings: Settings, deps: ActorDeps): Bridge {
  const log = deps.log
  const view = createPeerView()
  const names = createNameBook({ ask: deps.ask, now: () => deps.clock.now(), timeout: settings.nameTimeout })
  const listeners = new Set<(e: PeerEvent) => void>()
  const counters: BridgeCounters = { checks: 0, checksFailed: 0, finds: 0, askFailures: {} }
  let closed = false

  const send = (e: PeerEvent | undefined): void => {
    if (e === undefined || closed) return
    for (const listener of [...listeners]) {
      try {
        listener(e)
      } catch (err) {
        log.warn('event listener failed', { err: describe(err) })
      }
    }
  }
  const lookUpName = (idHex: string): void => {
    const target = view.target(idHex)
    if (target === undefined) return
    names.resolve(target, idHex).then(name => {
      if (name !== undefined) send(view.named(idHex, name, fingerprintOf(names, idHex)))
    }, (err: unknown) => bridge.failed('transport.query', err))
  }

  const bridge: Bridge = {
    settings,
    deps,
    view,
    names,
    counters,
    startedAt: deps.clock.now(),
    url: '',
    emit (e) {
      if (e === undefined || closed) return
      if (e.type === 'peer.added') {
        const known = names.known(e.peer.id)
        if (known === undefined) lookUpName(e.peer.id)
        else view.named(e.peer.id, known, fingerprintOf(names, e.peer.id))
        send({ type: 'peer.added', peer: view.get(e.peer.id) ?? e.peer })
        return
      }
      send(e)
    },
    nameUnnamed () {
      if (!closed) { for (const idHex of view.unnamed()) lookUpName(idHex) }
    },
    subscribe (listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    failed (type, err) {
      counters.askFailures[type] = (counters.askFailures[type] ?? 0) + 1
      log.debug('ask failed', { type, code: errorCode(err), err: describe(err) })
    },
    close () {
      closed = true
      names.close()
      listeners.clear()
    }
  }
  return bridge
}

/** The fingerprint of the key in the peer's known record, if one is known. */
export function fingerprintOf (names: NameBook, idHex: string): string | undefined {
  const record = names.record(idHex)
  return record === undefined ? undefined : keyFingerprint(record.k)
}
