/**
 * The search box. Hits stream in as the server finds them, each tagged with its source; a new
 * search cancels the one running. Result rows carry `data-search-result` (the peer id) and
 * `data-via`.
 */
import { search } from './api.js'
import { byId, h, setText } from './dom.js'
import { plural } from './format.js'
import { peerRow } from './peer-row.js'

const MAX_QUERY_BYTES = 64

export function searchBox (): void {
  const form = byId<HTMLFormElement>('search-form')
  const input = byId<HTMLInputElement>('search-q')
  const via = byId<HTMLSelectElement>('search-via')
  const results = byId<HTMLUListElement>('search-results')
  const status = byId('search-status')
  const section = byId('search')
  let running: AbortController | undefined

  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    const q = input.value.trim()
    if (q === '') return setText(status, 'Type a name to search for.')
    if (new TextEncoder().encode(q).length > MAX_QUERY_BYTES) return setText(status, `A query is at most ${MAX_QUERY_BYTES} bytes.`)
    running?.abort()
    const controller = new AbortController()
    running = controller
    void run(q, via.value, controller)
  })

  async function run (q: string, route: string, controller: AbortController): Promise<void> {
    results.replaceChildren()
    section.dataset.state = 'running'
    setText(status, 'Searching…')
    let hits = 0
    try {
      for await (const line of search(q, route, controller.signal)) {
        if ('done' in line) {
          const tail = line.error === undefined ? '' : ` · stopped: ${line.error.message}`
          setText(status, `${plural(line.hits, 'hit')} in ${line.ms} ms${tail}`)
          section.dataset.state = 'done'
          return
        }
        hits++
        const badge = h('span', { class: `via via-${line.via}`, text: line.via, title: `found via ${line.via}` })
        const row = peerRow(line.peer, Date.now(), [badge])
        row.dataset.searchResult = line.peer.id
        row.dataset.via = line.via
        results.append(row)
        setText(status, `Searching… ${plural(hits, 'hit')}`)
      }
      section.dataset.state = 'done'
    } catch (err) {
      if (controller.signal.aborted) return
      section.dataset.state = 'failed'
      setText(status, `Search failed: ${(err as Error).message}`)
    }
  }
}
