/** This node: the header facts, the runtime card (actors, lists) and a ticking uptime. */
import type { NodeStatus } from '../../src/backend.js'
import { byId, h, setText } from './dom.js'
import { NAT_HINT } from './peer-row.js'
import { duration, shortId } from './format.js'

export function showStatus (status: NodeStatus): void {
  setText(byId('node-name'), status.name === '' ? '(unnamed)' : status.name)
  const id = byId('node-id')
  setText(id, shortId(status.id))
  id.title = status.id
  const udp = byId('node-udp')
  setText(udp, status.behindNat === true ? `${status.udp} · behind NAT` : status.udp)
  udp.title = status.behindNat === true ? `this node ${NAT_HINT.replace(/^it /, '')}` : ''
  setText(byId('node-peers'), `${status.peers} contacts`)
  setText(byId('node-api'), status.api ?? location.origin)
  setText(byId('node-lists'), String(status.lists.held))
  setText(byId('node-records'), String(status.lists.records))
  byId('actors').replaceChildren(...status.actors.map(a => h('tr', { attrs: { 'data-actor': a.name } }, [
    h('td', { text: a.name }),
    h('td', {}, [h('span', { class: `pill ${a.host}`, text: a.host })]),
    h('td', { class: 'num', text: String(a.threadId) }),
    h('td', { class: a.restarts > 0 ? 'num warn' : 'num', text: String(a.restarts) })
  ])))
  document.title = `${status.name} · PeerConnect`
}

/** Keeps the uptime counting between status polls. */
export function uptimeClock (): { set: (uptimeMs: number) => void } {
  const el = byId('node-uptime')
  let base: { uptime: number, at: number } | undefined
  setInterval(() => {
    if (base !== undefined) setText(el, duration(base.uptime + Date.now() - base.at))
  }, 1000)
  return {
    set (uptime) {
      base = { uptime, at: Date.now() }
      setText(el, duration(uptime))
    }
  }
}
