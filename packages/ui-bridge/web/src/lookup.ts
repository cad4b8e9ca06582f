/**
 * Lookup by id: 40 hex characters → an iterative lookup on the network, its progress shown as it
 * runs (`data-lookup-progress`), then the peer (`data-lookup-result`) or "not found"
 * (`data-lookup-missing`). The details dialog runs the same lookup.
 */
import type { Peer } from '../../src/backend.js'
import { lookup } from './api.js'
import { byId, h } from './dom.js'
import { ago, plural } from './format.js'
import { displayName } from './peer-row.js'

const HEX_ID = /^[0-9a-fA-F]{40}$/

/** Runs a lookup of `id`, rendering its progress and result into `out`. Ends when it does or `signal` aborts. */
export async function runLookup (id: string, out: HTMLElement, signal: AbortSignal): Promise<void> {
  const progress = h('p', { class: 'note', text: 'Looking up…', attrs: { 'data-lookup-progress': '0' } })
  out.replaceChildren(progress)
  try {
    for await (const step of lookup(id, signal)) {
      if (signal.aborted) return
      if (!('done' in step)) {
        progress.dataset.lookupProgress = String(step.queried)
        progress.textContent = `Looking up… asked ${plural(step.queried, 'node')}, ${step.responded} answered, ${step.closest} closest ` +
          `so far`
        continue
      }
      if (step.error !== undefined) {
        out.replaceChildren(h('p', { class: 'note error', text: `Lookup failed: ${step.error.message}` }))
      } else if (step.peer === null) {
        out.replaceChildren(
          h('p', { class: 'note', text: `No peer with that id was found (${plural(step.queries, 'query', 'queries')}, ${step.ms} ms).`,
            attrs: { 'data-lookup-missing': id } })
        )
      } else {
        out.replaceChildren(peerCard(step.peer),
          h('p', { class: 'caption', text: `found with ${plural(step.queries, 'query', 'queries')} in ${step.ms} ms` }))
      }
      return
    }
  } catch (err) {
    if (signal.aborted) return
    out.replaceChildren(h('p', { class: 'note error', text: `Lookup failed: ${(err as Error).message}` }))
  }
}

export function lookupBox (): { lookup: (id: string) => void } {
  const form = byId<HTMLFormElement>('lookup-form')
  const input = byId<HTMLInputElement>('lookup-id')
  const out = byId('lookup-result')
  let running: AbortController | undefined

  const start = (raw: string): void => {
    running?.abort()
    const id = raw.trim().toLowerCase()
    if (!HEX_ID.test(id)) {
      out.replaceChildren(h('p', { class: 'note error', text: 'An id is 40 hex characters.' }))
      return
    }
    running = new AbortController()
    void runLookup(id, out, running.signal)
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    start(input.value)
  })
  return {
    lookup (id) {
      input.value = id
      start(id)
    }
  }
}

function peerCard (peer: Peer): HTMLElement {
  return h('dl', { class: 'facts peer-card',
    attrs: { 'data-lookup-result': peer.id, 'data-peer-id': peer.id, 'data-status': peer.status } }, [
    fact('Name', h('span', { class: 'strong', text: displayName(peer) })),
    fact('ID', h('code', { class: 'id wrap', text: peer.id })),
    fact('Address', h('code', { text: peer.address })),
    fact('Status', h('span', { class: `pill ${peer.status}`, text: peer.status })),
    fact('Last seen', h('span', { text: ago(peer.lastSeen, Date.now()), attrs: { 'data-time': String(peer.lastSeen) } })),
    ...(peer.key === undefined ? [] : [fact('Key', h('code', { class: 'key', text: peer.key }))])
  ])
}

export function fact (term: string, value: Node): HTMLDivElement {
  return h('div', {}, [h('dt', { text: term }), h('dd', {}, [value])])
}
