/**
 * Virtual time: full nodes on the simulated network and one virtual clock. The same seed gives
 * the same run, datagram for datagram (time, addresses, bytes), also twice in one process (the
 * second run finds every module loaded and every cache warm); another seed another run.
 * The scenario (joins, idle minutes with 1% loss, lookups, a node killed and one joining late) is
 * PC_SIM_NODES nodes for PC_SIM_MINUTES simulated minutes: default 100 nodes for 5 minutes, run
 * twice, plus one simulated minute of another seed (~1.5 min of CPU). The scenario,
 * `PC_SIM_NODES=200 PC_SIM_MINUTES=10`, passes too but costs ~2 min of CPU per run (tooling/bench
 * README, createSimSwarm), too much for every suite run on a shared machine.
 */
// pc-test-timeout: 900000
import { createHash } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isCrawlerResult, randomId } from '@peerconnect/protocol'
import type { CrawlerLookup } from '@peerconnect/protocol'
import { seededRandom, SIM_EPOCH } from '@peerconnect/runtime'
import { createSimSwarm, internetLatency } from '../src/index.js'

const NODES = Number(process.env.PC_SIM_NODES ?? 100)
const MINUTES = Number(process.env.PC_SIM_MINUTES ?? 5)

interface Run {
  /** SHA-1 over every datagram: time, from, to, lost, bytes. */
  digest: string
  /** The same per simulated minute (where two runs part). */
  minutes: string[]
  datagrams: number
  lookupsOk: number
  lookups: number
  end: number
}

async function scenario (seed: number, length = MINUTES): Promise<Run> {
  const all = createHash('sha1')
  let minute = createHash('sha1')
  let minuteStart = SIM_EPOCH
  const minutes: string[] = []
  let datagrams = 0
  const swarm = await createSimSwarm(NODES, {
    seed,
    loss: 0.01,
    trace: e => {
      datagrams++
      while (e.at >= minuteStart + 60_000) {
        minutes.push(minute.digest('hex'))
        minute = createHash('sha1')
        minuteStart += 60_000
      }
      const line = `${e.at} ${e.from} ${e.to} ${e.lost ? 1 : 0} ${e.buf.length}\n`
      all.update(line).update(e.buf)
      minute.update(line).update(e.buf)
    }
  })
  const random = seededRandom(seed)
  let lookups = 0
  let lookupsOk = 0
  try {
    const t0 = swarm.clock.now()
    for (let m = 0; m < length; m++) {
      // a few lookups from random nodes, a crash and a late joiner, then the rest of the minute
      const asks = Array.from({ length: 3 }, async () => {
        const node = swarm.nodes[Math.floor(random() * swarm.nodes.length)]!
        lookups++
        const ask: CrawlerLookup = { type: 'crawler.lookup', target: randomId(random) }
        const res = await node.request(ask, { timeout: 30_000 })
        if (isCrawlerResult(res) && res.closest.length > 0) lookupsOk++
      })
      if (m === 1) void swarm.kill(swarm.nodes[Math.floor(random() * swarm.nodes.length)]!)
      const joining = m === 2 ? swarm.join() : undefined
      await swarm.clock.until(Promise.all([...asks, joining]))
      await swarm.clock.runUntil(t0 + (m + 1) * 60_000)
    }
    minutes.push(minute.digest('hex'))
    return { digest: all.digest('hex'), minutes, datagrams, lookups, lookupsOk, end: swarm.clock.now() - t0 }
  } finally {
    await swarm.stop()
  }
}

const test = suite('sim swarm - virtual time')

test(`sim swarm - two runs of ${NODES} nodes for ${MINUTES} simulated minutes in one process, same seed: the same datagrams; ` +
  'another seed: others', async () => {
  // In one process: the second run finds every module loaded and every cache warm (the first
  // pool task of a process waits for real I/O), and still sends the same datagrams at the same times.
  const a = await scenario(7)
  const b = await scenario(7)
  assert.ok(a.datagrams > NODES * 20, `the nodes talked (${a.datagrams} datagrams)`)
  assert.is(a.end, MINUTES * 60_000, 'the clock ran the whole scenario')
  assert.ok(a.lookupsOk >= a.lookups - 1, `lookups found nodes (${a.lookupsOk} of ${a.lookups})`)
  const parted = a.minutes.findIndex((d, i) => d !== b.minutes[i])
  assert.is(parted, -1, `the runs parted in minute ${parted}`)
  assert.is(b.datagrams, a.datagrams)
  assert.is(b.digest, a.digest)
  const c = await scenario(8, 1) // another seed: parts at once (its first minute is enough)
  assert.is.not(c.minutes[0], a.minutes[0])
})

test('sim swarm - internet latencies: fixed per pair, the same both ways, shaped like the Internet', () => {
  const latency = internetLatency({ seed: 3 })
  const hosts = Array.from({ length: 400 }, (_, i) => `10.0.${i >> 8}.${(i & 255) + 1}`)
  const samples: number[] = []
  for (let i = 0; i < hosts.length; i += 2) {
    const x = latency(hosts[i]!, hosts[i + 1]!)
    assert.is(latency(hosts[i + 1]!, hosts[i]!), x)
    assert.is(latency(hosts[i]!, hosts[i + 1]!), x)
    samples.push(x)
  }
  samples.sort((p, q) => p - q)
  const median = samples[samples.length >> 1]!
  assert.ok(median >= 30 && median <= 120, `median one-way ${median} ms`)
  assert.ok(samples[0]! >= 10 && samples.at(-1)! <= 400, `range ${samples[0]!}..${samples.at(-1)!} ms`)
})

test.run()
