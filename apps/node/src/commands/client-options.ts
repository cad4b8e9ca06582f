/** The options every client command shares (`--api`, `--token`, `--json`) and the client they make. */
import type { OptionSpec, Parsed } from '../cli-args.js'
import { UsageError, str } from '../cli-args.js'
import { API_ENV, DEFAULT_API_URL, TOKEN_ENV } from '../constants.js'
import { createApiClient, normalizeApiUrl } from './api-client.js'
import type { ApiClient } from './api-client.js'

export const CLIENT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  api: { type: 'string', value: 'url', help: `the node's API (or set ${API_ENV}; default ${DEFAULT_API_URL})` },
  token: { type: 'string', value: 'token', help: `the API's bearer token (or set ${TOKEN_ENV})` },
  json: { type: 'boolean', help: 'print JSON instead of text' }
}

/** The client for `--api` / PEERCONNECT_API / the default, with `--token` / PEERCONNECT_API_TOKEN. Throws UsageError. */
export function clientFrom (values: Parsed['values'], env: NodeJS.ProcessEnv = process.env): ApiClient {
  const given = str(values.api) ?? nonEmpty(env[API_ENV]) ?? DEFAULT_API_URL
  const url = normalizeApiUrl(given)
  if (url === undefined) throw new UsageError(`--api must be an http:// URL such as ${DEFAULT_API_URL}, got ${JSON.stringify(given)}`)
  const token = str(values.token) ?? nonEmpty(env[TOKEN_ENV])
  if (token !== undefined && !/^\S{1,1024}$/.test(token)) throw new UsageError('the token must be 1..1024 characters without spaces')
  return createApiClient(url, token === undefined ? {} : { token })
}

/** Prints one JSON value on a line. */
export function printJson (x: unknown): void {
  process.stdout.write(JSON.stringify(x) + '\n')
}

function nonEmpty (s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s
}
