/**
 * A peer's details, in a dialog opened from any peer row: its signed record (key fingerprint and
 * key, sequence, the address it signed), the list that holds it, whether it is in the routing
 * table, the last round trip and liveness check, and a lookup on the network with its progress.
 */
import type { PeerDetails } from '../../src/backend.js'
import { getDetails } from './api.js'
import { byId, h, setText } from './dom.js'
import { ago, shortId } from './format.js'
import { fact, runLookup } from './lookup.js'
import { displayName, NAT_HINT } from './peer-row.js'

export function detailsDialog (): { open: (id: string) => void } {
  const dialog = byId<HTMLDialogElement>('peer-details')
  const title = byId('peer-details-title')
  const body = byId('peer-details-body')
  const lookupOut = byId('peer-details-lookup')
  const lookupButton = byId<HTMLButtonElement>('peer-details-lookup-button')
  let current: string | undefined
  let running: AbortController | undefined

  const stop = (): void => {
    running?.abort()
    running = undefined
  }
  dialog.addEventListener('close', stop)
  byId('peer-details-close').addEventListener('click', () => dialog.close())
  lookupButton.addEventListener('click', () => {
    if (current === undefined) return
    stop()
    running = new AbortController()
    void runLookup(current, lookupOut, running.signal)
  })

  return {
    open (id) {
      stop()
      current = id
      dialog.dataset.peerId = id
      setText(title, shortId(id))
      body.replaceChildren(h('p', { class: 'note', text: 'Loading…' }))
      lookupOut.replaceChildren()
      if (!dialog.open) dialog.showModal()
      getDetails(id).then(d => {
        if (current !== id) return
        if (d === null) {
          body.replaceChildren(h('p', { class: 'note', text: 'This node knows nothing more of that peer. Look it up on the network:' }))
          return
        }
        setText(title, displayName(d.peer))
        body.replaceChildren(render(d))
      }, (err: unknown) => {
        if (current === id) body.replaceChildren(h('p', { class: 'note error', text: `Could not load: ${(err as Error).message}` }))
      })
    }
  }
}

function render (d: PeerDetails): HTMLElement {
  const now = Date.now()
  const r = d.record
  return h('dl', { class: 'facts details', attrs: { 'data-details': d.peer.id } }, [
    fact('Name', h('span', { class: 'strong', text: displayName(d.peer), title: 'chosen by the peer: a hint, not an identity' })),
    fact('Key fingerprint',
      h('code', { class: 'key', text: r?.fingerprint ?? 'no signed record', attrs: { 'data-field': 'fingerprint' } })),
    fact('ID', h('code', { class: 'id wrap', text: d.peer.id })),
    fact('Address', h('code', { text: d.peer.address })),
    fact('Signed address', h('code', { text: r?.address ?? '—', attrs: { 'data-field': 'signed-address' } })),
    ...(r?.alsoAt === undefined
      ? []
      : [
        fact('Also at',
          h('code', { text: r.alsoAt, title: 'its address of the other IP family (dual stack)', attrs: { 'data-field': 'also-at' } }))
      ]),
    ...(r?.behindNat === true
      ? [
        fact('Reachability',
          h('span', { class: 'nat', text: 'behind NAT (read-only)', title: NAT_HINT, attrs: { 'data-field': 'behind-nat' } }))
      ]
      : []),
    fact('Record sequence', h('span', { text: r === null ? '—' : String(r.seq), attrs: { 'data-field': 'seq' } })),
    fact('Held by list',
      h('span', { text: `list ${d.list.index} (${shortId(d.list.id)})`, title: d.list.id, attrs: { 'data-field': 'list' } })),
    fact('Routing table',
      h('span', { text: d.inTable ? 'in this node\'s table' : 'not in this node\'s table', attrs: { 'data-field': 'in-table' } })),
    fact('Round trip', h('span', { text: d.rtt === null ? 'not measured' : `${Math.round(d.rtt)} ms`, attrs: { 'data-field': 'rtt' } })),
    fact('Last checked',
      h('span', { text: d.lastChecked === null ? 'never' : ago(d.lastChecked, now),
        attrs: d.lastChecked === null ? { 'data-field': 'checked' } : { 'data-field': 'checked', 'data-time': String(d.lastChecked) } })),
    fact('Last seen', h('span', { text: ago(d.peer.lastSeen, now), attrs: { 'data-time': String(d.peer.lastSeen) } })),
    fact('Status', h('span', { class: `pill ${d.peer.status}`, text: d.peer.status })),
    ...(r === null
      ? []
      : [h('div', { class: 'wide' }, [h('dt', { text: 'Public key' }), h('dd', {}, [h('code', { class: 'id wrap', text: r.key })])])])
  ])
}
