/**
 * The UiBackend of a real node, answered with asks to the other actors: status ← transport.info,
 * routing.contacts, supervisor.stats, lists.stats; live peers ← the view; directory ← lists.page;
 * lookup ← the view, routing.get, then crawler.find; search ← search.query; metrics ← the stats
 * of every actor that answers. Only transport.info (status), lists.page (directory),
 * crawler.find (lookup) and search.query (search) are needed: their failures become 503s; every
 * other ask that fails just leaves its part out.
 */
import { concatMap, filter, map, of } from 'rxjs'
import { closestListId, idToHex, idsEqual, isCrawlerProgress, isCrawlerResult, recordAddress, isListsPageReply, isListsStatsReply,
  isRoutingContactsReply, isRoutingGetReply, isSearchDone, isSearchHit, isSupervisorStatsReply, isTransportInfoReply,
  parseIdHex } from '@peerconnect/protocol'
import type { Contact, CrawlerFind, CrawlerLookup, PeerRecord, ListsPage, ListsStats, RoutingContacts, RoutingGet, SearchQuery,
  SupervisorStats, TransportInfo } from '@peerconnect/protocol'
import type { HitSource, LookupStep, NodeStatus, Peer, UiBackend } from './backend.js'
import { askFor } from './ask.js'
import { toAsyncIterable } from './async-iterable.js'
import type { Bridge } from './bridge.js'
import { fingerprintOf } from './bridge.js'
import { alsoAtOf, behindNatOf, contactPeer, directoryPeer, formatAddress, keyFingerprint, recordPeer } from './to-peer.js'
import { nodeMetrics } from './node-metrics.js'
import { FIND_TIMEOUT, PAGE_TIMEOUT, SEARCH_ASK_MARGIN, STATUS_TIMEOUT } from './constants.js'

export function createNodeBackend (bridge: Bridge): UiBackend {
  const { deps, view, names } = bridge
  const ask = deps.ask
  const optional = async <T>(type: string, p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p
    } catch (err) {
      bridge.failed(type, err)
      return undefined
    }
  }
  const contacts = async (): Promise<{ contacts: Contact[], buckets: number[] } | undefined> => {
    const msg: RoutingContacts = { type: 'routing.contacts' }
    const reply = await optional(msg.type, askFor(ask, msg, { guard: isRoutingContactsReply, timeout: STATUS_TIMEOUT }))
    if (reply !== undefined) { for (const e of view.sync(reply.contacts)) bridge.emit(e) }
    return reply
  }
  let synced: Promise<unknown> | undefined
  const withKey = (peer: Peer): Peer => {
    const key = fingerprintOf(names, peer.id)
    return key === undefined ? peer : { ...peer, key }
  }
  /** A peer's name for a lookup, or '' when it has not come within the lookup's name deadline (it may still come later, as an event). */
  const nameOf = async (contact: Contact): Promise<string> => {
    if (contact.pc === false) return '' // BEP 5 only: no record to ask for
    const idHex = idToHex(contact.id)
    return (await withDeadline(names.resolve({ id: contact.id, host: contact.host, port: contact.port }, idHex),
      bridge.settings.nameTimeout)) ?? ''
  }

  return {
    async status (): Promise<NodeStatus> {
      const info: TransportInfo = { type: 'transport.info' }
      const stats: SupervisorStats = { type: 'supervisor.stats' }
      const lists: ListsStats = { type: 'lists.stats' }
      const [transport, table, supervisor, held] = await Promise.all([
        askFor(ask, info, { guard: isTransportInfoReply, timeout: STATUS_TIMEOUT }),
        contacts(),
        optional(stats.type, askFor(ask, stats, { guard: isSupervisorStatsReply, timeout: STATUS_TIMEOUT })),
        optional(lists.type, askFor(ask, lists, { guard: isListsStatsReply, timeout: STATUS_TIMEOUT }))
      ])
      return {
        id: idToHex(transport.id),
        name: bridge.settings.name,
        udp: formatAddress(transport.udp.host, transport.udp.port),
        api: bridge.url,
        uptime: Math.max(0, deps.clock.now() - bridge.startedAt),
        peers: table?.contacts.length ?? view.size,
        actors: (supervisor?.actors ?? []).map(a => ({ name: a.name, host: a.host, threadId: a.threadId, restarts: a.restarts })),
        lists: { held: held?.held ?? 0, records: held?.records ?? 0 },
        buckets: table?.buckets ?? [],
        ...(transport.readOnly === true ? { behindNat: true as const } : {})
      }
    },

    async livePeers (): Promise<Peer[]> {
      synced ??= contacts()
      await synced
      return view.peers()
    },

    async peers ({ cursor, limit }) {
      const msg: ListsPage = cursor === undefined || cursor === '' ? { type: 'lists.page', limit } : { type: 'lists.page', cursor, limit }
      const page = await askFor(ask, msg, { guard: isListsPageReply, timeout: PAGE_TIMEOUT })
      const peers: Peer[] = []
      for (const entry of page.peers) {
        const peer = directoryPeer(entry, view.get(idToHex(entry.record.id)))
        if (peer === undefined) continue
        names.learn(peer.id, entry.record)
        peers.push(peer)
      }
      return page.holders === undefined ? { peers, next: page.next } : { peers, next: page.next, holders: page.holders }
    },

    async peer (idHex) {
      const id = parseIdHex(idHex)
      if (id === undefined) return null
      const live = view.target(idHex)
      if (live !== undefined) {
        if (view.get(idHex)?.kind === 'bep5') return view.get(idHex) ?? null // no record to ask for
        const resolving = names.resolve(live, idHex)
        resolving.then(name => {
          if (name !== undefined) bridge.emit(view.named(idHex, name, fingerprintOf(names, idHex)))
        }, () => {})
        await withDeadline(resolving, bridge.settings.nameTimeout)
        return view.get(idHex) ?? null
      }
      const get: RoutingGet = { type: 'routing.get', id }
      const known = await optional(get.type, askFor(ask, get, { guard: isRoutingGetReply, timeout: STATUS_TIMEOUT }))
      if (known?.contact != null) return withKey(contactPeer(known.contact, { name: await nameOf(known.contact) }))
      const find: CrawlerFind = { type: 'crawler.find', id }
      bridge.counters.finds++
      const result = await askFor(ask, find, { guard: isCrawlerResult, timeout: FIND_TIMEOUT })
      if (result.found === null) return null
      return withKey(contactPeer({ ...result.found, lastSeen: deps.clock.now() }, { name: await nameOf(result.found) }))
    },

    async details (idHex) {
      const id = parseIdHex(idHex)
      if (id === undefined) return null
      let peer = view.get(idHex)
      const inTable = peer !== undefined
      const target = view.target(idHex)
      if (target !== undefined && peer?.kind !== 'bep5' && names.record(idHex) === undefined) { // a BEP 5 node has no record to ask for
        const name = await names.resolve(target, idHex)
        if (name !== undefined) bridge.emit(view.named(idHex, name, fingerprintOf(names, idHex)))
        peer = view.get(idHex)
      }
      const record = names.record(idHex)
      if (peer === undefined && record !== undefined) peer = recordPeer(record, { lastSeen: 0 })
      if (peer === undefined) return null
      const home = closestListId(id)
      const health = view.health(idHex)
      return {
        peer,
        record: record === undefined
          ? null
          : { key: idToHex(record.k), fingerprint: keyFingerprint(record.k), seq: record.s, address: recordAddressText(record),
            ...alsoAtOf(record), ...behindNatOf(record) },
        list: { index: home.index, id: idToHex(home.id) },
        inTable,
        rtt: health?.rtt ?? null,
        lastChecked: health?.lastChecked ?? null
      }
    },

    lookup (idHex, signal) {
      const id = parseIdHex(idHex)
      if (id === undefined) return toAsyncIterable(of<LookupStep>({ done: true, peer: null, closest: [], queries: 0, ms: 0 }), signal)
      const msg: CrawlerLookup = { type: 'crawler.lookup', target: id }
      bridge.counters.finds++
      const steps$ = ask(msg, { timeout: FIND_TIMEOUT }).pipe(
        concatMap(async (m): Promise<LookupStep | undefined> => {
          if (isCrawlerProgress(m)) return { queried: m.queried, responded: m.responded, closest: m.closest.length }
          if (!isCrawlerResult(m)) return undefined
          const found = m.found ?? m.closest.find(c => idsEqual(c.id, id)) ?? null
          const peer = found === null ? null : withKey(contactPeer({ ...found, lastSeen: deps.clock.now() }, { name: await nameOf(found) }))
          return { done: true, peer, closest: m.closest.map(c => idToHex(c.id)), queries: m.queries, ms: m.ms }
        }),
        filter(<T>(x: T | undefined): x is T => x !== undefined)
      )
      return toAsyncIterable(steps$, signal)
    },

    search (q, { via, timeoutMs, signal }) {
      const msg: SearchQuery = { type: 'search.query', q, via, timeout: timeoutMs }
      const hits$ = ask(msg, { timeout: timeoutMs + SEARCH_ASK_MARGIN }).pipe(
        filter(m => isSearchHit(m) || (isSearchDone(m) && m.holders !== undefined)),
        map((hit): { peer: Peer, via: HitSource } | { holders: number } | undefined => {
          if (!isSearchHit(hit)) return isSearchDone(hit) && hit.holders !== undefined ? { holders: hit.holders } : undefined
          const live = view.get(idToHex(hit.record.id))
          const peer = recordPeer(hit.record, { lastSeen: live?.lastSeen ?? deps.clock.now(), status: live?.status })
          if (peer !== undefined) names.learn(peer.id, hit.record)
          return peer === undefined ? undefined : { peer, via: hit.via }
        }),
        filter(<T>(x: T | undefined): x is T => x !== undefined)
      )
      return toAsyncIterable(hits$, signal)
    },

    events: (listener) => bridge.subscribe(listener),

    metrics: async () => await nodeMetrics(bridge)
  }
}

function recordAddressText (record: PeerRecord): string {
  const addr = recordAddress(record)
  return addr === undefined ? '' : formatAddress(addr.host, addr.port)
}

/**
 * `p`'s value, or undefined when it has not settled within `ms` (names queue behind other look-ups: a lookup never
 * waits for them without bound).
 */
async function withDeadline<T> (p: Promise<T | undefined>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<undefined>(resolve => {
    timer = setTimeout(resolve, ms, undefined)
  })
  try {
    return await Promise.race([p.catch(() => undefined), late])
  } finally {
    clearTimeout(timer)
  }
}
