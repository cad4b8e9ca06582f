import { writeHeapSnapshot } from 'node:v8'
import { createSimSwarm } from '@peerconnect/node'
const n = Number(process.argv[2] ?? 100)
const swarm = await createSimSwarm(n, { seed: 1, loss: 0.01 })
await swarm.clock.run(Number(process.argv[3] ?? 60) * 1000)
;(globalThis as { gc?: () => void }).gc?.()
console.log('heap MB', process.memoryUsage().heapUsed / 2 ** 20)
console.log(writeHeapSnapshot('/tmp/scale/heap.heapsnapshot'))
await swarm.stop()
