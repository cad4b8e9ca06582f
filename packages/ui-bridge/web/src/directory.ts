/** The directory (all 20 lists), one page at a time with "Load more". */
import { getPeers } from './api.js'
import { byId, setText } from './dom.js'
import { plural } from './format.js'
import { peerRow } from './peer-row.js'

export const PAGE_SIZE = 50

export function directory (): { reload: () => void } {
  const list = byId<HTMLUListElement>('directory-list')
  const more = byId<HTMLButtonElement>('directory-more')
  const counts = byId('directory-counts')
  const empty = byId('directory-empty')
  let cursor: string | null = null
  let loaded = 0
  let loading = false
  let generation = 0

  const load = async (): Promise<void> => {
    if (loading) return
    loading = true
    more.disabled = true
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
      setText(counts, `${plural(loaded, 'peer')} loaded${cursor === null ? '' : ' · more available'}`)
    } catch (err) {
      if (mine !== generation) return
      setText(counts, `Could not load: ${(err as Error).message}`)
      more.hidden = false
    } finally {
      loading = false
      more.disabled = false
    }
  }

  more.addEventListener('click', () => { void load() })
  void load()
  return {
    reload () {
      generation++
      loading = false
      cursor = null
      loaded = 0
      list.replaceChildren()
      void load()
    }
  }
}
