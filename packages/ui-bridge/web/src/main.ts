/**
 * The PeerConnect node page: this node, the live peer list (WebSocket), the directory, search,
 * lookup by id, and a picture of the network. Everything from the network is rendered as text.
 */
import type { NodeStatus, Peer } from '../../src/backend.js'
import { getStatus, eventsUrl, setToken, token, whenUnauthorized } from './api.js'
import { drawBuckets } from './buckets.js'
import { byId, setText, svgById } from './dom.js'
import { detailsDialog } from './details.js'
import { directory } from './directory.js'
import { connectEvents } from './events.js'
import type { ConnState } from './events.js'
import { livePeers } from './live-peers.js'
import { lookupBox } from './lookup.js'
import { onPeerOpen, refreshTimes } from './peer-row.js'
import { drawRing } from './ring.js'
import { searchBox } from './search.js'
import { showStatus, uptimeClock } from './node-status.js'

const STATUS_EVERY = 5_000
const TIMES_EVERY = 5_000

let status: NodeStatus | null = null
let known: Peer[] = []
const ring = svgById('ring')
const redrawRing = (): void => drawRing(ring, status === null ? null : { id: status.id, name: status.name }, known)

token()
const auth = byId<HTMLFormElement>('auth')
whenUnauthorized(() => {
  auth.hidden = false
})
auth.addEventListener('submit', (ev) => {
  ev.preventDefault()
  const value = byId<HTMLInputElement>('auth-token').value.trim()
  if (value === '') return
  setToken(value)
  location.reload()
})

const dir = directory(() => status?.peers)
const live = livePeers(peers => {
  known = peers
  redrawRing()
  dir.touch(peers)
})
const uptime = uptimeClock()
const refreshStatus = async (): Promise<void> => {
  try {
    status = await getStatus()
    showStatus(status)
    uptime.set(status.uptime)
    drawBuckets(byId('buckets'), byId('buckets-caption'), status.buckets ?? [])
    redrawRing()
  } catch {
    setText(byId('node-peers'), 'unreachable')
  }
}
void refreshStatus()
setInterval(() => {
  void refreshStatus()
}, STATUS_EVERY)

const conn = byId('conn')
const connText = byId('conn-text')
let retryTimer: ReturnType<typeof setInterval> | undefined
const showConn = (s: ConnState): void => {
  conn.dataset.state = s.state
  clearInterval(retryTimer)
  if (s.state === 'live') return setText(connText, 'live')
  if (s.state === 'connecting') return setText(connText, 'connecting…')
  const tick = (): void => setText(connText, `reconnecting in ${Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000))} s`)
  tick()
  retryTimer = setInterval(tick, 500)
}
connectEvents({
  url: eventsUrl,
  onOpen: () => live.reset(),
  onEvent: e => live.apply(e),
  onState: showConn
})

searchBox()
lookupBox()
const details = detailsDialog()
for (const list of ['live-list', 'directory-list', 'search-results', 'lookup-result']) onPeerOpen(byId(list), id => details.open(id))
setInterval(() => refreshTimes(document, Date.now()), TIMES_EVERY)
