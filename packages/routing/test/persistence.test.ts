import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { idsEqual, idToHex, randomId, seededRandom } from '@peerconnect/protocol'
import type { Message, NodeId, TransportQuery } from '@peerconnect/protocol'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { routingActor } from '../src/index.js'
import { encodeRoutingFile, loadRoutingFile, parseRoutingFile, routingFilePath, saveRoutingFile,
  saveRoutingFileSync } from '../src/routing-file.js'
import type { SavedContact } from '../src/routing-file.js'
import { MAX_SAVED_CONTACTS } from '../src/constants.js'
import { fakeDeps, harness, manualAsk, memoryLogger, recordingAsk, seen } from './fakes.js'
import type { LogLine } from './fakes.js'

const self = randomId()
const dirs: string[] = []

function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'pc-routing-'))
  dirs.push(dir)
  return dir
}

function cleanup (): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

function saved (n: number): SavedContact[] {
  return Array.from({ length: n }, (_, i) => ({ id: randomId(), host: `10.1.0.${i + 1}`, port: 7000 + i }))
}

function readSaved (dir: string): SavedContact[] {
  const r = parseRoutingFile(readFileSync(routingFilePath(dir), 'utf8'))
  assert.ok(r.ok, 'the file parses')
  return r.ok ? r.contacts : []
}

function hasId (list: readonly { id: NodeId }[], id: NodeId): boolean {
  return list.some(c => idsEqual(c.id, id))
}

/** A seeded PRNG (mulberry32), so the fuzz test is the same every run. */
const prng = seededRandom

// ── the file ────────────────────────────────────────────────────────────────────────────────

const file = suite('routing file')

file('file - encode then parse gives the contacts back', () => {
  const contacts = [...saved(3), { id: randomId(), host: '2001:db8::7', port: 1 }]
  const r = parseRoutingFile(encodeRoutingFile(self, contacts, 123))
  assert.ok(r.ok)
  if (!r.ok) return
  assert.ok(idsEqual(r.self, self))
  assert.is(r.skipped, 0)
  assert.equal(r.contacts.map(c => [idToHex(c.id), c.host, c.port]), contacts.map(c => [idToHex(c.id), c.host, c.port]))
})

file('file - bad entries are skipped and counted', () => {
  const text = JSON.stringify({
    version: 1,
    self: idToHex(self),
    contacts: [
      { id: idToHex(randomId()), host: '10.0.0.1', port: 1 },
      { id: 'zz', host: '10.0.0.1', port: 1 },
      { id: idToHex(randomId()), host: 'example.org', port: 1 },
      { id: idToHex(randomId()), host: '10.0.0.1', port: 70000 },
      null,
      5,
      'x'
    ]
  })
  const r = parseRoutingFile(text)
  assert.ok(r.ok)
  if (r.ok) assert.equal([r.contacts.length, r.skipped], [1, 6])
})

file('file - a file that is not ours is a reason, not a throw', () => {
  const bad = ['', 'null', '[]', '{', '{"version":2,"self":"00","contacts":[]}', JSON.stringify({ version: 1, contacts: [] }),
    JSON.stringify({ version: 1, self: idToHex(self), contacts: {} }), '"text"', '1e999']
  for (const text of bad) {
    const r = parseRoutingFile(text)
    assert.not.ok(r.ok, text)
    if (!r.ok) assert.is(r.missing, false)
  }
})

file('file - parsing never throws on 3,000 mutations of a valid file', () => {
  const rand = prng(7)
  const valid = encodeRoutingFile(self, saved(5), 1)
  for (let i = 0; i < 3000; i++) {
    const chars = [...valid]
    const edits = 1 + Math.floor(rand() * 6)
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * chars.length)
      const op = rand()
      if (op < 0.4) chars[at] = String.fromCharCode(32 + Math.floor(rand() * 95))
      else if (op < 0.7) chars.splice(at, 1 + Math.floor(rand() * 20))
      else chars.splice(at, 0, '{}[]",:0-e'[Math.floor(rand() * 10)]!)
    }
    const r = parseRoutingFile(chars.join(''))
    if (r.ok) { for (const c of r.contacts) assert.is(c.id.length, 20) }
  }
})

file('file - at most MAX_SAVED_CONTACTS are written', () => {
  const many = saved(10).flatMap(c => Array.from({ length: Math.ceil((MAX_SAVED_CONTACTS + 50) / 10) }, () => ({ ...c, id: randomId() })))
  const r = parseRoutingFile(encodeRoutingFile(self, many, 0))
  assert.ok(r.ok)
  if (r.ok) assert.is(r.contacts.length, MAX_SAVED_CONTACTS)
})

file('file - loading a missing file says missing', withTimeout(5000, async () => {
  const r = await loadRoutingFile(join(tempDir(), 'nope'))
  assert.equal(r, { ok: false, missing: true, reason: 'no routing file' })
}))

file('file - an unreadable file (a directory) is a reason', withTimeout(5000, async () => {
  const dir = tempDir()
  mkdirSync(routingFilePath(dir))
  const r = await loadRoutingFile(dir)
  assert.not.ok(r.ok)
  if (!r.ok) assert.is(r.missing, false)
}))

file('file - saving creates the directory, renames into place and leaves no temp file', withTimeout(5000, async () => {
  const dir = join(tempDir(), 'deep', 'er')
  const contacts = saved(2)
  assert.ok(await saveRoutingFile(dir, encodeRoutingFile(self, contacts, 0)))
  assert.equal(readdirSync(dir), ['routing.json'])
  assert.is(readSaved(dir).length, 2)
  saveRoutingFileSync(dir, encodeRoutingFile(self, saved(3), 0))
  assert.equal(readdirSync(dir), ['routing.json'])
  assert.is(readSaved(dir).length, 3)
}))

file('file - the file is written 0600 (async and sync saves), over an older 0644 one too', withTimeout(5000, async () => {
  const dir = tempDir()
  writeFileSync(routingFilePath(dir), encodeRoutingFile(self, saved(1), 0), { mode: 0o644 })
  assert.ok(await saveRoutingFile(dir, encodeRoutingFile(self, saved(2), 0)))
  assert.is(statSync(routingFilePath(dir)).mode & 0o777, 0o600)
  saveRoutingFileSync(dir, encodeRoutingFile(self, saved(3), 0))
  assert.is(statSync(routingFilePath(dir)).mode & 0o777, 0o600)
  assert.is(readSaved(dir).length, 3)
}))

file('file - a save overtaken by a newer one does not rename over it', withTimeout(5000, async () => {
  const dir = tempDir()
  saveRoutingFileSync(dir, encodeRoutingFile(self, saved(4), 0))
  const done = await saveRoutingFile(dir, encodeRoutingFile(self, saved(1), 0), () => false)
  assert.is(done, false)
  assert.is(readSaved(dir).length, 4)
  assert.equal(readdirSync(dir), ['routing.json'])
}))

file('file - a failed save throws and leaves no temp file', withTimeout(5000, async () => {
  const dir = tempDir()
  mkdirSync(routingFilePath(dir))
  let threw = false
  try {
    await saveRoutingFile(dir, '{}')
  } catch {
    threw = true
  }
  assert.ok(threw)
  assert.equal(readdirSync(dir), ['routing.json'])
  assert.throws(() => saveRoutingFileSync(dir, '{}'))
  assert.equal(readdirSync(dir), ['routing.json'])
}))

file.after.each(cleanup)
file.run()

// ── the actor ───────────────────────────────────────────────────────────────────────────────

const persist = suite('routing persistence')

const pings = (asked: Message[]): TransportQuery[] => asked.filter((m): m is TransportQuery => m.type === 'transport.query')

persist('persist - without a file nothing is pinged; on stop the table is saved', withTimeout(5000, async () => {
  const dir = tempDir()
  const lines: LogLine[] = []
  const { ask, asked } = recordingAsk()
  const h = harness(routingActor({ id: self, dataDir: dir }), fakeDeps(ask, { log: memoryLogger(lines) }))
  await waitFor(() => lines.some(l => l.msg === 'no routing file yet'), { what: 'the load finished' })
  const a = randomId()
  const b = randomId()
  h.in$.next(seen(a, { host: '10.2.0.1', port: 4001 }))
  h.in$.next(seen(b, { host: '10.2.0.2', port: 4002 }))
  h.stop()
  assert.is(pings(asked).length, 0)
  const contacts = readSaved(dir)
  assert.is(contacts.length, 2)
  assert.ok(hasId(contacts, a) && hasId(contacts, b))
  assert.ok(contacts.some(c => c.host === '10.2.0.1' && c.port === 4001))
  const r = parseRoutingFile(readFileSync(routingFilePath(dir), 'utf8'))
  if (r.ok) assert.ok(idsEqual(r.self, self))
}))

persist('persist - on start every saved contact is re-pinged; a reply adds it', withTimeout(5000, async () => {
  const dir = tempDir()
  const contacts = saved(5)
  saveRoutingFileSync(dir, encodeRoutingFile(self, contacts, 0))
  const m = manualAsk()
  const h = harness(routingActor({ id: self, dataDir: dir }), fakeDeps(m.ask))
  await waitFor(() => pings(m.asked).length === 5, { what: 'five pings' })
  const ps = pings(m.asked)
  assert.equal(ps.map(p => [p.q, p.to.host, p.to.port]), contacts.map(c => ['ping', c.host, c.port]))
  assert.equal(ps[0]!.a, {})
  assert.is(ofAdded(h.out), 0, 'nothing is added before it answers')
  h.in$.next(seen(contacts[2]!.id, { host: contacts[2]!.host, port: contacts[2]!.port }))
  assert.is(ofAdded(h.out), 1)
  h.stop()
}))

persist('persist - our own id and contacts already known are not re-pinged', withTimeout(5000, async () => {
  const dir = tempDir()
  const contacts = saved(2)
  saveRoutingFileSync(dir, encodeRoutingFile(self, [...contacts, { id: new Uint8Array(self), host: '10.9.9.9', port: 9 }], 0))
  const state = { contacts: [{ id: contacts[0]!.id, host: contacts[0]!.host, port: contacts[0]!.port, lastSeen: 0 }] }
  const lines: LogLine[] = []
  const m = manualAsk()
  // a snapshot wins over the file: nothing is loaded at all
  const h1 = harness(routingActor({ id: self, dataDir: dir }), fakeDeps(m.ask, { snapshot: state, log: memoryLogger(lines) }))
  assert.ok(lines.some(l => l.msg === 'restored from snapshot'))
  // h1 runs on while h2 (no snapshot) reads the same file: once h2 has sent its pings (all at once,
  // right after it logs how many), h1 — which started reading first, had it read — would have too.
  const lines2: LogLine[] = []
  const h2 = harness(routingActor({ id: self, dataDir: dir }), fakeDeps(m.ask, { log: memoryLogger(lines2) }))
  const repinged = await waitFor(() => lines2.find(l => l.msg === 're-pinging saved contacts'), { what: 'h2 to load the file' })
  assert.equal(repinged.fields, { count: 2 }, 'not our own id')
  assert.is(pings(m.asked).length, 2, 'h2\'s two pings, none from h1')
  assert.not.ok(lines.some(l => l.msg === 're-pinging saved contacts'), 'h1 never loaded the file')
  h1.stop()
  h2.stop()
}))

persist('persist - a corrupt file is logged and ignored, and left alone when nothing changed', withTimeout(5000, async () => {
  const dir = tempDir()
  writeFileSync(routingFilePath(dir), '{ this is not json')
  const lines: LogLine[] = []
  const { ask, asked } = recordingAsk()
  const h = harness(routingActor({ id: self, dataDir: dir }), fakeDeps(ask, { log: memoryLogger(lines) }))
  await waitFor(() => lines.some(l => l.level === 'warn' && l.msg === 'routing file ignored'), { what: 'a warning' })
  assert.equal(h.errors, [])
  h.stop()
  assert.is(pings(asked).length, 0)
  assert.is(readFileSync(routingFilePath(dir), 'utf8'), '{ this is not json')
}))

persist('persist - a file saved by another node id is logged and ignored: its contacts are not pinged', withTimeout(5000, async () => {
  const dir = tempDir()
  saveRoutingFileSync(dir, encodeRoutingFile(randomId(), saved(4), 0))
  const lines: LogLine[] = []
  const { ask, asked } = recordingAsk()
  const h = harness(routingActor({ id: self, dataDir: dir }), fakeDeps(ask, { log: memoryLogger(lines) }))
  await waitFor(() => lines.some(l => l.level === 'warn' && l.msg === 'routing file ignored: it was saved by another node id'), {
    what: 'a warning'
  })
  // The load ends with that warning: pings would have been sent in the same step.
  assert.is(pings(asked).length, 0)
  assert.not.ok(lines.some(l => l.msg === 're-pinging saved contacts'))
  assert.equal(h.errors, [])
  h.stop()
}))

persist('persist - a stop during the re-ping keeps the contacts not yet answered', withTimeout(5000, async () => {
  const dir = tempDir()
  const contacts = saved(3)
  saveRoutingFileSync(dir, encodeRoutingFile(self, contacts, 0))
  const m = manualAsk()
  const h = harness(routingActor({ id: self, dataDir: dir }), fakeDeps(m.ask))
  await waitFor(() => pings(m.asked).length === 3, { what: 'three pings' })
  m.fail(0, 'ERR_RPC_TIMEOUT')
  const fresh = randomId()
  h.in$.next(seen(fresh, { host: '10.3.0.1', port: 5000 }))
  h.stop()
  assert.is(m.cancelled(), 2)
  const after = readSaved(dir)
  assert.is(after.length, 3)
  assert.ok(hasId(after, fresh))
  assert.not.ok(hasId(after, contacts[0]!.id), 'the silent one is dropped')
  assert.ok(hasId(after, contacts[1]!.id) && hasId(after, contacts[2]!.id))
}))

persist('persist - a changed table is saved every saveInterval', withTimeout(5000, async () => {
  const dir = tempDir()
  const { ask } = recordingAsk()
  const h = harness(routingActor({ id: self, dataDir: dir, saveInterval: 20 }), fakeDeps(ask))
  const a = randomId()
  h.in$.next(seen(a))
  await waitFor(() => existsSync(routingFilePath(dir)) && hasId(readSaved(dir), a), { what: 'the periodic save' })
  const b = randomId()
  h.in$.next(seen(b))
  await waitFor(() => hasId(readSaved(dir), b), { what: 'the next periodic save' })
  h.stop()
  assert.ok(readdirSync(dir).every(f => f === 'routing.json'), 'no temp files left')
}))

persist('persist - a failing save is logged, not fatal', withTimeout(5000, async () => {
  const dir = tempDir()
  const blocked = join(dir, 'file-not-dir')
  writeFileSync(blocked, 'x')
  const lines: LogLine[] = []
  const { ask } = recordingAsk()
  const h = harness(routingActor({ id: self, dataDir: blocked, saveInterval: 20 }), fakeDeps(ask, { log: memoryLogger(lines) }))
  h.in$.next(seen(randomId()))
  await waitFor(() => lines.some(l => l.level === 'error'), { what: 'an error logged' })
  h.stop()
  assert.equal(h.errors, [])
  assert.ok(lines.filter(l => l.level === 'error').length >= 2, 'the stop save failed too, and was logged')
}))

persist.after.each(cleanup)
persist.run()

function ofAdded (out: Message[]): number {
  return out.filter(m => m.type === 'routing.peer.added').length
}
