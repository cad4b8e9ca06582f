/** Lookup by id: 40 hex characters → the peer (`data-lookup-result`) or "not found". */
import { getPeer } from './api.js'
import { byId, h } from './dom.js'
import { ago } from './format.js'
import { displayName } from './peer-row.js'

const HEX_ID = /^[0-9a-fA-F]{40}$/

export function lookupBox (): { lookup: (id: string) => void } {
  const form = byId<HTMLFormElement>('lookup-form')
  const input = byId<HTMLInputElement>('lookup-id')
  const out = byId('lookup-result')
  let seq = 0

  const lookup = async (raw: string): Promise<void> => {
    const id = raw.trim().toLowerCase()
    if (!HEX_ID.test(id)) {
      out.replaceChildren(h('p', { class: 'note error', text: 'An id is 40 hex characters.' }))
      return
    }
    const mine = ++seq
    out.replaceChildren(h('p', { class: 'note', text: 'Looking up…' }))
    try {
      const peer = await getPeer(id)
      if (mine !== seq) return
      if (peer === null) {
        out.replaceChildren(h('p', { class: 'note', text: 'No peer with that id was found.', attrs: { 'data-lookup-missing': id } }))
        return
      }
      out.replaceChildren(h('dl', { class: 'facts peer-card', attrs: { 'data-lookup-result': peer.id, 'data-status': peer.status } }, [
        fact('Name', h('span', { class: 'strong', text: displayName(peer) })),
        fact('ID', h('code', { class: 'id wrap', text: peer.id })),
        fact('Address', h('code', { text: peer.address })),
        fact('Status', h('span', { class: `pill ${peer.status}`, text: peer.status })),
        fact('Last seen', h('span', { text: ago(peer.lastSeen, Date.now()), attrs: { 'data-time': String(peer.lastSeen) } }))
      ]))
    } catch (err) {
      if (mine !== seq) return
      out.replaceChildren(h('p', { class: 'note error', text: `Lookup failed: ${(err as Error).message}` }))
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    void lookup(input.value)
  })
  return {
    lookup (id) {
      input.value = id
      void lookup(id)
    }
  }
}

function fact (term: string, value: Node): HTMLDivElement {
  return h('div', {}, [h('dt', { text: term }), h('dd', {}, [value])])
}
