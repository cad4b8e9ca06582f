/**
 * The command line in process: every boolean flag of every command, the config file's schema,
 * how `start` puts flags, config and saved name together, the CLI logger, the demo's peer count,
 * and a UDP address that cannot be bound (probeUdp, createNode).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import dgram from 'node:dgram'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Subject, VirtualTimeScheduler } from 'rxjs'
import { generateIdentity } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import type { LogEntry } from '@peerconnect/runtime'
import { rejects, withTimeout } from '@peerconnect/test-helpers'
import { parseCommand } from '../src/cli-args.js'
import type { CommandSpec } from '../src/cli-args.js'
import { startCommand, resolveStart } from '../src/commands/start.js'
import { demoCommand } from '../src/commands/demo.js'
import { formatDone, searchCommand } from '../src/commands/search.js'
import { peersCommand } from '../src/commands/peers.js'
import { lookupCommand } from '../src/commands/lookup.js'
import { statusCommand } from '../src/commands/status.js'
import { peerCountChanges } from '../src/commands/peer-count.js'
import { CONFIG_FILE, loadConfig, parseConfig } from '../src/config.js'
import { readSavedName, saveName } from '../src/saved-name.js'
import { createCliLogger, readable } from '../src/cli-log.js'
import { probeUdp } from '../src/udp-probe.js'
import { createNode } from '../src/index.js'
import { LOOPBACK } from './fixtures/loopback.js'

const SPECS: readonly CommandSpec[] = [startCommand, demoCommand, searchCommand, peersCommand, lookupCommand, statusCommand].map(c =>
  c.spec
)
/** Enough positionals for commands that need one. */
const ARGS: Readonly<Record<string, string[]>> = { search: ['grace'], lookup: ['ab'.repeat(20)] }
const dirs: string[] = []

/** `promise` rejects with `code` and a message matching `message`. */
async function fails (promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await rejects(promise, code)
  assert.match(String(err.message), message)
}

function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'pc-opts-'))
  dirs.push(dir)
  return dir
}

// ── flags ────────────────────────────────────────────────────────────────────────────────────

const flags = suite('cli options - flags')

flags('every boolean flag of every command is true when given and absent when not', () => {
  let seen = 0
  for (const spec of SPECS) {
    for (const [name, o] of Object.entries(spec.options)) {
      if (o.type !== 'boolean') continue
      seen++
      const on = parseCommand(spec, [...(ARGS[spec.name] ?? []), `--${name}`]).values
      assert.is(on[name], true, `${spec.name} --${name}`)
      for (const [other, p] of Object.entries(spec.options)) {
        if (other !== name && p.type === 'string') assert.is.not(on[other], false, `${spec.name} --${name} leaves --${other} alone`)
      }
      const off = parseCommand(spec, ARGS[spec.name] ?? []).values
      assert.is(off[name], undefined, `${spec.name} without --${name}`)
    }
  }
  assert.is(seen, 13,
    'start: no-api, no-mdns, inline, exempt-loopback, json, verbose; demo: json, verbose; peers: all, json; search, lookup, status: json')
})

flags('--no-<option> exists only where declared: --no-api is its own flag, --no-port and --no-json are unknown', () => {
  const start = startCommand.spec
  const parsed = parseCommand(start, ['--no-api']).values
  assert.is(parsed['no-api'], true)
  assert.is(parsed.api, undefined, 'the API address is not turned into false')
  for (const spec of SPECS) {
    for (const name of Object.keys(spec.options)) {
      if (name.startsWith('no-') || Object.hasOwn(spec.options, `no-${name}`)) continue
      assert.throws(() => parseCommand(spec, [...(ARGS[spec.name] ?? []), `--no-${name}`]),
        (e: Error & { code?: string }) => e.code === 'ERR_USAGE', `${spec.name} --no-${name}`)
    }
  }
})

flags('start --no-api: no API; with --api too it is a usage error', async () => {
  const dir = tempDir()
  const o = await resolveStart(parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', dir, '--no-api']).values, {})
  assert.is(o.api, null)
  const d = await resolveStart(parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', dir]).values, {})
  assert.equal(d.api, { host: '127.0.0.1', port: 7070 })
  await fails(
    resolveStart(parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', dir, '--no-api', '--api', '127.0.0.1:1']).values, {}),
    'ERR_USAGE',
    /--api and --no-api cannot be used together/
  )
})

flags('start --no-mdns turns LAN discovery off, as the config\'s "mdns": false does; it is on by default', async () => {
  const dir = tempDir()
  const on = await resolveStart(parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', dir]).values, {})
  assert.is(on.mdns, true)
  const off = await resolveStart(parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', dir, '--no-mdns']).values, {})
  assert.is(off.mdns, false)
  const file = join(dir, 'off.json')
  writeFileSync(file, JSON.stringify({ mdns: false }))
  const fromConfig = await resolveStart(parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', dir, '--config', file]).values, {})
  assert.is(fromConfig.mdns, false)
  writeFileSync(file, JSON.stringify({ mdns: 'yes' }))
  await fails(resolveStart(parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', dir, '--config', file]).values, {}), 'ERR_CONFIG',
    /mdns must be true or false/)
})

flags('start --exempt-loopback and --api-allow-host reach the options (off and none by default); a bad host name is a usage error',
  async () => {
    const o = await resolveStart(
      parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', tempDir(), '--exempt-loopback', '--api-allow-host', 'a.example',
        '--api-allow-host', 'b']).values,
      {}
    )
    assert.equal([o.exemptLoopback, o.allowHosts], [true, ['a.example', 'b']])
    const d = await resolveStart(parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', tempDir()]).values, {})
    assert.equal([d.exemptLoopback, d.allowHosts], [false, []])
    for (const bad of ['a b', 'evil/x', 'x-', 'a:1']) {
      await fails(
        resolveStart(parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', tempDir(), '--api-allow-host', bad]).values, {}),
        'ERR_USAGE',
        /--api-allow-host must be a host name/
      )
    }
  })

flags('start --inline, --json, --verbose reach the options', async () => {
  const o = await resolveStart(
    parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', tempDir(), '--inline', '--json', '--verbose']).values,
    {}
  )
  assert.equal([o.inline, o.json, o.verbose], [true, true, true])
  const d = await resolveStart(parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', tempDir()]).values, {})
  assert.equal([d.inline, d.json, d.verbose], [false, false, false])
})

flags('the bin the workspace links (node_modules/.bin/peerconnect → apps/node/bin/peerconnect.js) runs the built CLI', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url))
  const linked = join(root, 'node_modules', '.bin', 'peerconnect')
  assert.ok(existsSync(linked), `${linked}: pnpm install links the root's @peerconnect/node bin`)
  const out = execFileSync(linked, ['--version'], { encoding: 'utf8' })
  assert.match(out, /^peerconnect \d+\.\d+\.\d+\n$/)
})

flags('search: the summary line says how many list holders answered, when the node says so', () => {
  assert.is(formatDone({ done: true, hits: 2, ms: 40, holders: 5 }), '2 hits in 40 ms, 5 list holders answered')
  assert.is(formatDone({ done: true, hits: 0, ms: 3 }), 'no hits in 3 ms')
})

flags.run()

// ── config ───────────────────────────────────────────────────────────────────────────────────

const config = suite('cli options - config file')

config('a full config is read; every key is optional', () => {
  const c = parseConfig({ name: 'alice', host: '127.0.0.1', port: 7000, bootstrap: ['127.0.0.2:6881', '[::1]:7'], api: '127.0.0.1:0',
    ipLimits: 'strict' }, 'x.json')
  assert.equal(c, { name: 'alice', host: '127.0.0.1', port: 7000, bootstrap: [{ host: '127.0.0.2', port: 6881 }, { host: '::1', port: 7 }],
    api: { host: '127.0.0.1', port: 0 }, ipLimits: 'strict' })
  assert.equal(parseConfig({}, 'x.json'), {})
  assert.equal(parseConfig({ api: false }, 'x.json'), { api: false })
})

config('bad configs: unknown key, wrong types, bad addresses — each names the file and the key', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ prot: 7000 }, /^c\.json: unknown key "prot" \(known: name, host, port, bootstrap, api, mdns, ipLimits\)$/],
    [{ port: '7000' }, /^c\.json: port must be an integer 0\.\.65535, got "7000"$/],
    [{ port: 70000 }, /port must be an integer/],
    [{ port: 1.5 }, /port must be an integer/],
    [{ name: '' }, /name must be a non-empty string/],
    [{ name: 'n'.repeat(65) }, /name is longer than 64/],
    [{ host: 7 }, /host must be a string/],
    [{ host: 'not an address' }, /host is not an address/],
    [{ bootstrap: '127.0.0.1:1' }, /bootstrap must be an array/],
    [{ bootstrap: ['127.0.0.1:1', 'nowhere'] }, /^c\.json: bootstrap\[1\]: expected host:port, got "nowhere"$/],
    [{ bootstrap: ['127.0.0.1:0'] }, /bootstrap\[0\]: port out of range/],
    [{ api: true }, /api must be "host:port" or false, got true/],
    [{ api: 'localhost' }, /api must be "host:port" or false/],
    [{ ipLimits: 'loose' }, /ipLimits must be "default" or "strict" or "off", got "loose"/],
    [{ mdns: 'yes' }, /mdns must be true or false, got "yes"/],
    [[], /must be a JSON object/],
    [null, /must be a JSON object/],
    [{ __proto__: 1, constructor: 1 }, /unknown key "constructor"/]
  ]
  for (const [input, message] of cases) {
    assert.throws(() => parseConfig(input, 'c.json'),
      (e: Error & { code?: string, exitCode?: number }) => e.code === 'ERR_CONFIG' && e.exitCode === 2 && message.test(e.message),
      JSON.stringify(input))
  }
})

config('loadConfig: a missing --config file, invalid JSON and a too-large file are errors; a missing optional file is undefined',
  async () => {
    const dir = tempDir()
    await fails(loadConfig(join(dir, 'none.json')), 'ERR_CONFIG', /none\.json: no such file/)
    assert.is(await loadConfig(join(dir, 'none.json'), { optional: true }), undefined)
    writeFileSync(join(dir, 'bad.json'), '{ "port": 7000, }')
    await fails(loadConfig(join(dir, 'bad.json')), 'ERR_CONFIG', /bad\.json is not valid JSON/)
    writeFileSync(join(dir, 'big.json'), JSON.stringify({ name: 'x'.repeat(70_000) }))
    await fails(loadConfig(join(dir, 'big.json')), 'ERR_CONFIG', /larger than 64 KiB/)
  })

config('start: the data dir\'s peerconnect.json gives the options; flags override it', async () => {
  const dir = tempDir()
  writeFileSync(join(dir, CONFIG_FILE),
    JSON.stringify({ name: 'cfg', host: '127.0.0.9', port: 7001, bootstrap: ['127.0.0.2:6881'], api: '127.0.0.1:7071',
      ipLimits: 'strict' }))
  const fromFile = await resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir]).values, {})
  assert.equal(
    [fromFile.name, fromFile.host, fromFile.port, fromFile.bootstrap, fromFile.api, fromFile.ipLimits, fromFile.config],
    ['cfg', '127.0.0.9', 7001, [{ host: '127.0.0.2', port: 6881 }], { host: '127.0.0.1', port: 7071 }, 'strict', join(dir, CONFIG_FILE)]
  )
  const flagsWin = await resolveStart(
    parseCommand(startCommand.spec, ['--data-dir', dir, '--name', 'flag', '--host', '127.0.0.3', '--port', '0', '--bootstrap',
      '127.0.0.4:1', '--api', '127.0.0.1:0', '--ip-limits', 'off']).values,
    {}
  )
  assert.equal(
    [flagsWin.name, flagsWin.host, flagsWin.port, flagsWin.bootstrap, flagsWin.api, flagsWin.ipLimits],
    ['flag', '127.0.0.3', 0, [{ host: '127.0.0.4', port: 1 }], { host: '127.0.0.1', port: 0 }, 'off']
  )
  const noApi = await resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir, '--no-api']).values, {})
  assert.is(noApi.api, null)
  writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ name: 'cfg', api: '0.0.0.0:7070' }))
  await fails(resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir]).values, {}), 'ERR_USAGE',
    /^"api" of .*peerconnect\.json, 0\.0\.0\.0:7070 is reachable from other hosts, so it needs a token/)
  const token = await resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir]).values, { PEERCONNECT_API_TOKEN: 'tok' })
  assert.equal(token.api, { host: '0.0.0.0', port: 7070, token: 'tok' })
})

config('start: --config replaces the data dir\'s file; "api": false is no API unless --api is given; a bad config is a ConfigError',
  async () => {
    const dir = tempDir()
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ name: 'in-dir', port: 7001 }))
    const other = join(tempDir(), 'other.json')
    writeFileSync(other, JSON.stringify({ name: 'other', api: false }))
    const o = await resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir, '--config', other]).values, {})
    assert.equal([o.name, o.port, o.api, o.config], ['other', 0, null, other])
    const api = await resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir, '--config', other, '--api', '127.0.0.1:0']).values,
      {})
    assert.equal(api.api, { host: '127.0.0.1', port: 0 })
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ name: 'in-dir', prot: 7001 }))
    await fails(resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir]).values, {}), 'ERR_CONFIG',
      /peerconnect\.json: unknown key "prot"/)
    await fails(resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir, '--config', join(dir, 'missing.json')]).values, {}),
      'ERR_CONFIG', /missing\.json: no such file/)
  })

config('start: without --name, the name the data dir last ran under; with neither, a clear usage error', async () => {
  const dir = tempDir()
  await fails(resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir]).values, {}), 'ERR_USAGE',
    /--name is required: .* has no node that ran before/)
  await fails(resolveStart(parseCommand(startCommand.spec, []).values, {}), 'ERR_USAGE', /--name is required \(or --data-dir/)
  await saveName(dir, 'saved')
  assert.is(await readSavedName(dir), 'saved')
  const o = await resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir]).values, {})
  assert.is(o.name, 'saved')
  const flag = await resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir, '--name', 'new']).values, {})
  assert.is(flag.name, 'new', '--name wins over the saved name')
  writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ name: 'configured' }))
  assert.is((await resolveStart(parseCommand(startCommand.spec, ['--data-dir', dir]).values, {})).name, 'configured',
    'the config wins over the saved name')
  writeFileSync(join(dir, 'node.json'), '{"name": 7}')
  assert.is(await readSavedName(dir), undefined, 'a saved name that is not one is ignored')
})

config('start: bad flags are usage errors', async () => {
  const dir = tempDir()
  const cases: Array<[string[], string, RegExp]> = [
    [['--port', '65536'], 'ERR_USAGE', /--port must be 0\.\.65535/],
    [['--host', 'two words'], 'ERR_USAGE', /--host is not an address/],
    [['--bootstrap', 'nowhere'], 'ERR_BAD_ADDRESS', /expected host:port/],
    [['--data-dir', ''], 'ERR_USAGE', /--data-dir is empty/],
    [['--config', ''], 'ERR_USAGE', /--config is empty/]
  ]
  for (const [args, code, message] of cases) {
    await fails(resolveStart(parseCommand(startCommand.spec, ['--name', 'n', '--data-dir', dir, ...args]).values, {}), code, message)
  }
})

config.after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

config.run()

// ── logging ──────────────────────────────────────────────────────────────────────────────────

const logging = suite('cli options - logging')

function capture (
  opts: { json: boolean, verbose: boolean, env?: NodeJS.ProcessEnv }
): { lines: string[], cli: ReturnType<typeof createCliLogger> } {
  const lines: string[] = []
  return { lines, cli: createCliLogger({ ...opts, env: opts.env ?? {}, write: l => lines.push(l) }) }
}

logging('text mode: warnings as readable lines, held while starting and written once ready; info is not shown', () => {
  const { lines, cli } = capture({ json: false, verbose: false })
  cli.log.child('lists').warn('announce round failed', { error: new Error('actor transport crashed'), delay: 100 })
  cli.log.info('udp bound', { port: 1 })
  assert.equal(lines, [], 'held while starting')
  cli.release()
  assert.equal(lines, ['warning lists: announce round failed (error: actor transport crashed, delay: 100)'])
  cli.log.error('boom\u001b[2J')
  assert.is(lines[1], 'error: boom\uFFFD[2J', 'control characters cleaned')
  assert.ok(lines.every(l => !l.startsWith('{')), 'no JSON')
})

logging('a start that fails drops the held entries: the command\'s own message is the only one', () => {
  const { lines, cli } = capture({ json: false, verbose: false })
  cli.log.child('ui-bridge').error('api cannot listen', { code: 'ERR_ADDRESS_IN_USE' })
  cli.drop()
  assert.equal(lines, [])
  cli.log.child('ui-bridge').error('api cannot listen', { code: 'ERR_ADDRESS_IN_USE' })
  assert.equal(lines, [], 'an entry from a worker that arrives after the failure is dropped too')
  const verbose = capture({ json: false, verbose: true })
  verbose.cli.drop()
  verbose.cli.log.error('shown')
  assert.is(verbose.lines.length, 1, '--verbose drops nothing')
})

logging('--json: JSON lines; --verbose: info too, as JSON, not held; PEERCONNECT_LOG sets the level', () => {
  const json = capture({ json: true, verbose: false })
  json.cli.log.warn('w', { a: 1 })
  json.cli.release()
  const entry = JSON.parse(json.lines[0]!) as { level: string, msg: string, a: number }
  assert.equal([entry.level, entry.msg, entry.a], ['warn', 'w', 1])
  const verbose = capture({ json: false, verbose: true })
  verbose.cli.log.info('udp bound')
  assert.is(verbose.lines.length, 1, 'written at once')
  assert.is((JSON.parse(verbose.lines[0]!) as { msg: string }).msg, 'udp bound')
  const debug = capture({ json: false, verbose: false, env: { PEERCONNECT_LOG: 'error' } })
  debug.cli.log.warn('hidden')
  debug.cli.release()
  assert.equal(debug.lines, [])
})

logging('readable(): namespace without the peerconnect prefix, fields in brackets', () => {
  const e: LogEntry = { time: 't', level: 'info', ns: 'peerconnect:routing:persistence', msg: 'saved',
    fields: { contacts: 3, dir: '/tmp/x' } }
  assert.is(readable(e), 'info routing:persistence: saved (contacts: 3, dir: /tmp/x)')
})

logging.run()

// ── the demo's peer count ────────────────────────────────────────────────────────────────────

const peers = suite('cli options - demo peer count')

peers('a burst of changes is counted once, after it settles; counts equal to the last printed are left out',
  withTimeout(5_000, async () => {
    // Virtual time: settle() runs every timer due (the debounce), then lets the count's promise resolve.
    const time = new VirtualTimeScheduler()
    const settle = async (): Promise<void> => {
      time.flush()
      await new Promise(resolve => setImmediate(resolve))
    }
    const changes = new Subject<void>()
    const sizes = [5, 6, 6, 4, 4, 7]
    let calls = 0
    const out: number[] = []
    const sub = peerCountChanges(changes, async () => sizes[calls++], { initial: 5, settle: 5, scheduler: time }).subscribe(c =>
      out.push(c)
    )
    try {
      for (let k = 0; k < 10; k++) changes.next()
      assert.is(calls, 0, 'nothing counted before the burst settles')
      await settle()
      assert.is(calls, 1, 'ten changes in a burst, one count')
      assert.equal(out, [], '5 is what the ready line said')
      for (let k = 1; k < sizes.length; k++) {
        changes.next()
        await settle()
      }
      assert.equal(out, [6, 4, 7])
      assert.is(time.actions.length, 0, 'no change, no count: no timer is left')
      await settle()
      assert.is(calls, sizes.length)
    } finally {
      sub.unsubscribe()
    }
  }))

peers.run()

// ── a UDP address that cannot be bound ───────────────────────────────────────────────────────

const bind = suite('cli options - UDP bind')

bind('probeUdp: a taken port is ERR_UDP_BIND naming EADDRINUSE and --port; a free one resolves', withTimeout(10_000, async () => {
  const sock = dgram.createSocket('udp4')
  await new Promise<void>(resolve => sock.bind(0, LOOPBACK, resolve))
  try {
    const port = sock.address().port
    await fails(probeUdp(LOOPBACK, port), 'ERR_UDP_BIND', /in use by another program \(EADDRINUSE\).*--port/)
    await probeUdp(LOOPBACK, 0)
  } finally {
    sock.close()
  }
}))

bind('createNode on a taken UDP port rejects within seconds with the reason (no endless restarts)', withTimeout(20_000, async () => {
  const sock = dgram.createSocket('udp4')
  await new Promise<void>(resolve => sock.bind(0, LOOPBACK, resolve))
  try {
    const t0 = Date.now()
    await fails(
      createNode({ name: 'x', identity: generateIdentity(), host: LOOPBACK, port: sock.address().port, inline: true, log: silentLogger }),
      'ERR_UDP_BIND',
      /EADDRINUSE/
    )
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`)
  } finally {
    sock.close()
  }
}))

bind.run()
