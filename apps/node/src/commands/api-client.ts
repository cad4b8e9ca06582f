/**
 * The HTTP client of `search`, `peers`, `lookup` and `status`: `fetch` against a node's API with
 * its token, JSON answers checked by guards, NDJSON read line by line as it arrives. Failures are
 * errors with a stable `code` and the exit code the command should end with: the node cannot be
 * reached (1), the API refused the input (400 → 2), anything else (1).
 */
import type { ReadableStreamReadResult } from 'node:stream/web'
import { TOKEN_ENV } from '../constants.js'
import { invocation } from './invocation.js'

export interface ApiClient {
  readonly url: string
  /** GETs `path` and returns its JSON if `guard` accepts it. */
  get<T>(path: string, guard: (x: unknown) => x is T, opts?: { timeout?: number }): Promise<T>
  /** GETs `path` and yields each NDJSON line, parsed, as it arrives. */
  lines(path: string, opts?: { timeout?: number }): AsyncGenerator<unknown>
}

/** The node did not answer at all (not running, wrong address, timed out). Exit 1. */
export class NodeUnreachableError extends Error {
  override readonly name = 'NodeUnreachableError'
  readonly code = 'ERR_UNREACHABLE'
  readonly exitCode = 1
}

/** The API answered with an error: `code` is the API's. 400 exits 2, the rest 1. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly exitCode: number
  constructor (readonly code: string, message: string, readonly status: number) {
    super(message)
    this.exitCode = status === 400 ? 2 : 1
  }
}

/** The API answered something that is not what the route promises. Exit 1. */
export class BadAnswerError extends Error {
  override readonly name = 'BadAnswerError'
  readonly code = 'ERR_BAD_ANSWER'
  readonly exitCode = 1
}

export const DEFAULT_TIMEOUT = 20_000

export function createApiClient (url: string, opts: { token?: string } = {}): ApiClient {
  const headers: Record<string, string> = { accept: 'application/json, application/x-ndjson' }
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`

  const request = async (path: string, timeout: number): Promise<Response> => {
    let res: Response
    try {
      res = await fetch(url + path, { headers, signal: AbortSignal.timeout(timeout) })
    } catch (err) {
      throw unreachable(url, err, timeout)
    }
    if (!res.ok) throw await apiError(res)
    return res
  }

  return {
    url,
    async get (path, guard, o = {}) {
      const res = await request(path, o.timeout ?? DEFAULT_TIMEOUT)
      let body: unknown
      try {
        body = await res.json()
      } catch (err) {
        throw new BadAnswerError(`the node at ${url} sent a body that is not JSON (${String((err as Error).message)})`)
      }
      if (!guard(body)) throw new BadAnswerError(`the node at ${url} answered ${path} with an unexpected shape`)
      return body
    },
    async *lines (path, o = {}) {
      const timeout = o.timeout ?? DEFAULT_TIMEOUT
      const res = await request(path, timeout)
      if (res.body === null) return
      const reader = res.body.getReader()
      const decoder = new TextDecoder()
      let buffer = ''
      try {
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>
          try {
            chunk = await reader.read()
          } catch (err) {
            throw unreachable(url, err, timeout)
          }
          if (chunk.done) break
          buffer += decoder.decode(chunk.value, { stream: true })
          let nl: number
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).trim()
            buffer = buffer.slice(nl + 1)
            if (line !== '') yield parseLine(line, url)
          }
        }
        if (buffer.trim() !== '') yield parseLine(buffer.trim(), url)
      } finally {
        await reader.cancel().catch(() => {})
      }
    }
  }
}

/** `--api` as given (a URL, or host:port) → `http://host:port` without a trailing slash. */
export function normalizeApiUrl (s: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `http://${s}`
  let u: URL
  try {
    u = new URL(withScheme)
  } catch {
    return undefined
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') {
    return undefined
  }
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function unreachable (url: string, err: unknown, timeout: number): NodeUnreachableError {
  const e = err as { name?: unknown, cause?: { code?: unknown, message?: unknown } } | null
  if (e?.name === 'TimeoutError') {
    return new NodeUnreachableError(`the node at ${url} did not answer within ${Math.round(timeout / 1000)} s`)
  }
  const reason = typeof e?.cause?.code === 'string' ? e.cause.code : typeof e?.cause?.message === 'string' ? e.cause.message : undefined
  const why = reason === undefined ? '' : ` (${reason})`
  return new NodeUnreachableError(
    `cannot reach the node at ${url}${why}: is it running? Start one with \`${invocation()} start\` (or the demo: \`pnpm start\` in ` +
      `the repository), or pass --api`
  )
}

async function apiError (res: Response): Promise<ApiError> {
  let body: unknown
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  const error = (body as { error?: { code?: unknown, message?: unknown } } | undefined)?.error
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`
  let message = typeof error?.message === 'string' ? error.message : `HTTP ${res.status} ${res.statusText}`
  if (res.status === 401) message += ` (pass --token or set ${TOKEN_ENV})`
  else if (res.status !== 400 && !message.includes(code)) message += ` (${code})`
  return new ApiError(code, message, res.status)
}

function parseLine (line: string, url: string): unknown {
  try {
    return JSON.parse(line)
  } catch {
    throw new BadAnswerError(`the node at ${url} sent a line that is not JSON`)
  }
}
