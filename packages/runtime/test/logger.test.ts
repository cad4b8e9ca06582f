import { spawnSync } from 'node:child_process'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createLogger, formatEntry, parseLogLevel, silentLogger } from '../src/logger.js'
import type { LogEntry } from '../src/logger.js'
import { createRemoteLogger, isRemoteLogEntry, replayLog } from '../src/remote-logger.js'
import type { RemoteLogEntry } from '../src/remote-logger.js'

const capture = (level?: 'error' | 'warn' | 'info' | 'debug') => {
  const entries: LogEntry[] = []
  return { entries, log: createLogger('peerconnect', { level, sink: e => entries.push(e) }) }
}

const logger = suite('logger')

logger('logger - children extend the namespace with colons', () => {
  const { entries, log } = capture('debug')
  log.child('routing').child('lookup').info('started', { alpha: 3 })
  assert.is(entries[0]!.ns, 'peerconnect:routing:lookup')
  assert.is(entries[0]!.level, 'info')
  assert.is(entries[0]!.msg, 'started')
  assert.equal(entries[0]!.fields, { alpha: 3 })
  assert.ok(!Number.isNaN(Date.parse(entries[0]!.time)))
})

logger('logger - levels below the threshold are dropped', () => {
  const { entries, log } = capture('warn')
  log.debug('d')
  log.info('i')
  log.warn('w')
  log.error('e')
  assert.equal(entries.map(e => e.level), ['warn', 'error'])
  assert.is(log.level, 'warn')
  assert.is(log.child('x').level, 'warn', 'children keep the level')
})

logger('logger - the level comes from PEERCONNECT_LOG, else warn', () => {
  const saved = process.env.PEERCONNECT_LOG
  try {
    process.env.PEERCONNECT_LOG = 'debug'
    assert.is(createLogger('x').level, 'debug')
    process.env.PEERCONNECT_LOG = 'loud'
    assert.is(createLogger('x').level, 'warn', 'an unknown level falls back to warn')
    delete process.env.PEERCONNECT_LOG
    assert.is(createLogger('x').level, 'warn')
    assert.is(createLogger('x', { level: 'error' }).level, 'error', 'the option wins')
  } finally {
    if (saved === undefined) delete process.env.PEERCONNECT_LOG
    else process.env.PEERCONNECT_LOG = saved
  }
})

logger('logger - parseLogLevel accepts only the four levels', () => {
  assert.is(parseLogLevel('info'), 'info')
  assert.is(parseLogLevel('INFO'), undefined)
  assert.is(parseLogLevel(3), undefined)
  assert.is(parseLogLevel(undefined), undefined)
})

logger('logger - entries format as one JSON line; bytes as hex, bigint as text, errors as data', () => {
  const line = formatEntry({ time: 't', level: 'warn', ns: 'a:b', msg: 'm',
    fields: { id: new Uint8Array([0xab, 1]), n: 10n, error: Object.assign(new Error('boom'), { code: 'ERR_X' }) } })
  assert.not.ok(line.includes('\n'))
  assert.equal(JSON.parse(line), { time: 't', level: 'warn', ns: 'a:b', msg: 'm', id: 'ab01', n: '10',
    error: { name: 'Error', code: 'ERR_X', message: 'boom' } })
})

logger('logger - by default writes JSON lines to stderr, nothing to stdout', () => {
  const code = `import { createLogger } from ${JSON.stringify(new URL('../src/logger.ts', import.meta.url).href)}
createLogger('peerconnect').child('t').warn('to stderr', { k: 1 }); createLogger('peerconnect').debug('hidden')`
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8',
    env: { ...process.env, PEERCONNECT_LOG: '' } })
  assert.is(r.stdout, '')
  const lines = r.stderr.trim().split('\n')
  assert.is(lines.length, 1, r.stderr)
  const entry = JSON.parse(lines[0]!)
  assert.is(entry.ns, 'peerconnect:t')
  assert.is(entry.msg, 'to stderr')
  assert.is(entry.k, 1)
})

logger('logger - silentLogger drops everything, children included', () => {
  silentLogger.error('x')
  assert.is(silentLogger.child('a'), silentLogger)
})

logger.run()

const remote = suite('remote logger')

remote('remote logger - entries carry the path below the actor and replay on its logger', () => {
  const posted: RemoteLogEntry[] = []
  const inWorker = createRemoteLogger(e => posted.push(e), 'info')
  inWorker.child('lookup').child('step').info('hop', { n: 2 })
  inWorker.debug('dropped in the worker')
  assert.is(posted.length, 1)
  assert.ok(isRemoteLogEntry(posted[0]))
  const { entries, log } = capture('debug')
  replayLog(log.child('routing'), posted[0])
  assert.is(entries[0]!.ns, 'peerconnect:routing:lookup:step')
  assert.equal(entries[0]!.fields, { n: 2 })
})

remote('remote logger - the guard rejects what is not a log entry', () => {
  assert.not.ok(isRemoteLogEntry(null))
  assert.not.ok(isRemoteLogEntry({ kind: 'log', level: 'loud', path: [], msg: 'x' }))
  assert.not.ok(isRemoteLogEntry({ kind: 'log', level: 'info', path: [1], msg: 'x' }))
  assert.not.ok(isRemoteLogEntry({ kind: 'log', level: 'info', path: [], msg: 'x', fields: 3 }))
  assert.ok(isRemoteLogEntry({ kind: 'log', level: 'info', path: ['a'], msg: 'x' }))
})

remote.run()
