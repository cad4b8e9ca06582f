/** Small HTTP and WebSocket client helpers for the server tests. */
import { WebSocket } from 'ws'
import type { FakeBackend } from './fake-backend.js'
import { createUiServer } from '../src/server.js'
import type { UiServer, UiServerOptions } from '../src/server.js'

export interface Answer {
  status: number
  headers: Headers
  text: string
  json: unknown
}

export async function get (url: string, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { headers, ...init })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

/** The `{error: {code}}` of a JSON error answer, or undefined. */
export function errorCode (a: Answer): unknown {
  return (a.json as { error?: { code?: unknown } } | undefined)?.error?.code
}

/** Starts a server on 127.0.0.1:0 for `fn` and always closes it. */
export async function withServer<T> (backend: FakeBackend, opts: UiServerOptions, fn: (server: UiServer) => Promise<T>): Promise<T> {
  const server = await createUiServer(backend, { processMetrics: false, ...opts })
  try {
    return await fn(server)
  } finally {
    await server.close()
  }
}

/** Reads an NDJSON body line by line, parsed. */
export async function* ndjson (res: Response): AsyncGenerator<unknown> {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += decoder.decode(value, { stream: true })
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        if (line.length > 0) yield JSON.parse(line)
      }
    }
    if (buffer.trim().length > 0) yield JSON.parse(buffer)
  } finally {
    reader.releaseLock()
  }
}

/** A WebSocket client that queues messages so a test can await them one by one. */
export interface WsClient {
  readonly socket: WebSocket
  next(): Promise<unknown>
  /** Resolves with the close code. */
  readonly closed: Promise<number>
  close(): void
}

export function wsUrl (httpUrl: string, path = '/api/events'): string {
  return httpUrl.replace(/^http/, 'ws') + path
}

export function connectWs (url: string, headers: Record<string, string> = {}): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers })
    const queue: unknown[] = []
    const waiting: Array<(m: unknown) => void> = []
    let closeCode: (code: number) => void
    const closed = new Promise<number>(resolve => {
      closeCode = resolve
    })
    socket.on('message', data => {
      const m: unknown = JSON.parse((data as Buffer).toString('utf8'))
      const w = waiting.shift()
      if (w !== undefined) w(m)
      else queue.push(m)
    })
    socket.on('close', code => closeCode(code))
    socket.once('error', reject)
    socket.once('unexpected-response',
      (_req, res) => reject(Object.assign(new Error(`unexpected ${res.statusCode}`), { status: res.statusCode })))
    socket.once('open', () => resolve({
      socket,
      next: () => queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise(resolve => waiting.push(resolve)),
      closed,
      close: () => socket.close()
    }))
  })
}
