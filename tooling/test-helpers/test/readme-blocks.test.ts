// Every code block marked ```ts or ```typescript in the repository's Markdown (README.md at the
// root, in examples/, packages/*, apps/*, tooling/*, and docs/*.md) is type-checked, strict, as
// a module of its own against the built packages (`pnpm test` builds first).
//
// - The blocks of one Markdown file share a directory; a block whose first line is a comment
//   naming a .ts path (`// src/worker.ts: …`) is written at that path, so blocks can import each
//   other (`import { echo } from './index.js'`). Other blocks are block-<line>.ts.
// - An HTML comment on the line just above the fence, `<!-- prelude: … -->`, is code put before
//   the block and not shown to readers: declarations of what the surrounding text supplies
//   (`declare const sup: Supervisor`). Keep it short; prefer blocks that stand alone.
// - The blocks are written under examples/node_modules/.readme-blocks/ (git-ignored), where every
//   @peerconnect package and rxjs resolve, and checked with one `tsc` run.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const out = join(root, 'examples', 'node_modules', '.readme-blocks')

export interface Block {
  file: string
  line: number
  path: string
  code: string
  preludeLines: number
}

/** The TypeScript blocks of one Markdown text. `line` is the 1-based line of the block's first code line. */
export function extractBlocks (file: string, text: string): Block[] {
  const lines = text.split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue
    const start = i + 1
    let end = start
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++
    const code = lines.slice(start, end).join('\n')
    const prelude = /^<!--\s*prelude:([\s\S]*?)-->\s*$/.exec(lines[i - 1] ?? '')?.[1]?.trim() ?? ''
    const named = /^\/\/\s*((?:[\w.-]+\/)*[\w.-]+\.ts)\b/.exec(lines[start] ?? '')?.[1]
    const preludeText = prelude === '' ? '' : prelude + '\n'
    blocks.push({
      file,
      line: start + 1,
      path: named ?? `block-${start + 1}.ts`,
      code: preludeText + code + '\n',
      preludeLines: preludeText === '' ? 0 : preludeText.split('\n').length - 1
    })
    i = end
  }
  return blocks
}

function markdownFiles (): string[] {
  const dirs = ['packages', 'apps', 'tooling'].flatMap(top => {
    const d = join(root, top)
    return existsSync(d) ? readdirSync(d).map(n => join(d, n)).filter(p => statSync(p).isDirectory()) : []
  })
  const readmes = [root, join(root, 'examples'), ...dirs].map(d => join(d, 'README.md')).filter(existsSync)
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs')).filter(n => n.endsWith('.md')).map(n => join(root, 'docs', n))
    : []
  return [...readmes, ...docs].map(f => relative(root, f)).sort()
}

interface Diagnostic {
  file: string
  line: number
  text: string
}

/** Writes the blocks and runs tsc once; diagnostics are mapped back to Markdown lines. */
function check (blocks: Block[]): { diagnostics: Diagnostic[], output: string } {
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module', private: true }))
  writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({
    extends: relative(out, join(root, 'tsconfig.base.json')),
    compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, sourceMap: false, rootDir: '.',
      incremental: false },
    include: ['**/*.ts']
  }))
  const byPath = new Map<string, Block>()
  for (const b of blocks) {
    const dir = b.file.replace(/[^\w.-]+/g, '_')
    const path = join(dir, b.path)
    if (byPath.has(path)) throw new Error(`${b.file}:${b.line}: two blocks are named ${b.path}`)
    byPath.set(path, b)
    mkdirSync(dirname(join(out, path)), { recursive: true })
    writeFileSync(join(out, path), b.code)
  }
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const run = spawnSync(process.execPath, [tsc, '-p', out, '--pretty', 'false'], { cwd: out, encoding: 'utf8' })
  const output = run.stdout + run.stderr
  const diagnostics: Diagnostic[] = []
  for (const m of output.matchAll(/^(.+?\.ts)\((\d+),(\d+)\): (error TS\d+: .*)$/gm)) {
    const b = byPath.get(m[1]!)
    if (b === undefined) diagnostics.push({ file: m[1]!, line: Number(m[2]), text: m[4]! })
    else diagnostics.push({ file: b.file, line: b.line + Number(m[2]) - 1 - b.preludeLines, text: m[4]! })
  }
  if (run.status !== 0 && diagnostics.length === 0) diagnostics.push({ file: '(tsc)', line: 0, text: output.slice(0, 2000) })
  return { diagnostics, output }
}

const files = markdownFiles()
const blocks = files.flatMap(f => extractBlocks(f, readFileSync(join(root, f), 'utf8')))
// The checker's own check: a block that cannot compile must be reported, at its Markdown line.
const canary = extractBlocks('(canary).md', 'text\n\n```ts\nconst n: number = 1\nconst s: string = n\n```\n')
const result = check([...blocks, ...canary])

const test = suite('readme blocks')

test('extract - ts and typescript fences, named paths, preludes and Markdown lines', () => {
  const md = 'a\n```ts\n// src/worker.ts: the entry\nrunActor(echo)\n```\n<!-- prelude: declare const x: number -->\n```typescript\nx + ' +
    '1\n```\n```sh\nls\n```\n'
  const got = extractBlocks('x.md', md)
  assert.equal(got.map(b => [b.path, b.line, b.preludeLines]), [['src/worker.ts', 3, 0], ['block-8.ts', 8, 1]])
  assert.is(got[1]!.code, 'declare const x: number\nx + 1\n')
})

test('check - a block that does not compile is reported at its Markdown line', () => {
  assert.equal(result.diagnostics.filter(d => d.file === '(canary).md').map(d => d.line), [5])
})

test('check - the repository has TypeScript blocks to check', () => {
  assert.ok(blocks.length >= 10, `found ${blocks.length} blocks in ${files.join(', ')}`)
})

for (const file of files) {
  const mine = blocks.filter(b => b.file === file)
  if (mine.length === 0) continue
  test(`${file} - its ${mine.length} TypeScript block(s) compile`, () => {
    const errors = result.diagnostics.filter(d => d.file === file).map(d => `${d.file}:${d.line}: ${d.text}`)
    assert.equal(errors, [], errors.join('\n'))
  })
}

test('check - no diagnostic outside the blocks', () => {
  const known = new Set([...files, '(canary).md'])
  const stray = result.diagnostics.filter(d => !known.has(d.file))
  assert.equal(stray, [], result.output)
})

test.run()
