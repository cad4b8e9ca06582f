/**
 * The inline host: runs an actor on the calling thread. Messages for it wait in a mailbox that
 * drains on a microtask, so delivery is asynchronous exactly as across a thread (an actor never
 * re-enters itself through a reply) but costs no copy. Light enough for hundreds of nodes ×
 * six actors in one process.
 */
import { threadId } from 'node:worker_threads'
import type { Message } from '@peerconnect/protocol'
import type { ActorSpec } from './contract.js'
import type { ActorHost, HostOptions } from './host.js'
import { createActorCore } from './actor-core.js'
import type { ActorCore } from './actor-core.js'
import { localControl } from './control.js'

export function startInlineHost (spec: ActorSpec, opts: HostOptions): ActorHost {
  const { events } = opts
  let mailbox: Message[] = []
  let head = 0
  let scheduled = false
  let alive = true
  let core: ActorCore | undefined

  const drain = (): void => {
    scheduled = false
    while (alive && head < mailbox.length) {
      const msg = mailbox[head]!
      head++
      core!.deliver(msg)
    }
    mailbox = []
    head = 0
  }
  const end = async (): Promise<void> => {
    alive = false
    mailbox = []
    head = 0
    core?.stop()
  }

  core = createActorCore(spec, {
    deps: opts.deps,
    snapshot: opts.snapshot,
    askTimeout: opts.askTimeout,
    allowFaults: opts.allowFaults,
    send: (msg) => {
      if (alive) events.send(msg)
    },
    onFatal: (err) => {
      if (!alive) return
      alive = false
      queueMicrotask(() => {
        core?.stop()
        events.crash(err)
      })
    },
    onComplete: () => {
      queueMicrotask(() => {
        if (alive) events.complete()
      })
    }
  })
  if (alive) {
    queueMicrotask(() => {
      if (alive) events.ready()
    })
  }

  return {
    kind: 'inline',
    threadId,
    control: localControl(core),
    deliver (msg) {
      if (!alive) return
      mailbox.push(msg)
      if (!scheduled) {
        scheduled = true
        queueMicrotask(drain)
      }
    },
    queueDepth: () => mailbox.length - head,
    stop: end,
    kill: end
  }
}
