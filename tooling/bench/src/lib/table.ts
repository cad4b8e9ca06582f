/** Prints rows as an aligned text table (numbers right-aligned) to stdout. */

export type Cell = string | number

export function formatTable (header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = [header, ...rows].map(r => r.map(c => typeof c === 'number' ? c.toLocaleString('en-US', { maximumFractionDigits: 2 }) : c))
  const widths = header.map((_, i) => Math.max(...text.map(r => r[i]?.length ?? 0)))
  const line = (r: readonly string[], raw: readonly Cell[]): string =>
    r.map((c, i) => typeof raw[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)).join('  ').trimEnd()
  const out = [line(text[0]!, header), widths.map(w => '-'.repeat(w)).join('  ')]
  for (let i = 1; i < text.length; i++) out.push(line(text[i]!, rows[i - 1]!))
  return out.join('\n')
}

export function printTable (header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  process.stdout.write(formatTable(header, rows) + '\n')
}
