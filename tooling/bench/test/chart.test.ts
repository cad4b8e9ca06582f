/**
 * The benchmarks' SVG charts: every chart is one well-formed XML document (checked by a strict
 * little parser below: matched tags, quoted attributes, no duplicate attributes, only the five
 * XML entities or numeric ones, no raw `<` or `&` in text), has an x and a y axis with tick labels,
 * one line per series named in the legend, and escapes what it prints.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { barChart, cdfChart, cdfPoints, escapeXml, lineChart, logTicks, niceTicks, writeSvg } from '../src/lib/chart.js'

interface El {
  name: string
  attrs: Record<string, string>
  children: El[]
  text: string
}

/** Parses an XML document strictly; throws on anything not well-formed. */
function parseXml (src: string): El {
  let i = 0
  const root: El = { name: '#root', attrs: {}, children: [], text: '' }
  const stack: El[] = [root]
  const checkText = (t: string): string => {
    if (t.includes('<')) throw new Error('raw < in text')
    const bad = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(t)
    if (bad !== null) throw new Error(`bad entity at ${bad.index}: ${t.slice(bad.index, bad.index + 10)}`)
    return t
  }
  while (i < src.length) {
    const lt = src.indexOf('<', i)
    const text = lt < 0 ? src.slice(i) : src.slice(i, lt)
    const top = stack[stack.length - 1]
    if (top === undefined) throw new Error('no open element')
    if (text.trim() !== '') {
      if (top === root) throw new Error('text outside the root element')
      top.text += checkText(text)
    }
    if (lt < 0) break
    if (src.startsWith('<?xml', lt)) {
      const e = src.indexOf('?>', lt)
      if (e < 0) throw new Error('open <?xml')
      i = e + 2
      continue
    }
    if (src.startsWith('<!--', lt)) {
      const e = src.indexOf('-->', lt)
      if (e < 0) throw new Error('open comment')
      i = e + 3
      continue
    }
    const gt = src.indexOf('>', lt)
    if (gt < 0) throw new Error('unclosed tag')
    const tag = src.slice(lt + 1, gt)
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim()
      const open = stack.pop()
      if (open === undefined || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? '?'}>`)
      i = gt + 1
      continue
    }
    const selfClosing = tag.endsWith('/')
    const body = selfClosing ? tag.slice(0, -1) : tag
    const m = /^([A-Za-z_][\w:.-]*)/.exec(body)
    if (m === null) throw new Error(`bad tag <${tag}>`)
    const el: El = { name: m[1] ?? '', attrs: {}, children: [], text: '' }
    let rest = body.slice(el.name.length)
    const attr = /^\s+([A-Za-z_][\w:.-]*)="([^"<]*)"/
    for (;;) {
      const a = attr.exec(rest)
      if (a === null) break
      const k = a[1] ?? ''
      if (k in el.attrs) throw new Error(`duplicate attribute ${k}`)
      el.attrs[k] = checkText(a[2] ?? '')
      rest = rest.slice(a[0].length)
    }
    if (rest.trim() !== '') throw new Error(`bad attributes in <${tag}>: ${rest}`)
    if (top === root && root.children.length > 0) throw new Error('two root elements')
    top.children.push(el)
    if (!selfClosing) stack.push(el)
    i = gt + 1
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]?.name ?? '?'}>`)
  const doc = root.children[0]
  if (doc === undefined) throw new Error('empty document')
  return doc
}

function all (el: El, pred: (e: El) => boolean): El[] {
  const out: El[] = pred(el) ? [el] : []
  for (const c of el.children) out.push(...all(c, pred))
  return out
}
const byClass = (el: El, cls: string): El[] => all(el, e => e.attrs.class === cls)
const texts = (el: El): string[] => all(el, e => e.name === 'text').map(e => e.text)

const xml = suite('bench charts - the checker')

xml('the checker rejects what is not well-formed', () => {
  assert.throws(() => parseXml('<svg><g></svg>'))
  assert.throws(() => parseXml('<svg a="1" a="2"/>'))
  assert.throws(() => parseXml('<svg a=1/>'))
  assert.throws(() => parseXml('<svg><text>a & b</text></svg>'))
  assert.throws(() => parseXml('<svg/><svg/>'))
  assert.throws(() => parseXml('<svg><text>x</text>'))
  assert.is(parseXml('<svg><text>a &amp; b &#38;</text></svg>').children[0]?.text, 'a &amp; b &#38;')
})

const charts = suite('bench charts')

charts('lineChart - well-formed, both axes with ticks, one line per series, legend names them', () => {
  const svg = lineChart({
    title: 'Table health over time',
    x: { label: 'minutes' },
    y: { label: 'share of nodes', min: 0, max: 1 },
    series: [
      { name: 'all 20', points: [[0, 0.5], [10, 0.9], [20, 0.97], [60, 0.99]] },
      { name: '≥ 18', points: [[0, 0.7], [10, 0.95], [20, 0.99], [60, 1]], dashed: true }
    ],
    marks: [{ y: 0.95, label: 'goal 95%' }]
  })
  const doc = parseXml(svg)
  assert.is(doc.name, 'svg')
  assert.is(doc.attrs.xmlns, 'http://www.w3.org/2000/svg')
  assert.is(byClass(doc, 'x-axis').length, 1)
  assert.is(byClass(doc, 'y-axis').length, 1)
  const xTicks = texts(byClass(doc, 'x-ticks')[0]!)
  const yTicks = texts(byClass(doc, 'y-ticks')[0]!)
  assert.ok(xTicks.includes('0') && xTicks.includes('60'), `x ticks cover 0..60: ${xTicks.join(' ')}`)
  assert.ok(yTicks.includes('0') && yTicks.includes('1'), `y ticks cover 0..1: ${yTicks.join(' ')}`)
  const lines = byClass(doc, 'series-line')
  assert.equal(lines.map(l => l.attrs['data-series']), ['all 20', '≥ 18'])
  assert.is(lines[0]!.attrs.points!.split(' ').length, 4)
  assert.is(lines[1]!.attrs['stroke-dasharray'], '6 4')
  assert.ok(lines[0]!.attrs.stroke !== lines[1]!.attrs.stroke, 'series get different colours')
  assert.equal(texts(byClass(doc, 'legend')[0]!), ['all 20', '≥ 18'])
  assert.ok(texts(doc).includes('goal 95%'))
  assert.ok(texts(doc).includes('minutes') && texts(doc).includes('share of nodes'))
})

charts('lineChart - points map inside the plot, larger y is higher up', () => {
  const doc = parseXml(
    lineChart({ title: 't', x: { label: 'x' }, y: { label: 'y' }, series: [{ name: 'a', points: [[1, 1], [2, 4], [3, 9]] }] })
  )
  const pts = byClass(doc, 'series-line')[0]!.attrs.points!.split(' ').map(p => p.split(',').map(Number))
  const w = Number(doc.attrs.width)
  const h = Number(doc.attrs.height)
  for (const [x, y] of pts) assert.ok(x! >= 0 && x! <= w && y! >= 0 && y! <= h, `${String(x)},${String(y)} inside ${w}×${h}`)
  assert.ok(pts[0]![0]! < pts[1]![0]! && pts[1]![0]! < pts[2]![0]!, 'x increases to the right')
  assert.ok(pts[0]![1]! > pts[1]![1]! && pts[1]![1]! > pts[2]![1]!, 'y increases upward')
})

charts('lineChart - escapes titles, labels and names; drops non-finite and (on log axes) non-positive points', () => {
  const svg = lineChart({
    title: 'a < b & "c"',
    x: { label: 'N <nodes>', log: true },
    y: { label: 'it\'s' },
    series: [{ name: '<script>', points: [[0, 1], [10, 2], [100, Number.NaN], [1000, 3], [Number.POSITIVE_INFINITY, 4]] }]
  })
  const doc = parseXml(svg)
  assert.ok(!svg.includes('<script>'))
  assert.is(all(doc, e => e.name === 'title')[0]!.text, 'a &lt; b &amp; &quot;c&quot;')
  assert.is(byClass(doc, 'series-line')[0]!.attrs.points!.split(' ').length, 2, 'x = 0 (log), NaN and ∞ dropped')
  const xTicks = texts(byClass(doc, 'x-ticks')[0]!)
  assert.ok(xTicks.includes('10') && xTicks.includes('1k'), xTicks.join(' '))
})

charts('lineChart - empty series and a single point still make a well-formed chart', () => {
  parseXml(lineChart({ title: 'empty', x: { label: 'x' }, y: { label: 'y' }, series: [] }))
  const doc = parseXml(lineChart({ title: 'one', x: { label: 'x' }, y: { label: 'y' }, series: [{ name: 'p', points: [[5, 5]] }] }))
  assert.is(byClass(doc, 'series-line')[0]!.name, 'circle')
})

charts('cdfChart - a step line per implementation, y from 0 to 1, median and p90 marked', () => {
  const ours = Array.from({ length: 50 }, (_, i) => 20 + i)
  const dht = Array.from({ length: 40 }, (_, i) => 100 + 10 * i)
  const doc = parseXml(
    cdfChart({ title: 'Lookup latency', x: { label: 'ms', log: true },
      series: [{ name: 'ours', samples: ours }, { name: 'bittorrent-dht', samples: dht }], xMarks: [{ x: 550, label: 'IPFS median' }] })
  )
  const lines = byClass(doc, 'series-line')
  assert.equal(lines.map(l => l.attrs['data-series']), ['ours', 'bittorrent-dht'])
  assert.is(lines[0]!.attrs.points!.split(' ').length, 2 * 50 - 1, 'a step: two vertices per sample but the first')
  const yTicks = texts(byClass(doc, 'y-ticks')[0]!)
  assert.is(yTicks[0], '0')
  assert.is(yTicks[yTicks.length - 1], '1')
  for (const label of ['median', 'p90', 'IPFS median']) assert.ok(texts(doc).includes(label), label)
})

charts('cdfPoints - ascending, the share of samples at or below each', () => {
  assert.equal(cdfPoints([30, 10, 20, Number.NaN, 40]), [[10, 0.25], [20, 0.5], [30, 0.75], [40, 1]])
  assert.equal(cdfPoints([]), [])
})

charts('barChart - one bar per label, value printed, taller for larger values', () => {
  const doc = parseXml(
    barChart({ title: 'find_node replies/s', y: { label: 'replies/s' },
      bars: [{ label: 'ours', value: 55_000 }, { label: 'bittorrent-dht', value: 6_000 }, { label: 'bare', value: 50_000 }] })
  )
  const bars = byClass(doc, 'bar')
  assert.equal(bars.map(b => b.attrs['data-label']), ['ours', 'bittorrent-dht', 'bare'])
  const h = bars.map(b => Number(b.attrs.height))
  assert.ok(h[0]! > h[2]! && h[2]! > h[1]! && h[1]! > 0)
  assert.ok(texts(doc).includes('55k') && texts(doc).includes('6k'), texts(doc).join(' '))
  assert.is(byClass(doc, 'y-axis').length, 1)
})

charts('ticks - round steps covering the range; log ticks are powers of ten', () => {
  assert.equal(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1])
  assert.equal(niceTicks(0, 60), [0, 20, 40, 60])
  assert.equal(niceTicks(3, 3), [3])
  assert.equal(logTicks(1, 10_000), [1, 10, 100, 1000, 10_000])
  assert.equal(logTicks(10, 100), [10, 20, 50, 100])
  assert.equal(logTicks(0, 10), [])
})

charts('a long title gets a smaller font, a short one the full size', () => {
  const size = (title: string): number =>
    Number(byClass(parseXml(barChart({ title, y: { label: 'y' }, bars: [] })), 'title')[0]!.attrs['font-size'])
  assert.is(size('short'), 15)
  const long = size('x'.repeat(90))
  assert.ok(long < 15 && long * 0.6 * 90 <= 640, String(long))
})

charts('escapeXml and writeSvg - plain file names only; the file is what was given', () => {
  assert.is(escapeXml('<a href="x">&\'</a>\u0001'), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;')
  const dir = mkdtempSync(join(tmpdir(), 'pc-chart-'))
  try {
    const svg = barChart({ title: 't', y: { label: 'y' }, bars: [{ label: 'a', value: 1 }] })
    const path = writeSvg(join(dir, 'sub'), 'a.svg', svg)
    assert.is(readFileSync(path, 'utf8'), svg)
    assert.throws(() => writeSvg(dir, '../evil.svg', svg), /plain file name/)
    assert.throws(() => writeSvg(dir, 'a.png', svg), /svg/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

xml.run()
charts.run()
