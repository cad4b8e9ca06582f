/**
 * The config file of `peerconnect start`: the options a node keeps from run to run, as one JSON
 * object. It is read from `--config <file>`, else from `peerconnect.json` in the data dir when
 * that file exists; flags given on the command line override it.
 *
 *   {
 *     "name": "alice",                      1–64 bytes of UTF-8
 *     "host": "0.0.0.0",                    UDP address to bind (an IP address or a host name)
 *     "port": 7000,                         0..65535 (0 picks a free port)
 *     "bootstrap": ["198.51.100.7:6881"],   nodes to join through, host:port
 *     "api": "127.0.0.1:7070",              the HTTP API's host:port, or false for none
 *     "ipLimits": "default",                "default" | "strict" | "off": the per-IP admission limits
 *     "mdns": true                          find peers on the LAN by mDNS (default true)
 *   }
 *
 * Every key is optional. An unknown key, a value of the wrong type or an address that cannot be
 * read is a ConfigError naming the file and the key: a typo must not be silently ignored.
 * This file is the one schema of the config; options added to `start` that a node keeps belong
 * here too.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseHostPort } from './address.js'
import type { HostPort } from './address.js'

/** The config file's name in a data dir. */
export const CONFIG_FILE = 'peerconnect.json'
/** Larger than any sensible config: refused before parsing. */
export const MAX_CONFIG_BYTES = 64 * 1024
/** The most bootstrap nodes a config may list. */
export const MAX_BOOTSTRAP = 256
export const IP_LIMITS = ['default', 'strict', 'off'] as const

export interface NodeConfig {
  readonly name?: string
  readonly host?: string
  readonly port?: number
  readonly bootstrap?: readonly HostPort[]
  /** The API's address, or false for a node without the API. */
  readonly api?: HostPort | false
  readonly ipLimits?: typeof IP_LIMITS[number]
  /** LAN discovery by mDNS (default on). */
  readonly mdns?: boolean
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'ERR_CONFIG'
  readonly exitCode = 2
}

/** Each key: what it must be, and its check (returns the value or throws a message). */
const KEYS: Readonly<Record<keyof NodeConfig, (v: unknown) => unknown>> = {
  name: v => {
    if (typeof v !== 'string' || v.length === 0) throw new ConfigError('must be a non-empty string')
    if (Buffer.byteLength(v, 'utf8') > 64) throw new ConfigError('is longer than 64 UTF-8 bytes')
    return v
  },
  host: v => {
    if (typeof v !== 'string') throw new ConfigError('must be a string (an IP address to bind)')
    checkHost(v)
    return v
  },
  port: v => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) {
      throw new ConfigError(`must be an integer 0..65535, got ${JSON.stringify(v)}`)
    }
    return v
  },
  bootstrap: v => {
    if (!Array.isArray(v)) throw new ConfigError('must be an array of "host:port" strings')
    if (v.length > MAX_BOOTSTRAP) throw new ConfigError(`lists more than ${MAX_BOOTSTRAP} nodes`)
    return v.map((s: unknown, i) => {
      try {
        return parseHostPort(s)
      } catch (err) {
        throw new ConfigError(`[${i}]: ${(err as Error).message}`)
      }
    })
  },
  api: v => {
    if (v === false) return false
    const bad = new ConfigError(`must be "host:port" or false, got ${JSON.stringify(v)}`)
    if (typeof v !== 'string') throw bad
    try {
      return parseHostPort(v, { allowZero: true })
    } catch {
      throw bad
    }
  },
  mdns: v => {
    if (typeof v !== 'boolean') throw new ConfigError(`must be true or false, got ${JSON.stringify(v)}`)
    return v
  },
  ipLimits: v => {
    if (!(IP_LIMITS as readonly unknown[]).includes(v)) {
      throw new ConfigError(`must be ${IP_LIMITS.map(l => JSON.stringify(l)).join(' or ')}, got ${JSON.stringify(v)}`)
    }
    return v
  }
}

/** Checks parsed JSON against the schema. `where` names the file in messages. Throws ConfigError. */
export function parseConfig (x: unknown, where: string): NodeConfig {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ConfigError(`${where}: the config must be a JSON object`)
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(x)) {
    const check = KEYS[key as keyof NodeConfig]
    if (check === undefined || !Object.hasOwn(KEYS, key)) {
      throw new ConfigError(`${where}: unknown key ${JSON.stringify(key)} (known: ${Object.keys(KEYS).join(', ')})`)
    }
    try {
      out[key] = check(value)
    } catch (err) {
      const why = (err as Error).message
      throw new ConfigError(`${where}: ${key}${why.startsWith('[') ? '' : ' '}${why}`)
    }
  }
  return out
}

/** Reads and checks a config file. A missing file is an error unless `optional` (then undefined). */
export async function loadConfig (file: string, opts: { optional?: boolean } = {}): Promise<NodeConfig | undefined> {
  let text: string
  try {
    const bytes = await readFile(file)
    if (bytes.length > MAX_CONFIG_BYTES) throw new ConfigError(`${file}: larger than ${MAX_CONFIG_BYTES / 1024} KiB`)
    text = bytes.toString('utf8')
  } catch (err) {
    if (err instanceof ConfigError) throw err
    const code = (err as { code?: unknown }).code
    if (code === 'ENOENT' && opts.optional === true) return undefined
    throw new ConfigError(code === 'ENOENT' ? `${file}: no such file` : `cannot read ${file}: ${(err as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`)
  }
  return parseConfig(json, file)
}

/** The config file of a data dir (it may not exist). */
export function configIn (dataDir: string): string {
  return join(dataDir, CONFIG_FILE)
}

/** A host to bind: an IP address, or a host name (letters, digits, dots, dashes). Throws. */
export function checkHost (host: string): void {
  try {
    parseHostPort(`${host.includes(':') ? `[${host}]` : host}:1`)
  } catch {
    throw new ConfigError(`is not an address: ${JSON.stringify(host)}`)
  }
  if (!host.includes(':') && !/^[A-Za-z0-9.-]{1,253}$/.test(host)) throw new ConfigError(`is not an address: ${JSON.stringify(host)}`)
}
