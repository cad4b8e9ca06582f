import { createHash } from 'node:crypto'
import { createSimSwarm } from '@peerconnect/node'
const n = Number(process.argv[2] ?? 50)
const minutes = Number(process.argv[3] ?? 1)
const h = createHash('sha1')
let events = 0
const t0 = performance.now()
const swarm = await createSimSwarm(n, { seed: Number(process.argv[4] ?? 1), loss: 0.01, trace: e => { events++; h.update(`${e.at} ${e.from} ${e.to} ${e.buf.length} ${e.lost}\n`); h.update(e.buf) } })
const t1 = performance.now()
console.log('built', n, 'in', Math.round(t1 - t0), 'ms; virtual', swarm.clock.now() - Date.UTC(2026, 0, 1), 'events', events)
await swarm.clock.run(minutes * 60_000)
console.log('ran', minutes, 'min in', Math.round(performance.now() - t1), 'ms; events', events, 'actions', swarm.clock.executed, h.copy().digest('hex'))
await swarm.stop()
console.log('heap MB', Math.round(process.memoryUsage().heapUsed / 1e6))
