/**
 * The directory (all 20 lists), one page at a time with "Load more". While it is empty (a node
 * that has just joined: records arrive as peers announce) it says so and asks again every few
 * seconds. Rows follow the live list: a peer seen live moves its "last seen" on.
 */
import type { Peer } from '../../src/backend.js'
import { getPeers } from './api.js'
import { byId, setText } from './dom.js'
import { ago, plural } from './format.js'
import { peerRow } from './peer-row.js'

export const PAGE_SIZE = 50
/** While the directory is empty, it is asked again this often. */
export const EMPTY_RETRY = 3_000

export interface Directory {
  reload: () => void
  /** Moves rows on with what the live list knows (last seen, status). */
  touch: (peers: readonly Peer[]) => void
}

export function directory (contacts: () => number | undefined): Directory {
  const list = byId<HTMLUListElement>('directory-list')
  const more = byId<HTMLButtonElement>('directory-more')
  const counts = byId('directory-counts')
  const empty = byId('directory-empty')
  let cursor: string | null = null
  let loaded = 0
  let loading = false
  let generation = 0
  let retry: ReturnType<typeof setTimeout> | undefined

  const showEmpty = (): void => {
    const n = contacts()
    empty.dataset.state = 'joining'
    setText(empty, 'No records yet: peers announce their signed records to the lists when they join, and the directory fills as they do. ' +
      (n === undefined ? '' : n === 0 ? 'This node has no contacts yet.' : `This node knows ${plural(n, 'contact')} so far.`))
    setText(counts, 'waiting for records…')
  }

  const load = async (): Promise<void> => {
    if (loading) return
    loading = true
    more.disabled = true
    clearTimeout(retry)
    const mine = generation
    try {
      const page = await getPeers(cursor, PAGE_SIZE)
      if (mine !== generation) return
      const now = Date.now()
      list.append(...page.peers.map(p => peerRow(p, now)))
      loaded += page.peers.length
      cursor = page.next
      more.hidden = cursor === null
      empty.hidden = loaded > 0
      if (loaded === 0) {
        showEmpty()
        retry = setTimeout(() => reload(), EMPTY_RETRY)
      } else {
        setText(counts, `${plural(loaded, 'peer')} loaded${cursor === null ? '' : ' · more available'}`)
      }
    } catch (err) {
      if (mine !== generation) return
      setText(counts, `Could not load: ${(err as Error).message}`)
      more.hidden = false
    } finally {
      loading = false
      more.disabled = false
    }
  }
  const reload = (): void => {
    generation++
    loading = false
    cursor = null
    loaded = 0
    list.replaceChildren()
    void load()
  }

  more.addEventListener('click', () => {
    void load()
  })
  void load()
  return {
    reload,
    touch (peers) {
      const now = Date.now()
      for (const p of peers) {
        const row = list.querySelector<HTMLElement>(`[data-peer-id="${p.id}"]`)
        const seen = row?.querySelector<HTMLElement>('.seen')
        if (row == null || seen == null) continue
        if (p.lastSeen > Number(seen.dataset.time)) {
          seen.dataset.time = String(p.lastSeen)
          setText(seen, ago(p.lastSeen, now))
        }
        row.dataset.status = p.status
        row.querySelector('.status-dot')?.setAttribute('class', `status-dot ${p.status}`)
      }
    }
  }
}
