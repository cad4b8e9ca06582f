/**
 * The `peerconnect` binary (apps/node/bin: the compiled CLI, or its bundle while fresh): `start` and
 * `demo` as child processes — ready lines, joining through --bootstrap, clean stops on SIGINT and
 * SIGTERM, the data dir across restarts, and bad input.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import dgram from 'node:dgram'
import { createServer as createTcpServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request as httpRequest } from 'node:http'
import { decodeKrpc, encodeQuery, generateIdentity, idToHex, parseIdHex, randomId } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createNode, parseHostPort } from '../src/index.js'
import type { HostPort, PeerNode } from '../src/index.js'
import { killAll, parseEvent, runCli, spawnCli } from './fixtures/cli.js'
import { hook } from './fixtures/hook.js'
import { findNodeVia } from './fixtures/node.js'
import { LOOPBACK } from './fixtures/loopback.js'

const T = 60_000
const dirs: string[] = []

/** A fresh data dir, removed after the file's suites. */
function dataDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'pc-cli-'))
  dirs.push(dir)
  return dir
}

/** `start` with a free UDP port, an ephemeral API port and a fresh data dir unless given. */
function startArgs (name: string, extra: readonly string[] = [], dir = dataDir()): string[] {
  return ['start', '--name', name, '--port', '0', '--api', '127.0.0.1:0', '--data-dir', dir, ...extra]
}

// ── start: the ready line and stopping ───────────────────────────────────────────────────────

const ready = suite('cli - start')

ready.after(hook(T, async () => {
  await killAll()
}))

ready('start - --json prints one ready object: event, id, udp, api; SIGINT stops it with exit 0', withTimeout(T, async () => {
  const dir = dataDir()
  const p = spawnCli(startArgs('alpha', ['--json'], dir))
  const line = await p.line(l => parseEvent(l)?.event === 'ready')
  const ev = parseEvent(line)!
  assert.is(ev.event, 'ready')
  assert.ok(typeof ev.id === 'string' && /^[0-9a-f]{40}$/.test(ev.id), `id: ${String(ev.id)}`)
  assert.ok(typeof ev.udp === 'string' && /^127\.0\.0\.1:\d{1,5}$/.test(ev.udp), `udp: ${String(ev.udp)}`)
  assert.ok(parseHostPort(ev.udp).port > 0, 'a real port was picked')
  assert.ok('api' in ev && (ev.api === null || typeof ev.api === 'string'), 'api is reported')
  assert.is(ev.name, 'alpha')
  assert.is(ev.identityCreated, true)
  assert.equal(p.lines.filter(l => parseEvent(l)?.event === 'ready').length, 1, 'one ready line')
  assert.ok(p.lines.every(l => parseEvent(l) !== undefined), 'with --json, every stdout line is JSON')
  const exit = await p.stop('SIGINT')
  assert.equal(exit, { code: 0, signal: null })
  assert.ok(p.lines.some(l => parseEvent(l)?.event === 'stopped' && parseEvent(l)?.signal === 'SIGINT'))
  assert.ok(existsSync(join(dir, 'identity.key')), 'the identity is in the data dir')
  assert.not.match(p.stderr(), /\n\s+at /, 'no stack trace')
}))

ready('start - the text ready line holds "ready", the id and the UDP address; SIGTERM stops it with exit 0', withTimeout(T, async () => {
  const name = 'é'.repeat(32) // 64 bytes of UTF-8: the longest name allowed
  const p = spawnCli(startArgs(name))
  const line = await p.line(l => l.startsWith('ready'))
  const m = /^ready ([0-9a-f]{40}) udp=(127\.0\.0\.1:\d{1,5})\b/.exec(line)
  assert.ok(m !== null, `ready line: ${line}`)
  assert.ok(parseIdHex(m[1]) !== undefined)
  assert.ok(line.includes(JSON.stringify(name)), 'the name, quoted')
  const exit = await p.stop('SIGTERM')
  assert.equal(exit, { code: 0, signal: null })
  assert.ok(p.lines.some(l => l.startsWith('stopped')))
  assert.ok(p.lines.every(l => !l.startsWith('{')), `text mode prints no JSON on stdout: ${p.lines.join('\n')}`)
  assert.ok(p.stderr().split('\n').every(l => !l.startsWith('{')), `nor on stderr: ${p.stderr()}`)
}))

ready('start - --no-api runs without the API (ready says api null); --verbose --json logs info as JSON lines on stderr',
  withTimeout(T, async () => {
    const p = spawnCli(['start', '--name', 'quiet', '--host', LOOPBACK, '--port', '0', '--no-api', '--data-dir', dataDir(), '--json',
      '--verbose'])
    const ev = await p.event('ready')
    assert.is(ev.api, null)
    assert.equal(await p.stop('SIGINT'), { code: 0, signal: null })
    const logs = p.stderr().split('\n').filter(l => l !== '').map(parseEvent)
    assert.ok(logs.length > 0 && logs.every(l => l !== undefined), `stderr is JSON lines: ${p.stderr()}`)
    assert.ok(logs.some(l => l.msg === 'udp bound' && l.level === 'info'), 'the info lines are there')
  }))

ready('start - without --name, a data dir that ran before starts under its saved name; a config in the data dir is read',
  withTimeout(T, async () => {
    const dir = dataDir()
    const first = spawnCli(['start', '--name', 'kept', '--host', LOOPBACK, '--port', '0', '--no-api', '--data-dir', dir, '--json'])
    const ev1 = await first.event('ready')
    assert.equal(await first.stop('SIGINT'), { code: 0, signal: null })
    const again = spawnCli(['start', '--host', LOOPBACK, '--port', '0', '--no-api', '--data-dir', dir, '--json'])
    const ev2 = await again.event('ready')
    assert.equal([ev2.name, ev2.id, ev2.identityCreated], ['kept', ev1.id, false])
    assert.equal(await again.stop('SIGINT'), { code: 0, signal: null })
    writeFileSync(join(dir, 'peerconnect.json'), JSON.stringify({ name: 'configured', host: LOOPBACK, port: 0, api: false }))
    const configured = spawnCli(['start', '--data-dir', dir, '--json'])
    const ev3 = await configured.event('ready')
    assert.equal([ev3.name, ev3.api, ev3.config], ['configured', null, join(dir, 'peerconnect.json')])
    assert.ok(String(ev3.udp).startsWith(`${LOOPBACK}:`), `udp: ${String(ev3.udp)}`)
    assert.equal(await configured.stop('SIGINT'), { code: 0, signal: null })
  }))

ready('start - the API refuses a foreign Host; --api-allow-host adds a name it answers to', withTimeout(T, async () => {
  const p = spawnCli(
    startArgs('named', ['--json', '--host', LOOPBACK, '--api-allow-host', 'node.example', '--api-allow-host', 'Other.Example'])
  )
  const ev = await p.event('ready')
  const api = new URL(String(ev.api))
  const status = async (host: string): Promise<number> =>
    await new Promise((resolve, reject) => {
      const req = httpRequest({ host: api.hostname, port: api.port, path: '/api/status', headers: { host } }, res => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
  assert.is(await status(`evil.example:${api.port}`), 421)
  assert.is(await status(`node.example:${api.port}`), 200)
  assert.is(await status('other.example'), 200)
  assert.is(await status(`localhost:${api.port}`), 200)
  assert.equal(await p.stop('SIGINT'), { code: 0, signal: null })
}))

ready.run()

// ── start: joining, saving, restarting ───────────────────────────────────────────────────────

interface Net {
  first?: ReturnType<typeof spawnCli>
  firstReady?: Record<string, unknown>
  dirA: string
  dirB: string
  idB?: string
  probe?: PeerNode
}
const net: Net = { dirA: '', dirB: '' }

const join2 = suite('cli - start with --bootstrap and a data dir')

join2.before(hook(T, async () => {
  net.dirA = dataDir()
  net.dirB = dataDir()
  net.first = spawnCli(startArgs('first', ['--json', '--host', LOOPBACK], net.dirA))
  net.firstReady = await net.first.event('ready')
}))
join2.after(hook(T, async () => {
  await net.probe?.stop()
  await killAll()
}))

join2(
  'start - a node started with --bootstrap <first udp> reports contacts ≥ 1 and is in the first\'s directory by name; both stop with ' +
    'exit 0 and save their table',
  withTimeout(T, async () => {
    const udpA = String(net.firstReady!.udp)
    const second = spawnCli(startArgs('second', ['--json', '--host', LOOPBACK, '--bootstrap', udpA], net.dirB))
    const ev = await second.event('ready')
    net.idB = String(ev.id)
    assert.is(ev.seedsAnswered, 1)
    assert.ok(typeof ev.contacts === 'number' && ev.contacts >= 1, `contacts: ${String(ev.contacts)}`)
    // its record signed in one process and checked in the other (the bin's threads, bundled when fresh)
    const api = String(net.firstReady!.api)
    const listed = await waitFor(async () => {
      const body = await fetch(`${api}/api/peers`).then(async r => await r.json() as { peers: Array<{ id: string, name: string }> }).catch(
        () => undefined
      )
      return body?.peers.find(p => p.id === net.idB)
    }, { timeout: 40_000, interval: 500, what: 'the first node\'s directory to list the second' })
    assert.is(listed.name, 'second')
    assert.equal(await second.stop('SIGTERM'), { code: 0, signal: null })
    const savedB = JSON.parse(readFileSync(join(net.dirB, 'routing.json'), 'utf8')) as { self: string,
      contacts: Array<{ id: string, host: string, port: number }> }
    assert.is(savedB.self, net.idB)
    assert.ok(savedB.contacts.some(c => c.id === net.firstReady!.id && `${c.host}:${c.port}` === udpA), 'the second node saved the first')
    assert.ok(existsSync(join(net.dirB, 'identity.key')))
  })
)

join2('start - restarted on the same data dir, a node keeps its id and reloads its table', withTimeout(T, async () => {
  const again = spawnCli(startArgs('second', ['--json', '--host', LOOPBACK], net.dirB))
  const ev = await again.event('ready')
  assert.is(ev.id, net.idB, 'same id')
  assert.is(ev.identityCreated, false)
  // No --bootstrap: it can only know the first node from routing.json (it re-pings saved contacts).
  net.probe = await createNode({ name: 'probe', host: LOOPBACK, identity: generateIdentity(), inline: true, log: silentLogger })
  const at: HostPort = parseHostPort(String(ev.udp))
  const firstId = parseIdHex(net.firstReady!.id)!
  const nodes = await waitFor(async () => {
    const found = await findNodeVia(net.probe!, at, firstId)
    return found.some(n => idToHex(n.id) === net.firstReady!.id) ? found : undefined
  }, { timeout: 20_000, interval: 200, what: 'the restarted node to answer find_node with the first node' })
  assert.is(`${nodes[0]!.host}:${nodes[0]!.port}`, net.firstReady!.udp)
  assert.equal(await again.stop('SIGINT'), { code: 0, signal: null })
}))

join2('start - with --exempt-loopback, the same loopback flood is answered in full', withTimeout(T, async () => {
  const p = spawnCli(startArgs('exempt', ['--json', '--host', LOOPBACK, '--exempt-loopback']))
  const ev = await p.event('ready')
  const to = parseHostPort(String(ev.udp))
  const host = LOOPBACK.replace(/\.(\d+)$/, (_m, d: string) => `.${(Number(d) + 1) % 254 + 1}`)
  const sock = dgram.createSocket('udp4')
  let replies = 0
  let errors = 0
  sock.on('message', buf => {
    const res = decodeKrpc(buf)
    if (res.ok && res.msg.y === 'r') replies++
    else if (!res.ok || res.msg.y === 'e') errors++ // its one ping back to a new querier is neither
  })
  await new Promise<void>(resolve => sock.bind(0, host, () => resolve()))
  try {
    for (let i = 0; i < 60; i++) sock.send(encodeQuery(Buffer.from(`e${i}`), 'ping', { id: randomId() }), to.port, to.host)
    await waitFor(() => replies === 60 ? true : undefined, { timeout: 5000, what: '60 replies' })
    assert.is(errors, 0)
  } finally {
    sock.close()
  }
  assert.equal(await p.stop('SIGINT'), { code: 0, signal: null })
}))

join2('start - two SIGTERMs at once (GNU timeout sends two): it exits 0 and the table is saved every time, 0600',
  withTimeout(T, async () => {
    const udpA = String(net.firstReady!.udp)
    for (let run = 1; run <= 3; run++) {
      const dir = dataDir()
      const p = spawnCli(startArgs(`twice-${run}`, ['--json', '--host', LOOPBACK, '--bootstrap', udpA], dir))
      const ev = await p.event('ready')
      assert.ok(typeof ev.contacts === 'number' && ev.contacts >= 1, `run ${run}: contacts ${String(ev.contacts)}`)
      const exited = new Promise<number | null>(resolve => p.child.once('close', code => resolve(code)))
      p.child.kill('SIGTERM')
      p.child.kill('SIGTERM')
      assert.is(await exited, 0, `run ${run}: exit code`)
      const file = join(dir, 'routing.json')
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { self: string, contacts: Array<{ id: string }> }
      assert.is(saved.self, ev.id, `run ${run}: our own table`)
      assert.ok(saved.contacts.some(c => c.id === net.firstReady!.id), `run ${run}: the first node was saved`)
      assert.is(statSync(file).mode & 0o777, 0o600, `run ${run}: routing.json is 0600`)
    }
  }))

join2('start - an identity.key others can read still loads, with a warning on stderr', withTimeout(T, async () => {
  const dir = dataDir()
  const first = spawnCli(startArgs('exposed', ['--json', '--host', LOOPBACK], dir))
  const ev = await first.event('ready')
  assert.equal(await first.stop('SIGINT'), { code: 0, signal: null })
  assert.not.match(first.stderr(), /readable by others/, 'created 0600: no warning')
  chmodSync(join(dir, 'identity.key'), 0o644)
  const again = spawnCli(startArgs('exposed', ['--json', '--host', LOOPBACK], dir))
  const ev2 = await again.event('ready')
  assert.is(ev2.id, ev.id, 'the same identity')
  assert.equal(await again.stop('SIGINT'), { code: 0, signal: null })
  assert.match(again.stderr(), /readable by others \(mode 0644\).*chmod 600/)
}))

join2('start - without --exempt-loopback, a loopback flood is rate-limited: a new source gets its first queries answered, then one 201',
  withTimeout(T, async () => {
    const udpA = parseHostPort(String(net.firstReady!.udp))
    // A loopback address no node of this file uses: a source the first node has never seen.
    const host = LOOPBACK.replace(/\.(\d+)$/, (_m, d: string) => `.${Number(d) % 254 + 1}`)
    const sock = dgram.createSocket('udp4')
    const got: Array<{ y: string, code?: number }> = []
    sock.on('message', buf => {
      const res = decodeKrpc(buf)
      if (res.ok) got.push({ y: res.msg.y, code: res.msg.y === 'e' ? res.msg.e[0] : undefined })
    })
    await new Promise<void>(resolve => sock.bind(0, host, () => resolve()))
    try {
      await Promise.all(
        Array.from({ length: 60 },
          async (_, i) =>
            await new Promise<void>((resolve, reject) =>
              sock.send(encodeQuery(Buffer.from(`f${i}`), 'ping', { id: randomId() }), udpA.port, udpA.host,
                err => err ? reject(err) : resolve())
            ))
      )
      await waitFor(() => got.some(m => m.code === 201) && got.length >= 21 ? true : undefined, { timeout: 5000,
        what: 'replies and a 201' })
      // The node reads datagrams in order and answers pings in order: once it has answered a ping
      // sent after the flood (from another /24, with buckets of its own), it has decided and
      // answered every ping of the flood.
      await barrierPing(LOOPBACK.replace(/^(\d+\.\d+)\.(\d+)\./, (_m, ab: string, c: string) => `${ab}.${(Number(c) + 1) % 256}.`), udpA)
      await new Promise(resolve => setImmediate(resolve))
      const replies = got.filter(m => m.y === 'r').length
      assert.ok(replies >= 20 && replies < 60, `${replies} of 60 pings answered`)
      assert.is(got.filter(m => m.code === 201).length, 1, 'one 201 for the second')
    } finally {
      sock.close()
    }
  }))

join2('start - the first node stops on SIGINT with exit 0 and has saved the second', withTimeout(T, async () => {
  assert.equal(await net.first!.stop('SIGINT'), { code: 0, signal: null })
  const savedA = JSON.parse(readFileSync(join(net.dirA, 'routing.json'), 'utf8')) as { contacts: Array<{ id: string }> }
  assert.ok(savedA.contacts.some(c => c.id === net.idB))
}))

join2.run()

// ── bad input ────────────────────────────────────────────────────────────────────────────────

const bad = suite('cli - bad input')

bad.after(hook(T, async () => {
  await killAll()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
}))

const USAGE_ERRORS: Array<[string, string[], RegExp]> = [
  ['an unknown flag', ['start', '--name', 'x', '--bogus'], /bogus/],
  ['--port 70000', ['start', '--name', 'x', '--port', '70000'], /--port must be 0\.\.65535/],
  ['--ip-limits loose', ['start', '--name', 'x', '--ip-limits', 'loose'], /--ip-limits must be default, strict or off/],
  ['--port abc', ['start', '--name', 'x', '--port', 'abc'], /--port/],
  ['--bootstrap nonsense', ['start', '--name', 'x', '--bootstrap', 'nonsense'], /host:port.*nonsense/],
  ['--api-allow-host with a space', ['start', '--name', 'x', '--api-allow-host', 'a b'], /--api-allow-host must be a host name/],
  ['--bootstrap with port 0', ['start', '--name', 'x', '--bootstrap', '127.0.0.1:0'], /port out of range/],
  ['a missing --name', ['start'], /--name is required/],
  ['an empty --name', ['start', '--name', ''], /--name is required/],
  ['a 65-byte name', ['start', '--name', 'n'.repeat(65)], /longer than 64/],
  ['a 66-byte name of 33 two-byte characters', ['start', '--name', 'é'.repeat(33)], /longer than 64/],
  ['a stray argument', ['start', '--name', 'x', 'extra'], /unexpected argument/],
  ['--nodes 0 for demo', ['demo', '--nodes', '0'], /--nodes must be 1\.\.500/],
  ['an unknown command', ['launch'], /unknown command "launch"/]
]

bad('start - bad input exits 2 with a clear message on stderr and no stack trace', withTimeout(T, async () => {
  const results = await Promise.all(USAGE_ERRORS.map(async ([, args]) => await runCli(args)))
  results.forEach((r, i) => {
    const [what, , message] = USAGE_ERRORS[i]!
    assert.is(r.code, 2, `${what}: exit code (stderr: ${r.stderr})`)
    assert.match(r.stderr, message, `${what}: message`)
    assert.match(r.stderr, /^peerconnect/, `${what}: says who complains`)
    assert.not.match(r.stderr, /\n\s+at /, `${what}: no stack trace`)
    assert.is(r.stdout, '', `${what}: nothing on stdout`)
  })
}))

bad('start - a bad config file exits 2 naming the file and the key, before anything starts', withTimeout(T, async () => {
  const dir = dataDir()
  writeFileSync(join(dir, 'peerconnect.json'), JSON.stringify({ name: 'x', prot: 7000 }))
  const r = await runCli(['start', '--data-dir', dir])
  assert.is(r.code, 2, r.stderr)
  assert.match(r.stderr, /^peerconnect start: .*peerconnect\.json: unknown key "prot"/)
  assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`)
  assert.not.ok(existsSync(join(dir, 'identity.key')), 'no identity was created')
  const json = await runCli(['start', '--data-dir', dir, '--json'])
  assert.is(json.code, 2)
  assert.equal(JSON.parse(json.stdout), {
    error: { code: 'ERR_CONFIG',
      message: `${join(dir, 'peerconnect.json')}: unknown key "prot" (known: name, host, port, bootstrap, api, mdns, ipLimits)` }
  })
  assert.is(json.stderr, '')
}))

bad('start - a UDP port that is taken fails at once: exit 1, one clear line (or one JSON error with --json), nothing left running',
  withTimeout(T, async () => {
    const sock = dgram.createSocket('udp4')
    await new Promise<void>(resolve => sock.bind(0, LOOPBACK, resolve))
    try {
      const port = sock.address().port
      const t0 = Date.now()
      const r = await runCli(['start', '--name', 'late', '--host', LOOPBACK, '--port', String(port), '--no-api', '--data-dir', dataDir()],
        20_000)
      assert.is(r.code, 1, r.stderr)
      assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`)
      assert.is(r.stderr,
        `peerconnect start: the UDP address ${LOOPBACK}:${port} is in use by another program (EADDRINUSE). ` +
          'Is another node running? Stop it, or pass --port <port> (0 picks a free port)\n')
      assert.is(r.stdout, '')
      const json = await runCli(['start', '--name', 'late', '--host', LOOPBACK, '--port', String(port), '--no-api', '--data-dir', dataDir(),
        '--json'], 20_000)
      assert.is(json.code, 1)
      const err = JSON.parse(json.stdout) as { error: { code: string, message: string } }
      assert.is(err.error.code, 'ERR_UDP_BIND')
      assert.match(err.error.message, /EADDRINUSE/)
      assert.is(json.stderr, '')
    } finally {
      sock.close()
    }
  }))

bad('start - an API address that is taken: exit 1 and one line on stderr (the API worker\'s own log entry is not a second message)',
  withTimeout(T, async () => {
    const server = createTcpServer()
    await new Promise<void>(resolve => server.listen(0, LOOPBACK, resolve))
    try {
      const port = (server.address() as AddressInfo).port
      const r = await runCli(['start', '--name', 'clash', '--host', LOOPBACK, '--port', '0', '--api', `${LOOPBACK}:${port}`, '--data-dir',
        dataDir()], 30_000)
      assert.is(r.code, 1, r.stderr)
      assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`)
      assert.match(r.stderr,
        new RegExp(`^peerconnect start: the API address ${LOOPBACK.replaceAll('.', '\\.')}:${port} is in use .*pass --api`))
    } finally {
      await new Promise(resolve => server.close(resolve))
    }
  }))

bad('--version prints the version and exits 0', withTimeout(T, async () => {
  const r = await runCli(['--version'])
  assert.is(r.code, 0)
  assert.match(r.stdout, /^peerconnect \d+\.\d+\.\d+$/)
}))

bad('start - --help and help exit 0 and print the usage', withTimeout(T, async () => {
  const [start, top, demo] = await Promise.all([runCli(['start', '--help']), runCli(['--help']), runCli(['demo', '-h'])])
  assert.is(start.code, 0)
  assert.match(start.stdout, /Usage: peerconnect start \[--name/)
  assert.match(start.stdout, /--bootstrap/)
  assert.is(start.stderr, '')
  assert.is(top.code, 0)
  assert.match(top.stdout, /Commands:[\s\S]*start[\s\S]*demo/)
  assert.is(demo.code, 0)
  assert.match(demo.stdout, /Usage: peerconnect demo/)
}))

bad('start - a corrupt identity.key exits 1 with a clear message, and the file is left alone', withTimeout(T, async () => {
  const dir = dataDir()
  const key = join(dir, 'identity.key')
  writeFileSync(key, 'not a key at all\n')
  const r = await runCli(startArgs('broken', [], dir))
  assert.is(r.code, 1, r.stderr)
  assert.match(r.stderr, /identity\.key is not an ed25519 private key/)
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace')
  assert.not.ok(r.stdout.includes('ready'))
  assert.is(readFileSync(key, 'utf8'), 'not a key at all\n', 'never silently replaced')
}))

bad.run()

// ── demo ─────────────────────────────────────────────────────────────────────────────────────

const demo = suite('cli - demo')

demo.after(hook(T, async () => {
  await killAll()
}))

demo('demo - --nodes 6 --json prints 6 joined lines, then ready with nodes 6; SIGINT stops it with exit 0', withTimeout(T, async () => {
  const p = spawnCli(['demo', '--nodes', '6', '--json', '--api', '127.0.0.1:0'])
  const ev = await p.event('ready', 45_000)
  assert.is(ev.nodes, 6)
  assert.ok(typeof ev.id === 'string' && /^[0-9a-f]{40}$/.test(ev.id))
  assert.ok(typeof ev.contacts === 'number' && ev.contacts >= 1)
  const events = p.lines.map(parseEvent)
  const readyAt = events.findIndex(e => e?.event === 'ready')
  const joined = events.slice(0, readyAt)
  assert.is(joined.length, 6, 'six lines before ready')
  assert.ok(joined.every(e => e?.event === 'joined'), 'all of them joined lines')
  assert.equal(joined.map(e => e!.index).sort(), [0, 1, 2, 3, 4, 5])
  assert.is(new Set(joined.map(e => e!.id)).size, 6, 'six distinct ids')
  assert.ok(joined.every(e => typeof e!.udp === 'string' && /^127\.0\.0\.1:\d+$/.test(e!.udp)))
  const exit = await p.stop('SIGINT')
  assert.equal(exit, { code: 0, signal: null })
  assert.ok(p.lines.some(l => parseEvent(l)?.event === 'stopped'))
  assert.not.match(p.stderr(), /\n\s+at /)
}))

demo.run()

/** Pings `to` from a socket of its own on `host` until it answers (the node reads datagrams in order). */
async function barrierPing (host: string, to: HostPort): Promise<void> {
  const sock = dgram.createSocket('udp4')
  try {
    await new Promise<void>(resolve => sock.bind(0, host, () => resolve()))
    const answered = new Promise<void>(resolve =>
      sock.on('message', buf => {
        if (decodeKrpc(buf).ok) resolve()
      })
    )
    await waitFor(async () => {
      sock.send(encodeQuery(Buffer.from('bp'), 'ping', { id: randomId() }), to.port, to.host)
      return await Promise.race([answered.then(() => true), new Promise<false>(resolve => setTimeout(() => resolve(false), 1000))])
    }, { timeout: 10_000, interval: 0, what: 'an answer to the barrier ping' })
  } finally {
    sock.close()
  }
}
