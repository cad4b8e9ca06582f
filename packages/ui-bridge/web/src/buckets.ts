/** The routing table's bucket fill: one bar per bucket (i = bits shared with this node's id). */
import { h, setText } from './dom.js'
import { plural } from './format.js'

/** Buckets shown even when the deeper ones are empty. */
const MIN_SHOWN = 16
const ID_BITS = 160

export function drawBuckets (container: HTMLElement, caption: HTMLElement, buckets: number[]): void {
  const last = buckets.reduce((acc, n, i) => n > 0 ? i : acc, -1)
  const shown = Array.from({ length: Math.min(ID_BITS, Math.max(MIN_SHOWN, last + 2)) }, (_, i) => buckets[i] ?? 0)
  const max = Math.max(1, ...shown)
  container.replaceChildren(...shown.map((n, i) => {
    const bar = h('span', { class: n === 0 ? 'bar empty' : 'bar', title: `bucket ${i}: ${plural(n, 'contact')}`,
      attrs: { 'data-bucket': String(i), 'data-count': String(n) } })
    bar.style.height = `${Math.max(n === 0 ? 2 : 6, Math.round((n / max) * 100))}%`
    return bar
  }))
  const total = buckets.reduce((a, b) => a + b, 0)
  const used = buckets.filter(n => n > 0).length
  setText(caption,
    `${plural(total, 'contact')} in ${plural(used, 'bucket')} · deepest bucket ${last < 0 ? '–' : last} · hover a bar for its count`)
}
