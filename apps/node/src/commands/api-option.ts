/**
 * The `--api host:port` and `--api-token` options of `start` and `demo`. The API binds 127.0.0.1
 * unless told otherwise; bound anywhere else it needs a token, and the node refuses to start
 * without one.
 */
import { isLoopback } from '@peerconnect/ui-bridge/auth'
import { UsageError, str } from '../cli-args.js'
import type { Parsed } from '../cli-args.js'
import { formatHostPort, parseHostPort } from '../address.js'
import { TOKEN_ENV } from '../constants.js'

export interface ApiOption {
  host: string
  port: number
  token?: string
}

/** `--api` (or `fallback`) and the token from `--api-token` or the environment. Throws UsageError. */
export function apiOption (values: Parsed['values'], fallback: string, env: NodeJS.ProcessEnv = process.env,
  fallbackFrom = '--api'): ApiOption {
  const from = str(values.api) !== undefined ? '--api' : fallbackFrom
  const addr = parseHostPort(str(values.api) ?? fallback, { allowZero: true })
  const given = str(values['api-token']) ?? env[TOKEN_ENV]
  const token = given === undefined || given === '' ? undefined : given
  if (token !== undefined && !TOKEN.test(token)) throw new UsageError('the API token must be 1..1024 characters without spaces')
  if (token === undefined && !isLoopback(addr.host)) {
    throw new UsageError(
      `${from} ${formatHostPort(addr)} is reachable from other hosts, so it needs a token: pass --api-token <token> or set ${TOKEN_ENV} ` +
        `(or bind 127.0.0.1)`
    )
  }
  return token === undefined ? addr : { ...addr, token }
}

/** Says on stderr that an API bound to a non-loopback host requires its token. */
export function notifyExposed (host: string, url: string): void {
  if (isLoopback(host)) return
  process.stderr.write(
    `note: the API at ${url} is reachable from other hosts; every /api and /metrics request needs "Authorization: Bearer <token>" ` +
      `(the page asks for it)\n`
  )
}

const TOKEN = /^\S{1,1024}$/
