/**
 * DNS rebinding and cross-site requests. A browser that fetched a page from `evil.example` which
 * then resolves to 127.0.0.1 sends `Host: evil.example`; a page of another site calling the API
 * sends its own `Origin`. The server answers only to the Host names it is known by — the address
 * it is bound to, `localhost`, and the names it is configured with (a bind to 0.0.0.0 / :: accepts
 * any IP literal) — and refuses a request to `/api` or `/metrics` whose Origin is not one of those
 * names at the server's own port (any port for a configured name, which may sit behind a proxy).
 * A browser sends no Origin on a plain cross-site GET (`<img src>`, `fetch(…, {mode: 'no-cors'})`),
 * but it does send `Sec-Fetch-Site`: anything but `same-origin` or `none` (typed in the address
 * bar) is refused too — `same-site` included, since another port of the same host is same-site.
 */
import { isIP } from 'node:net'

export interface HostGuard {
  /** The `Host` header (absent: an HTTP/1.0 client, which no browser is) is one the server answers to. */
  hostAllowed(host: unknown): boolean
  /** The `Origin` header is absent or the server's own. */
  originAllowed(origin: unknown): boolean
  /** The `Sec-Fetch-Site` header is absent (not a browser, or an old one), `same-origin` or `none`. */
  fetchSiteAllowed(site: unknown): boolean
}

/**
 * `bound`: the host the server was asked to listen on; `port()`: the port it got; `names`: extra
 * Host names it answers to. `listening(address)` adds the address it actually listens on (asked
 * for `localhost`, it is 127.0.0.1 or ::1, which its URL then names).
 */
export function createHostGuard (bound: string, port: () => number, names: readonly string[] = []): HostGuard & {
  listening(address: string): void
} {
  const wildcard = bound === '0.0.0.0' || bound === '::' || bound === '[::]'
  const configured = new Set(names.map(normalize).filter(n => n.length > 0))
  const fixed = new Set([normalize(bound), 'localhost'])
  const known = (name: string): boolean => fixed.has(name) || configured.has(name) || (wildcard && isIP(name) !== 0)
  return {
    hostAllowed (host) {
      if (host === undefined) return true
      if (typeof host !== 'string') return false
      const name = hostnameOf(host)
      return name !== undefined && known(name)
    },
    originAllowed (origin) {
      if (origin === undefined) return true
      if (typeof origin !== 'string') return false
      let url: URL
      try {
        url = new URL(origin)
      } catch {
        return false
      }
      const name = normalize(url.hostname)
      if (configured.has(name)) return url.protocol === 'http:' || url.protocol === 'https:'
      if (url.protocol !== 'http:' || !known(name)) return false
      return Number(url.port === '' ? 80 : url.port) === port()
    },
    fetchSiteAllowed: (site) => site === undefined || site === 'same-origin' || site === 'none',
    listening (address) {
      fixed.add(normalize(address))
    }
  }
}

/** The name of a Host header (`name`, `name:port`, `[v6]:port`), lowercased, or undefined when it is not one. */
export function hostnameOf (host: string): string | undefined {
  const h = host.trim()
  if (h.startsWith('[')) {
    const end = h.indexOf(']')
    if (end < 0 || !/^(:\d{1,5})?$/.test(h.slice(end + 1))) return undefined
    return normalize(h.slice(1, end))
  }
  const m = /^([^:\s/@]+)(:\d{1,5})?$/.exec(h)
  return m === null ? undefined : normalize(m[1]!)
}

function normalize (name: string): string {
  return name.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '')
}
