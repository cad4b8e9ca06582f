import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateIdentity, idToHex, randomId } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import { withTimeout } from '@peerconnect/test-helpers'
import { createNode } from '../src/index.js'
import type { PeerNode } from '../src/index.js'
import { CLI, spawnCli } from './fixtures/cli.js'
import { hook } from './fixtures/hook.js'
import { startUiNet, waitForDirectory, waitForNames } from './ui-net.js'
import { liveMirror } from '@peerconnect/test-helpers/live-mirror'
import type { UiNet } from './ui-net.js'
import { LOOPBACK } from './fixtures/loopback.js'

/** Our loopback address, as a pattern. */
const HOST = LOOPBACK.replaceAll('.', '\\.')

const T = 60_000
/** A name that would recolour the terminal and retitle its window if printed raw. */
const TERMINAL_NAME = 'evil\u001b[31mred\u001b]0;pwned\u0007'
const NAMES = ['ada', 'alan', 'grace', 'barbara', TERMINAL_NAME]

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the compiled binary to its end with extra environment variables (none of the runner's PEERCONNECT_*). */
async function cli (args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PEERCONNECT_')))
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...base, NO_COLOR: '1', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000)
  const code = await new Promise<number | null>(resolve => child.once('close', resolve))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

let net: UiNet

// ── against a running node ───────────────────────────────────────────────────────────────────

const client = suite('cli client - against a running node')

client.before(hook(T, async () => {
  net = await startUiNet({ names: NAMES, inline: true })
  const mirror = await liveMirror(net.url)
  try {
    await waitForNames(net, mirror)
  } finally {
    mirror.close()
  }
  await waitForDirectory(net)
}))
client.after(hook(T, async () => {
  await net?.stop()
}))

client('status - the node\'s name, id, addresses and actors, readable; --json is the API\'s object', withTimeout(T, async () => {
  const text = await cli(['status', '--api', net.url])
  assert.is(text.code, 0, text.stderr)
  assert.match(text.stdout, /^node\s+you$/m)
  assert.match(text.stdout, new RegExp(`^id\\s+${net.full.idHex}$`, 'm'))
  assert.match(text.stdout, new RegExp(`^udp\\s+${HOST}:${net.full.udp.port}$`, 'm'))
  assert.match(text.stdout, /^ACTOR\s+HOST\s+THREAD\s+RESTARTS$/m)
  assert.match(text.stdout, /^ui-bridge\s+inline\s+0\s+0$/m)
  const json = await cli(['status', '--api', net.url, '--json'])
  assert.is(json.code, 0)
  const s = JSON.parse(json.stdout) as { id: string, name: string, actors: unknown[] }
  assert.equal([s.id, s.name], [net.full.idHex, 'you'])
  assert.ok(s.actors.length >= 5)
}))

client('peers - a table of the directory with every swarm node; --json; --limit pages with a cursor to follow', withTimeout(T, async () => {
  const all = await cli(['peers', '--api', net.url, '--all'])
  assert.is(all.code, 0, all.stderr)
  assert.match(all.stdout, /^NAME\s+ID\s+ADDRESS\s+STATUS\s+LAST SEEN$/m)
  for (const n of net.swarm.nodes.slice(0, 4)) {
    assert.match(all.stdout, new RegExp(`^${n.name}\\s+${n.idHex}\\s+${HOST}:${n.udp.port}\\s+online\\s`, 'm'))
  }
  const json = await cli(['peers', '--api', net.url, '--all', '--json'])
  const body = JSON.parse(json.stdout) as { peers: Array<{ id: string }>, next: null }
  assert.is(body.next, null)
  for (const n of net.swarm.nodes) assert.ok(body.peers.some(p => p.id === n.idHex), n.name)
  const page = await cli(['peers', '--api', net.url, '--limit', '2'])
  assert.is(page.code, 0)
  const more = /more: pnpm exec peerconnect peers --cursor (\S+) --api (\S+)$/m.exec(page.stdout)
  assert.ok(more !== null, page.stdout)
  assert.is(more[2], net.url)
  const next = await cli(['peers', '--api', net.url, '--limit', '2', '--cursor', more[1]!, '--json'])
  assert.is(next.code, 0, next.stderr)
  const first = JSON.parse((await cli(['peers', '--api', net.url, '--limit', '2', '--json'])).stdout) as { peers: Array<{ id: string }> }
  const second = JSON.parse(next.stdout) as { peers: Array<{ id: string }> }
  assert.is(second.peers.length, 2)
  assert.not.ok(second.peers.some(p => first.peers.some(q => q.id === p.id)), 'the next page has other peers')
}))

client('peers - a name made of terminal escapes is printed cleaned (no ESC, no BEL reaches the terminal)', withTimeout(T, async () => {
  const evil = net.swarm.nodes[4]!
  const out = await cli(['peers', '--api', net.url, '--all'])
  assert.is(out.code, 0)
  assert.not.ok(out.stdout.includes('\u001b'), 'no ESC')
  assert.not.ok(out.stdout.includes('\u0007'), 'no BEL')
  assert.match(out.stdout, new RegExp(`^evil\uFFFD\\[31mred\uFFFD\\]0;pwned\uFFFD\\s+${evil.idHex}`, 'm'))
  const json = JSON.parse((await cli(['lookup', evil.idHex, '--api', net.url, '--json'])).stdout) as { name: string }
  assert.is(json.name, TERMINAL_NAME, '--json keeps the exact name (escaped by JSON)')
}))

client('lookup - one peer by id: name, id, address, status; --json is the Peer', withTimeout(T, async () => {
  const grace = net.swarm.nodes[2]!
  const text = await cli(['lookup', grace.idHex, '--api', net.url])
  assert.is(text.code, 0, text.stderr)
  assert.match(text.stdout, /^name\s+grace$/m)
  assert.match(text.stdout, new RegExp(`^address\\s+${HOST}:${grace.udp.port}$`, 'm'))
  assert.match(text.stdout, /^status\s+online$/m)
  const json = JSON.parse((await cli(['lookup', grace.idHex.toUpperCase(), '--api', net.url, '--json'])).stdout) as { id: string,
    name: string }
  assert.equal([json.id, json.name], [grace.idHex, 'grace'])
}))

client('lookup - an id nobody has is exit 1 with the API\'s message; a malformed id is exit 2', withTimeout(T, async () => {
  const missing = await cli(['lookup', idToHex(randomId()), '--api', net.url])
  assert.is(missing.code, 1)
  assert.match(missing.stderr, /^peerconnect lookup: no peer with that id was found/m)
  const bad = await cli(['lookup', 'xyz', '--api', net.url])
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /peerconnect lookup: an id is 40 hex characters/)
}))

client('search - hits as lines (name, id, address, status, source) and a one-hit summary; --via picks the source',
  withTimeout(T, async () => {
    await waitForDirectory(net)
    const grace = net.swarm.nodes[2]!
    const out = await cli(['search', 'grace', '--timeout', '1500', '--api', net.url])
    assert.is(out.code, 0, out.stderr)
    assert.match(out.stdout, /^searching for "grace" \(hybrid, up to 1500 ms\)…$/m)
    assert.match(out.stdout,
      new RegExp(`^  grace\\s+${grace.idHex}\\s+${HOST}:${grace.udp.port}\\s+\\w+\\s+via (local|lists|gossip)$`, 'm'))
    assert.match(out.stdout, /^1 hit in \d+ ms(, \d+ list holders? answered)?$/m)
    const lists = await cli(['search', 'grace', '--via', 'lists', '--timeout', '1500', '--api', net.url])
    assert.is(lists.code, 0, lists.stderr)
    assert.match(lists.stdout, new RegExp(`^  grace\\s+${grace.idHex}\\s.*via lists$`, 'm'))
    const m = /^1 hit in \d+ ms, (\d+) list holders? answered$/m.exec(lists.stdout)
    assert.ok(m !== null, `a lists search says how many list holders answered: ${lists.stdout}`)
  }))

client('search - bad input: --via and --timeout checked locally (exit 2, with help); an empty query is the API\'s 400 (exit 2)',
  withTimeout(T, async () => {
    const via = await cli(['search', 'grace', '--via', 'pigeon', '--api', net.url])
    assert.is(via.code, 2)
    assert.match(via.stderr, /--via must be hybrid, lists or gossip/)
    assert.match(via.stderr, /Usage: peerconnect search/)
    const timeout = await cli(['search', 'grace', '--timeout', '50', '--api', net.url])
    assert.is(timeout.code, 2)
    assert.match(timeout.stderr, /--timeout must be 100\.\.30000/)
    const empty = await cli(['search', '', '--api', net.url])
    assert.is(empty.code, 2)
    assert.match(empty.stderr, /peerconnect search: the query is empty/)
    const none = await cli(['search', '--api', net.url])
    assert.is(none.code, 2)
    assert.match(none.stderr, /missing argument/)
  }))

client('peers - bad input: --limit checked locally; a cursor the node cannot read is the API\'s 400', withTimeout(T, async () => {
  const limit = await cli(['peers', '--limit', '0', '--api', net.url])
  assert.is(limit.code, 2)
  assert.match(limit.stderr, /--limit must be 1\.\.200/)
  const cursor = await cli(['peers', '--cursor', '%%%', '--api', net.url])
  assert.is(cursor.code, 2)
  assert.match(cursor.stderr, /peerconnect peers: the cursor cannot be read/)
  const both = await cli(['peers', '--all', '--cursor', 'x', '--api', net.url])
  assert.is(both.code, 2)
}))

client('api - PEERCONNECT_API is used when --api is absent; host:port without a scheme works too', withTimeout(T, async () => {
  const env = await cli(['status', '--json'], { PEERCONNECT_API: net.url })
  assert.is(env.code, 0, env.stderr)
  assert.is((JSON.parse(env.stdout) as { id: string }).id, net.full.idHex)
  const bare = await cli(['status', '--json', '--api', net.url.replace('http://', '')])
  assert.is(bare.code, 0, bare.stderr)
  const wrong = await cli(['status', '--api', 'ftp://x'])
  assert.is(wrong.code, 2)
  assert.match(wrong.stderr, /--api must be an http:\/\/ URL/)
}))

client.run()

// ── no node, a locked node, --help ───────────────────────────────────────────────────────────

const edges = suite('cli client - unreachable, token, help')

edges('client - no node at the address: "cannot reach the node at …", exit 1, for every command', withTimeout(T, async () => {
  const port = await closedPort()
  for (const args of [['status'], ['peers'], ['lookup', 'ab'.repeat(20)], ['search', 'grace']]) {
    const out = await cli([...args, '--api', `http://127.0.0.1:${port}`])
    assert.is(out.code, 1, args[0])
    assert.match(out.stderr,
      new RegExp(`^peerconnect ${args[0]!}: cannot reach the node at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`, 'm'))
    assert.not.match(out.stderr, /\n\s+at /, 'no stack trace')
  }
}))

edges('client - --json errors are one JSON line on stdout, nothing on stderr; bad ids and queries are refused before the node is contacted',
  withTimeout(T, async () => {
    const port = await closedPort()
    const api = `http://127.0.0.1:${port}`
    const down = await cli(['status', '--json', '--api', api])
    assert.is(down.code, 1)
    const body = JSON.parse(down.stdout) as { error: { code: string, message: string } }
    assert.is(body.error.code, 'ERR_UNREACHABLE')
    assert.match(body.error.message, /cannot reach the node/)
    assert.is(down.stderr, '')
    // Exit 2 with a usage error, not 1 with "cannot reach": nothing was sent.
    const cases: Array<[string[], RegExp]> = [
      [['lookup', 'xyz'], /an id is 40 hex characters, got "xyz"/],
      [['lookup', 'ab'.repeat(19) + 'zz'], /an id is 40 hex characters/],
      [['search', '   '], /the query is empty/],
      [['search', 'x'.repeat(65)], /the query is 65 bytes of UTF-8; at most 64/],
      [['search', 'a\u0007b'], /control characters/],
      [['search', '!!!'], /the query has no letter or digit/]
    ]
    for (const [args, message] of cases) {
      const text = await cli([...args, '--api', api])
      assert.is(text.code, 2, `${args.join(' ')}: ${text.stderr}`)
      assert.match(text.stderr, message)
      assert.is(text.stderr.match(/^peerconnect /gm)?.length, 1, 'one error message')
      const json = await cli([...args, '--api', api, '--json'])
      assert.is(json.code, 2)
      const e = JSON.parse(json.stdout) as { error: { code: string, message: string } }
      assert.is(e.error.code, 'ERR_USAGE')
      assert.match(e.error.message, message)
    }
  }))

edges('client - a node with a token: refused without it (exit 1, says how), served with --token or PEERCONNECT_API_TOKEN',
  withTimeout(T, async () => {
    let node: PeerNode | undefined
    try {
      node = await createNode({ name: 'locked', host: LOOPBACK, identity: generateIdentity(), log: silentLogger, inline: true,
        api: { port: 0, token: 'tok-9' } })
      const denied = await cli(['status', '--api', node.api!])
      assert.is(denied.code, 1)
      assert.match(denied.stderr, /pass --token or set PEERCONNECT_API_TOKEN/)
      const flag = await cli(['status', '--api', node.api!, '--token', 'tok-9', '--json'])
      assert.is(flag.code, 0, flag.stderr)
      assert.is((JSON.parse(flag.stdout) as { name: string }).name, 'locked')
      const env = await cli(['peers', '--api', node.api!, '--json'], { PEERCONNECT_API_TOKEN: 'tok-9' })
      assert.is(env.code, 0, env.stderr)
    } finally {
      await node?.stop()
    }
  }))

edges('client - --help everywhere: usage and options, exit 0; the overview lists the four commands', withTimeout(T, async () => {
  for (const name of ['search', 'peers', 'lookup', 'status']) {
    const out = await cli([name, '--help'])
    assert.is(out.code, 0, name)
    assert.match(out.stdout, new RegExp(`^Usage: peerconnect ${name}`, 'm'))
    assert.match(out.stdout, /--api <url>/)
    assert.match(out.stdout, /--json/)
  }
  const top = await cli(['--help'])
  for (const name of ['search', 'peers', 'lookup', 'status']) assert.match(top.stdout, new RegExp(`^  ${name}\\s`, 'm'))
  assert.match(top.stdout, /Run `pnpm exec peerconnect <command> --help`/, 'the hint is the form that works in this repository')
}))

edges.run()

// ── streaming, against a scripted API ────────────────────────────────────────────────────────

const stream = suite('cli client - search streams')

stream('search - each hit is printed as it arrives, before the search has ended', withTimeout(T, async () => {
  let release: () => void = () => {}
  const released = new Promise<void>(resolve => {
    release = resolve
  })
  const peer = { id: 'ab'.repeat(20), name: 'grace', address: '127.0.0.1:4000', status: 'online', lastSeen: Date.now() }
  const server = await scripted(async (res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    res.write(JSON.stringify({ peer, via: 'lists' }) + '\n')
    await released
    res.end(JSON.stringify({ done: true, hits: 1, ms: 1234 }) + '\n')
  })
  try {
    const p = spawnCli(['search', 'grace', '--api', server.url])
    const hit = await p.line(l => l.includes('grace') && l.includes('via lists'))
    assert.match(hit, new RegExp(`^  grace\\s+${peer.id}\\s+127\\.0\\.0\\.1:4000\\s+online\\s+via lists$`))
    assert.not.ok(p.lines.some(l => /hits? in/.test(l)), 'the summary has not come yet')
    release()
    const summary = await p.line(l => /hits? in/.test(l))
    assert.is(summary, '1 hit in 1234 ms')
    assert.equal(await p.exit, { code: 0, signal: null })
  } finally {
    release()
    await server.close()
  }
}))

stream('search - --json prints each NDJSON line as it comes; a stream that breaks off is an error (exit 1)', withTimeout(T, async () => {
  const peer = { id: 'cd'.repeat(20), name: 'ada', address: '127.0.0.1:4001', status: 'online', lastSeen: 1 }
  const server = await scripted(async (res, url) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    if (url.includes('broken')) {
      res.end(JSON.stringify({ peer, via: 'gossip' }) + '\n')
      return
    }
    res.end(JSON.stringify({ peer, via: 'gossip' }) + '\n' + JSON.stringify({ done: true, hits: 1, ms: 5 }) + '\n')
  })
  try {
    const json = await cli(['search', 'ada', '--json', '--api', server.url])
    assert.is(json.code, 0, json.stderr)
    assert.equal(json.stdout.trim().split('\n').map(l => JSON.parse(l) as unknown), [{ peer, via: 'gossip' }, { done: true, hits: 1,
      ms: 5 }])
    const broken = await cli(['search', 'broken', '--api', server.url])
    assert.is(broken.code, 1)
    assert.match(broken.stderr, /ended without its done line/)
  } finally {
    await server.close()
  }
}))

stream('search - a hostile API cannot reach the terminal either: names, vias and error messages are cleaned', withTimeout(T, async () => {
  const peer = { id: 'ef'.repeat(20), name: 'x\u001b[2Jy', address: '127.0.0.1:1', status: 'online', lastSeen: 1 }
  const server = await scripted(async (res, url) => {
    if (url.startsWith('/api/status')) {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: 'ERR_X', message: 'boom\u001b]0;t\u0007' } }))
      return
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    res.end(JSON.stringify({ peer, via: 'lists\u001b[0m' }) + '\n' + JSON.stringify({ done: true, hits: 1, ms: 5 }) + '\n')
  })
  try {
    const out = await cli(['search', 'x', '--api', server.url])
    assert.is(out.code, 0, out.stderr)
    assert.not.ok(out.stdout.includes('\u001b'))
    const failed = await cli(['status', '--api', server.url])
    assert.is(failed.code, 1)
    assert.not.ok(failed.stderr.includes('\u001b') || failed.stderr.includes('\u0007'))
    assert.match(failed.stderr, /boom/)
  } finally {
    await server.close()
  }
}))

stream.run()

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** An HTTP server on 127.0.0.1:0 answering every request with `handle`. */
async function scripted (handle: (res: ServerResponse, url: string) => Promise<void>): Promise<{ url: string, close(): Promise<void> }> {
  const server = createServer((req, res) => {
    void handle(res, req.url ?? '/')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise(resolve => server.close(resolve))
  return port
}
