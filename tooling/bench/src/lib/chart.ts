/**
 * Charts for benchmarks, as plain SVG strings (no library, no browser): line charts (curves over
 * time or over N), CDFs of latency samples, and bar charts. Every text is XML-escaped; numbers are
 * finite (non-finite points are dropped); the output is one well-formed `<svg>` element.
 *
 *   writeSvg(dir, 'lookup-cdf.svg', cdfChart({ title: 'Lookup latency', xLabel: 'ms',
 *     series: [{ name: 'ours', samples }, { name: 'bittorrent-dht', samples: dht }] }))
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export type Point = readonly [x: number, y: number]

export interface LineSeries {
  name: string
  points: readonly Point[]
  /** Draw as a step function (a CDF): horizontal then vertical between points. */
  step?: boolean
  dashed?: boolean
}

export interface AxisOptions {
  label: string
  min?: number
  max?: number
  /** Logarithmic (base 10) scale; values ≤ 0 are dropped. */
  log?: boolean
  /** Tick labels: the default prints the number compactly (1,000 → 1k). */
  format?: (v: number) => string
}

export interface LineChartOptions {
  title: string
  x: AxisOptions
  y: AxisOptions
  series: readonly LineSeries[]
  width?: number
  height?: number
  /** Horizontal reference lines (goals, published anchors). */
  marks?: ReadonlyArray<{ y: number, label: string }>
  /** Vertical reference lines. */
  xMarks?: ReadonlyArray<{ x: number, label: string }>
}

export interface CdfSeries {
  name: string
  samples: readonly number[]
  dashed?: boolean
}

export interface CdfChartOptions {
  title: string
  /** The sample axis (e.g. `{ label: 'lookup latency (ms)', log: true }`). */
  x: AxisOptions
  series: readonly CdfSeries[]
  width?: number
  height?: number
  xMarks?: ReadonlyArray<{ x: number, label: string }>
}

export interface BarChartOptions {
  title: string
  y: AxisOptions
  bars: ReadonlyArray<{ label: string, value: number }>
  width?: number
  height?: number
}

/** A colour-blind-safe palette (Okabe–Ito), in series order. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const

const colour = (i: number): string => PALETTE[i % PALETTE.length] ?? '#000000'

/** Escapes text for XML content and attribute values. */
export function escapeXml (s: string): string {
  return s.replace(/[&<>"']/g, c => c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;')
    // characters XML 1.0 forbids outright
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
}

/** A number as an SVG coordinate: at most 2 decimals. */
const n = (v: number): string => String(Math.round(v * 100) / 100)

/** Compact tick label: 1500 → 1.5k, 2e6 → 2M, 0.25 → 0.25, 999 → 999. */
export function compact (v: number): string {
  const a = Math.abs(v)
  const trim = (x: number): string => String(Math.round(x * 100) / 100)
  if (a >= 1e9) return trim(v / 1e9) + 'G'
  if (a >= 1e6) return trim(v / 1e6) + 'M'
  if (a >= 1e3) return trim(v / 1e3) + 'k'
  return trim(v)
}

/** About `count` round ticks (1, 2 or 5 × 10^k apart) covering [min, max]. */
export function niceTicks (min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return []
  if (max === min) return [min]
  const raw = (max - min) / Math.max(1, count)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].map(m => m * mag).find(s => s >= raw)) ?? 10 * mag
  const out: number[] = []
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)))
  }
  return out
}

/** Ticks on a log axis: the powers of ten in [min, max] (with 2 and 5 between when few). */
export function logTicks (min: number, max: number): number[] {
  if (!(min > 0 && max > 0 && Number.isFinite(min) && Number.isFinite(max))) return []
  const lo = Math.floor(Math.log10(min))
  const hi = Math.ceil(Math.log10(max))
  const mults = hi - lo <= 2 ? [1, 2, 5] : [1]
  const out: number[] = []
  for (let e = lo; e <= hi; e++) {
    for (const m of mults) {
      const v = Number((m * 10 ** e).toPrecision(12))
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v)
    }
  }
  return out
}

/** The empirical CDF of samples: ascending (x, share of samples ≤ x), one point per sample. */
export function cdfPoints (samples: readonly number[]): Point[] {
  const xs = samples.filter(Number.isFinite).sort((a, b) => a - b)
  return xs.map((x, i) => [x, (i + 1) / xs.length] as const)
}

interface Scale {
  map: (v: number) => number
  ticks: number[]
  lo: number
  hi: number
}

function scale (axis: AxisOptions, values: readonly number[], from: number, to: number, zeroBased: boolean): Scale {
  const vs = values.filter(v => Number.isFinite(v) && (axis.log !== true || v > 0))
  let lo = axis.min ?? (vs.length === 0 ? 0 : Math.min(...vs))
  let hi = axis.max ?? (vs.length === 0 ? 1 : Math.max(...vs))
  if (axis.log === true) {
    if (!(lo > 0)) lo = hi > 0 ? hi / 10 : 1
    if (!(hi > lo)) hi = lo * 10
    if (axis.min === undefined) lo = 10 ** Math.floor(Math.log10(lo))
    if (axis.max === undefined) hi = 10 ** Math.ceil(Math.log10(hi))
    const l0 = Math.log10(lo)
    const l1 = Math.log10(hi)
    return { lo, hi, ticks: logTicks(lo, hi), map: v => from + (Math.log10(v) - l0) / (l1 - l0) * (to - from) }
  }
  if (zeroBased && axis.min === undefined && lo > 0) lo = 0
  if (hi <= lo) hi = lo + 1
  const first = niceTicks(lo, hi)
  const step = first.length > 1 ? (first[1] ?? 1) - (first[0] ?? 0) : 1
  // round the ends out to a tick when they are not fixed
  if (axis.min === undefined) lo = Number((Math.floor(lo / step + 1e-9) * step).toPrecision(12))
  if (axis.max === undefined) hi = Number((Math.ceil(hi / step - 1e-9) * step).toPrecision(12))
  const ticks = niceTicks(lo, hi).filter(t => t >= lo - 1e-9 * step && t <= hi + 1e-9 * step)
  return { lo, hi, ticks, map: v => from + (v - lo) / (hi - lo) * (to - from) }
}

interface Frame {
  width: number
  height: number
  left: number
  right: number
  top: number
  bottom: number
}

function frame (width = 640, height = 400, legendRows = 0): Frame {
  return { width, height, left: 64, right: width - 16, top: 40 + 16 * legendRows, bottom: height - 48 }
}

function open (f: Frame, title: string): string[] {
  // a long title gets a smaller font rather than running off the picture (~0.6 em per character)
  const size = Math.max(9, Math.min(15, Math.floor((f.width - 16) / (0.6 * Math.max(1, title.length)))))
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" ` +
    `font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${f.width}" height="${f.height}" fill="#ffffff"/>`,
    `<text class="title" x="${n(f.width / 2)}" y="20" text-anchor="middle" font-size="${size}" ` +
    `font-weight="bold">${escapeXml(title)}</text>`
  ]
}

function axes (f: Frame, x: Scale | null, y: Scale, xAxis: AxisOptions | null, yAxis: AxisOptions): string[] {
  const out: string[] = [
    `<g class="axes" stroke="#333333" fill="none"><line class="x-axis" x1="${f.left}" y1="${f.bottom}" x2="${f.right}" ` +
    `y2="${f.bottom}"/><line class="y-axis" x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${f.bottom}"/></g>`
  ]
  const fy = yAxis.format ?? compact
  out.push('<g class="y-ticks">')
  for (const t of y.ticks) {
    const py = y.map(t)
    out.push(
      `<line x1="${f.left}" y1="${n(py)}" x2="${f.right}" y2="${n(py)}" stroke="#e5e5e5"/><text x="${f.left - 6}" y="${n(py + 4)}" ` +
        `text-anchor="end">${escapeXml(fy(t))}</text>`
    )
  }
  out.push('</g>')
  if (x !== null && xAxis !== null) {
    const fx = xAxis.format ?? compact
    out.push('<g class="x-ticks">')
    for (const t of x.ticks) {
      const px = x.map(t)
      out.push(
        `<line x1="${n(px)}" y1="${f.bottom}" x2="${n(px)}" y2="${f.bottom + 5}" stroke="#333333"/><text x="${n(px)}" ` +
          `y="${f.bottom + 18}" text-anchor="middle">${escapeXml(fx(t))}</text>`
      )
    }
    out.push('</g>')
    out.push(
      `<text class="x-label" x="${n((f.left + f.right) / 2)}" y="${f.height - 10}" text-anchor="middle">${escapeXml(xAxis.label)}</text>`
    )
  }
  out.push(
    `<text class="y-label" x="14" y="${n((f.top + f.bottom) / 2)}" text-anchor="middle" transform="rotate(-90 14 ` +
      `${n((f.top + f.bottom) / 2)})">${escapeXml(yAxis.label)}</text>`
  )
  return out
}

function legend (f: Frame, names: ReadonlyArray<{ name: string, dashed?: boolean }>): string[] {
  const out = ['<g class="legend">']
  let x = f.left
  let row = 0
  for (const [i, s] of names.entries()) {
    const w = 34 + 7 * s.name.length
    if (x + w > f.right && x > f.left) {
      x = f.left
      row++
    }
    const y = 34 + 16 * row
    out.push(
      `<line x1="${x}" y1="${y - 4}" x2="${x + 22}" y2="${y - 4}" stroke="${colour(i)}" ` +
        `stroke-width="2.5"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/><text x="${x + 28}" y="${y}">${escapeXml(s.name)}</text>`
    )
    x += w
  }
  out.push('</g>')
  return out
}

function legendRows (width: number, names: ReadonlyArray<{ name: string }>): number {
  if (names.length <= 1) return names.length === 1 ? 1 : 0
  let x = 64
  let rows = 1
  for (const s of names) {
    const w = 34 + 7 * s.name.length
    if (x + w > width - 16 && x > 64) {
      x = 64
      rows++
    }
    x += w
  }
  return rows
}

/** A line chart: one polyline per series (x ascending as given), axes with ticks, a legend. */
export function lineChart (o: LineChartOptions): string {
  const width = o.width ?? 640
  const f = frame(width, o.height, legendRows(width, o.series))
  const keep = (p: Point): boolean =>
    Number.isFinite(p[0]) && Number.isFinite(p[1]) && (o.x.log !== true || p[0] > 0) && (o.y.log !== true || p[1] > 0)
  const series = o.series.map(s => ({ ...s, points: s.points.filter(keep) }))
  const xs = series.flatMap(s => s.points.map(p => p[0])).concat((o.xMarks ?? []).map(m => m.x))
  const ys = series.flatMap(s => s.points.map(p => p[1])).concat((o.marks ?? []).map(m => m.y))
  const x = scale(o.x, xs, f.left, f.right, false)
  const y = scale(o.y, ys, f.bottom, f.top, true)
  const clampX = (v: number): number => Math.min(f.right, Math.max(f.left, x.map(v)))
  const clampY = (v: number): number => Math.min(f.bottom, Math.max(f.top, y.map(v)))
  const out = open(f, o.title)
  out.push(...axes(f, x, y, o.x, o.y))
  out.push('<g class="marks" font-size="11">')
  for (const m of o.marks ?? []) {
    if (!Number.isFinite(m.y)) continue
    const py = clampY(m.y)
    out.push(
      `<line x1="${f.left}" y1="${n(py)}" x2="${f.right}" y2="${n(py)}" stroke="#777777" stroke-dasharray="3 3"/><text ` +
        `x="${f.right - 4}" y="${n(py - 4)}" text-anchor="end" fill="#555555">${escapeXml(m.label)}</text>`
    )
  }
  for (const m of o.xMarks ?? []) {
    if (!Number.isFinite(m.x) || (o.x.log === true && m.x <= 0)) continue
    const px = clampX(m.x)
    out.push(
      `<line x1="${n(px)}" y1="${f.top}" x2="${n(px)}" y2="${f.bottom}" stroke="#777777" stroke-dasharray="3 3"/><text x="${n(px + 4)}" ` +
        `y="${f.top + 12}" fill="#555555">${escapeXml(m.label)}</text>`
    )
  }
  out.push('</g>')
  out.push('<g class="series" fill="none" stroke-width="2">')
  for (const [i, s] of series.entries()) {
    const pts: string[] = []
    let prevY: number | null = null
    for (const [px, py] of s.points) {
      const X = clampX(px)
      const Y = clampY(py)
      if (s.step === true && prevY !== null) pts.push(`${n(X)},${n(prevY)}`)
      pts.push(`${n(X)},${n(Y)}`)
      prevY = Y
    }
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : ''
    if (pts.length === 1) {
      const [cx, cy] = (pts[0] ?? '0,0').split(',')
      out.push(`<circle class="series-line" data-series="${escapeXml(s.name)}" cx="${cx ?? 0}" cy="${cy ?? 0}" r="3" fill="${colour(i)}"/>`)
    } else {
      out.push(`<polyline class="series-line" data-series="${escapeXml(s.name)}" stroke="${colour(i)}"${dash} points="${pts.join(' ')}"/>`)
    }
  }
  out.push('</g>')
  out.push(...legend(f, series))
  out.push('</svg>')
  return out.join('\n') + '\n'
}

/** CDFs of samples (e.g. lookup latencies of two implementations), y = share of samples ≤ x. */
export function cdfChart (o: CdfChartOptions): string {
  return lineChart({
    title: o.title,
    x: o.x,
    y: { label: 'share of samples ≤ x', min: 0, max: 1 },
    series: o.series.map(s => ({ name: s.name, points: cdfPoints(s.samples), step: true, ...(s.dashed === true ? { dashed: true } : {}) })),
    ...(o.width === undefined ? {} : { width: o.width }),
    ...(o.height === undefined ? {} : { height: o.height }),
    marks: [{ y: 0.5, label: 'median' }, { y: 0.9, label: 'p90' }],
    ...(o.xMarks === undefined ? {} : { xMarks: o.xMarks })
  })
}

/** Vertical bars with their values printed on top (e.g. replies/s per responder). */
export function barChart (o: BarChartOptions): string {
  const f = frame(o.width ?? 640, o.height ?? 400, 0)
  const values = o.bars.map(b => b.value).filter(Number.isFinite)
  const y = scale(o.y, values.length === 0 ? [0, 1] : [0, ...values], f.bottom, f.top, true)
  const out = open(f, o.title)
  out.push(...axes(f, null, y, null, o.y))
  const slot = (f.right - f.left) / Math.max(1, o.bars.length)
  const fy = o.y.format ?? compact
  out.push('<g class="bars">')
  for (const [i, b] of o.bars.entries()) {
    const v = Number.isFinite(b.value) ? b.value : 0
    const top = Math.max(f.top, Math.min(f.bottom, y.map(v)))
    const x0 = f.left + slot * i + slot * 0.15
    const w = slot * 0.7
    out.push(
      `<rect class="bar" data-label="${escapeXml(b.label)}" x="${n(x0)}" y="${n(top)}" width="${n(w)}" height="${n(f.bottom - top)}" ` +
        `fill="${colour(i)}"/>`
    )
    out.push(`<text x="${n(x0 + w / 2)}" y="${n(top - 5)}" text-anchor="middle">${escapeXml(fy(v))}</text>`)
    out.push(`<text x="${n(x0 + w / 2)}" y="${f.bottom + 18}" text-anchor="middle">${escapeXml(b.label)}</text>`)
  }
  out.push('</g>')
  out.push('</svg>')
  return out.join('\n') + '\n'
}

/** Writes `svg` to `dir/name` (creating `dir`) and returns the path. */
export function writeSvg (dir: string, name: string, svg: string): string {
  if (!/^[\w.-]+\.svg$/.test(name)) throw new RangeError(`writeSvg: a plain file name ending in .svg, got ${name}`)
  mkdirSync(dir, { recursive: true })
  const path = join(dir, name)
  writeFileSync(path, svg)
  return path
}
