/**
 * Element builders. Text always goes in as text nodes (`textContent`), never as markup: peer
 * names and everything else from the network are untrusted.
 */
export interface Props {
  class?: string
  text?: string
  title?: string
  attrs?: Record<string, string>
}

export function h<K extends keyof HTMLElementTagNameMap> (tag: K, props: Props = {},
  children: Array<Node | string> = []): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  apply(el, props)
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c)
  return el
}

const SVG_NS = 'http://www.w3.org/2000/svg'

/** An SVG element; `title` becomes a `<title>` child (the hover tooltip), as text. */
export function s<K extends keyof SVGElementTagNameMap> (tag: K, attrs: Record<string, string | number> = {},
  title?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  if (title !== undefined) {
    const t = document.createElementNS(SVG_NS, 'title')
    t.textContent = title
    el.append(t)
  }
  return el
}

export function byId<T extends HTMLElement = HTMLElement> (id: string): T {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`#${id} is missing from the page`)
  return el as T
}

export function svgById (id: string): SVGSVGElement {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`#${id} is missing from the page`)
  return el as unknown as SVGSVGElement
}

export function setText (el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text
}

function apply (el: HTMLElement, props: Props): void {
  if (props.class !== undefined) el.className = props.class
  if (props.text !== undefined) el.textContent = props.text
  if (props.title !== undefined) el.title = props.title
  for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v)
}
