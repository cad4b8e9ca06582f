/**
 * The ui-bridge actor: on subscribe it starts the HTTP server (`createUiServer`) with a backend
 * answered by asks to the other actors, publishes `ui.ready {url}` once it listens and answers
 * `ui.info`; it keeps the live peer list from `routing.peer.added/removed` and `liveness.status`
 * plus a sweep every `checkInterval`; unsubscribing closes the server, its sockets and timers.
 * A server that cannot listen does not crash the actor: `ui.info` then answers the error
 * (`ERR_ADDRESS_IN_USE`, `ERR_TOKEN_REQUIRED`, `ERR_API_LISTEN` …). Written with the runtime's
 * actor kit: the handler table is what it consumes; a request of another type gets ERR_UNKNOWN_TYPE.
 */
import { filter, from, map, mergeMap, shareReplay } from 'rxjs'
import type { Observable } from 'rxjs'
import { errorReply, isLivenessStatus, isRoutingPeerAdded, isRoutingPeerRemoved, reply, toErrorData } from '@peerconnect/protocol'
import type { ErrorData, UiInfoReply, UiReady } from '@peerconnect/protocol'
import { consumesOf, kitActor, snapshotMessage } from '@peerconnect/runtime'
import type { ActorDefinition, ActorDeps, ActorFn } from '@peerconnect/runtime'
import { createBridge } from './bridge.js'
import type { Bridge } from './bridge.js'
import { AddressInUseError, ApiListenError } from './errors.js'
import { errorCode } from './ask.js'
import { settingsOf } from './init.js'
import type { Settings, UiBridgeInit } from './init.js'
import { createNodeBackend } from './node-backend.js'
import { createUiServer } from './server.js'
import type { UiServer } from './server.js'
import { sweep$ } from './sweep.js'
import { REBIND_ATTEMPTS, REBIND_DELAY } from './constants.js'

type Listening = { ok: true, url: string } | { ok: false, error: ErrorData }

/** What the handlers share during one run: the bridge (view, names, events), the server, whether it listens. */
export interface UiContext {
  readonly bridge: Bridge
  readonly server: { close(): void }
  /** Settles once: the URL the server listens on, or why it cannot. */
  readonly listening$: Observable<Listening>
}

/** The ui-bridge actor: its handlers, the server started with its context, `ui.ready` and the sweep in the background. */
export const uiBridgeDefinition = {
  name: 'ui-bridge',
  worker: new URL('./worker.js', import.meta.url),
  context: (init: UiBridgeInit, deps: ActorDeps): UiContext => {
    const settings = settingsOf(init)
    const bridge = createBridge(settings, deps)
    const server = startServer(bridge, settings, deps)
    return { bridge, server, listening$: from(server.listening).pipe(shareReplay(1)) }
  },
  handlers: {
    'ui.info': (m, { listening$ }) =>
      listening$.pipe(map(l => l.ok ? reply<UiInfoReply>(m, { type: 'ui.info.reply', url: l.url }) : errorReply(m, l.error))),
    'routing.peer.added': (m, { bridge }) => {
      if (isRoutingPeerAdded(m)) bridge.emit(bridge.view.add(m.contact))
    },
    'routing.peer.removed': (m, { bridge }) => {
      if (isRoutingPeerRemoved(m)) bridge.emit(bridge.view.remove(m.contact))
    },
    'liveness.status': (m, { bridge }) => {
      if (isLivenessStatus(m)) bridge.emit(bridge.view.checked(m))
    }
  },
  background: ({ bridge, listening$ }) => [
    listening$.pipe(filter(l => l.ok), mergeMap(l => [
      { type: 'ui.ready', url: (l as { url: string }).url } satisfies UiReady,
      // Kept by the host across a restart: a server on port 0 comes back on the port it had.
      snapshotMessage({ port: portOf((l as { url: string }).url) })
    ])),
    sweep$(bridge)
  ],
  stop: ({ bridge, server }) => {
    bridge.close()
    server.close()
  }
} satisfies ActorDefinition<UiBridgeInit, UiContext>

/** The message types the actor consumes (its handlers and actor.cancel). */
export const UI_CONSUMES: readonly string[] = consumesOf(uiBridgeDefinition.handlers)

/** The actor's stream function (for tests that drive it without a supervisor). */
export function uiBridgeActor (init: UiBridgeInit): ActorFn {
  return kitActor(uiBridgeDefinition, init)
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/**
 * Starts the server; `close()` at any time (before it listens too) stops it. Asked for port 0
 * after a restart, it first tries the port it had (the snapshot), then a free one.
 */
function startServer (bridge: Bridge, settings: Settings, deps: ActorDeps): { listening: Promise<Listening>, close(): void } {
  let server: UiServer | undefined
  let closed = false
  const backend = createNodeBackend(bridge)
  const start = async (port: number): Promise<UiServer> =>
    await createUiServer(backend, {
      host: settings.host,
      port,
      token: settings.token,
      logger: deps.log,
      processMetrics: settings.processMetrics,
      allowedHosts: settings.allowedHosts
    })
  const had = settings.port === 0 ? previousPort(deps.snapshot) : undefined
  const first = had === undefined ? start(settings.port) : takeBack(had, start, deps)
  const listening = first.then((s): Listening => {
    server = s
    if (closed) void s.close()
    bridge.url = s.url
    deps.log.info('api listening', { url: s.url })
    return { ok: true, url: s.url }
  }, (err: unknown): Listening => {
    const error = listenError(err, settings)
    deps.log.error('api cannot listen', { code: error.code, message: error.message })
    return { ok: false, error }
  })
  return {
    listening,
    close () {
      closed = true
      void server?.close()
    }
  }
}

function listenError (err: unknown, { host, port }: Settings): ErrorData {
  const code = errorCode(err)
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`
  if (code === 'EADDRINUSE') return toErrorData(new AddressInUseError(`the API address ${where} is in use by another program (EADDRINUSE)`))
  if (code?.startsWith('ERR_') === true) return toErrorData(err)
  return toErrorData(
    new ApiListenError(`the API cannot listen on ${where}: ${String((err as { message?: unknown } | null)?.message ?? err)}`)
  )
}

/**
 * Listens on `port` again; the crashed incarnation may still be closing it, so EADDRINUSE is retried a while before a
 * free port is taken.
 */
async function takeBack (port: number, start: (port: number) => Promise<UiServer>, deps: ActorDeps): Promise<UiServer> {
  for (let attempt = 1;; attempt++) {
    try {
      return await start(port)
    } catch (err) {
      if (notBusy(err) || attempt >= REBIND_ATTEMPTS) {
        deps.log.warn('api cannot take back its port; taking a free one', { port, code: errorCode(err) })
        return await start(0)
      }
      await new Promise(resolve => setTimeout(resolve, REBIND_DELAY))
    }
  }
}

/** Only a busy port is worth waiting for. */
function notBusy (err: unknown): boolean {
  return errorCode(err) !== 'EADDRINUSE'
}

function previousPort (snapshot: unknown): number | undefined {
  const port = (snapshot as { port?: unknown } | undefined)?.port
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined
}

function portOf (url: string): number {
  return Number(new URL(url).port)
}
