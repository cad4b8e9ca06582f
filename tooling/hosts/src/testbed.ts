/**
 * A testbed of N hosts as Linux network namespaces. Each host has
 *
 *   eth0  on a data bridge: an IPv4 address in 10.231.0.0/24 and an IPv6 ULA in fd31::/64 (nodad);
 *         the peer-to-peer traffic. Hosts sit on one of two segments (bridges) joined by a veth
 *         pair, "the cable", that `cut()` takes down and `heal()` brings up.
 *   eth1  on a management bridge (10.232.N.0/24) that the process driving the testbed also sits
 *         on (10.232.N.254): the nodes' HTTP APIs are reached there, and a cut cable does not
 *         cut the driver off from either half. N is a slot of its own (a lock file per slot), so
 *         testbeds running at once do not put the same subnet on two bridges of the root namespace.
 *
 * Hosts may also sit behind a NAT router: a namespace with one leg on the data segment 0 and one
 * on a private LAN (192.168.77.0/24) whose hosts reach the data network only through its
 * MASQUERADE rule.
 *
 * Everything it makes carries the run's tag (`pch<pid in base 36>-…`), so a run killed before it could clean
 * up is removed by the next one (`sweepStale`), and `close()` (also called on exit and on
 * SIGINT/SIGTERM) removes every namespace, link and process of this run.
 */
import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, readdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const DATA4 = '10.231.0.'
export const DATA6 = 'fd31::'
export const LAN4 = '192.168.77.'
const PREFIX = 'pch'
const SLOTS = 250

export interface TestbedOptions {
  /** Number of hosts (1..100). */
  readonly hosts: number
  /** Hosts with an index ≥ this are on segment 1 (behind the cable). Default: all on segment 0. */
  readonly split?: number
  /** Indexes of hosts that sit behind one NAT router instead of on the data network. */
  readonly natted?: readonly number[]
}

export interface Host {
  readonly index: number
  readonly name: string
  /** The namespace's name. */
  readonly ns: string
  /** Data address (what peers use); behind the NAT, the LAN address. */
  readonly ip4: string
  /** IPv6 ULA on the data network; undefined behind the NAT. */
  readonly ip6: string | undefined
  /** The management address (the APIs listen here). */
  readonly mgmt: string
  readonly segment: 0 | 1
  readonly natted: boolean
}

export interface Spawned {
  readonly host: Host
  readonly child: ChildProcess
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>
}

export interface Testbed {
  readonly tag: string
  readonly hosts: readonly Host[]
  /** This testbed's management subnet, `10.232.N.` (the driver is `.254` on it). */
  readonly mgmtPrefix: string
  /** The NAT router's address on the data network, when there is one. */
  readonly natPublic: string | undefined
  /** A scratch directory for this run (node data dirs), removed by close(). */
  readonly dir: string
  /** Runs a program inside a host's namespace; its process group is killed by close(). */
  spawn(host: Host, argv: readonly string[], env?: NodeJS.ProcessEnv): Spawned
  /** Runs a command inside a host's namespace and returns its stdout. */
  exec(host: Host, argv: readonly string[]): string
  /** Takes the cable between the two segments down (a partition). */
  cut(): void
  heal(): void
  /** Kills every process, removes every namespace, link and the scratch directory. Safe twice. */
  close(): Promise<void>
}

/** Why this machine cannot run the testbed, or undefined when it can (root, `ip netns`, bridges). */
export function unavailable (): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (network namespaces need CAP_NET_ADMIN)'
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' })
  } catch (err) {
    return `\`ip netns\` does not work here: ${(err as Error).message.split('\n')[0]}`
  }
  return undefined
}

/** Removes what runs whose process is gone left behind. Returns the namespaces removed. */
export function sweepStale (): string[] {
  const removed: string[] = []
  for (const ns of listNamespaces()) {
    const m = new RegExp(`^${PREFIX}([0-9a-z]+)-`).exec(ns)
    if (m === null) continue
    const pid = parseInt(m[1]!, 36)
    if (alive(pid)) continue
    quiet('ip', ['netns', 'del', ns])
    removed.push(ns)
  }
  for (const link of listLinks()) {
    const m = new RegExp(`^${PREFIX}([0-9a-z]+)-`).exec(link)
    if (m !== null && !alive(parseInt(m[1]!, 36))) quiet('ip', ['link', 'del', link])
  }
  return removed
}

export function createTestbed (opts: TestbedOptions): Testbed {
  if (!Number.isInteger(opts.hosts) || opts.hosts < 1 || opts.hosts > 100) throw new RangeError('hosts: an integer 1..100')
  const why = unavailable()
  if (why !== undefined) throw Object.assign(new Error(`the testbed cannot run here: ${why}`), { code: 'ERR_NO_TESTBED' })
  sweepStale()
  const tag = `${PREFIX}${process.pid.toString(36)}`
  const slot = claimSlot()
  const MGMT4 = `10.232.${slot.n}.`
  const split = opts.split ?? opts.hosts
  const natted = new Set(opts.natted ?? [])
  const dir = mkdtempSync(join(tmpdir(), `${tag}-`))
  const children = new Set<Spawned>()
  const made = { namespaces: [] as string[], links: [] as string[] }
  let closed = false

  const ip = (...args: string[]): void => {
    run('ip', args)
  }
  const inNs = (ns: string, ...args: string[]): void => {
    run('ip', ['netns', 'exec', ns, ...args])
  }
  const addNs = (ns: string): void => {
    ip('netns', 'add', ns)
    made.namespaces.push(ns)
    ip('-n', ns, 'link', 'set', 'lo', 'up')
  }
  const addBridge = (name: string): void => {
    ip('link', 'add', name, 'type', 'bridge')
    made.links.push(name)
    run('sh', ['-c', `echo 0 > /sys/class/net/${name}/bridge/multicast_snooping`])
    ip('link', 'set', name, 'up')
  }
  /** A veth from the root namespace (`outer`, on `bridge`) into `ns` (named `inner` there). */
  const plug = (outer: string, bridge: string, ns: string, inner: string): void => {
    ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', ns)
    made.links.push(outer)
    ip('link', 'set', outer, 'master', bridge, 'up')
    ip('-n', ns, 'link', 'set', inner, 'up')
  }

  /** On exit only synchronous work runs: kill, remove, done. */
  const sync = (): void => {
    cleanupSync()
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanupSync()
    process.kill(process.pid, signal)
  }

  const cleanupSync = (): void => {
    if (closed) return
    closed = true
    process.off('exit', sync)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    for (const c of children) killGroup(c.child, 'SIGKILL')
    for (const ns of made.namespaces) quiet('ip', ['netns', 'del', ns])
    for (const link of made.links) quiet('ip', ['link', 'del', link])
    rmSync(dir, { recursive: true, force: true })
    slot.release()
  }

  const close = async (): Promise<void> => {
    if (closed) return
    for (const c of children) killGroup(c.child, 'SIGTERM')
    await Promise.race([Promise.all([...children].map(async c => await c.exited)), sleep(5_000)])
    cleanupSync()
  }

  process.once('exit', sync)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  const hosts: Host[] = []
  let natPublic: string | undefined
  try {
    const data = [`${tag}-d0`, `${tag}-d1`]
    const mgmt = `${tag}-m`
    addBridge(data[0]!)
    addBridge(data[1]!)
    addBridge(mgmt)
    ip('addr', 'add', `${MGMT4}254/24`, 'dev', mgmt)
    // The cable: a veth pair between the two data bridges.
    ip('link', 'add', `${tag}-c0`, 'type', 'veth', 'peer', 'name', `${tag}-c1`)
    made.links.push(`${tag}-c0`)
    ip('link', 'set', `${tag}-c0`, 'master', data[0]!, 'up')
    ip('link', 'set', `${tag}-c1`, 'master', data[1]!, 'up')

    let lan: string | undefined
    if (natted.size > 0) {
      const router = `${tag}-nat`
      lan = `${tag}-l`
      addNs(router)
      addBridge(lan)
      natPublic = `${DATA4}200`
      plug(`${tag}-rw`, data[0]!, router, 'wan')
      plug(`${tag}-rl`, lan, router, 'lan')
      ip('-n', router, 'addr', 'add', `${natPublic}/24`, 'dev', 'wan')
      ip('-n', router, 'addr', 'add', `${LAN4}1/24`, 'dev', 'lan')
      inNs(router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
      inNs(router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE')
      // A NAT, not a firewall-less router: the outside reaches the LAN only through mappings the inside made.
      inNs(router, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-o', 'lan', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j',
        'ACCEPT')
      inNs(router, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-o', 'lan', '-j', 'DROP')
    }

    for (let i = 0; i < opts.hosts; i++) {
      const ns = `${tag}-h${i}`
      const behindNat = natted.has(i)
      const segment: 0 | 1 = i >= split ? 1 : 0
      addNs(ns)
      let ip4: string
      let ip6: string | undefined
      if (behindNat) {
        ip4 = `${LAN4}${i + 10}`
        plug(`${tag}-v${i}`, lan!, ns, 'eth0')
        ip('-n', ns, 'addr', 'add', `${ip4}/24`, 'dev', 'eth0')
        ip('-n', ns, 'route', 'add', `${DATA4}0/24`, 'via', `${LAN4}1`)
      } else {
        ip4 = `${DATA4}${i + 1}`
        ip6 = `${DATA6}${(i + 1).toString(16)}`
        plug(`${tag}-v${i}`, data[segment]!, ns, 'eth0')
        ip('-n', ns, 'addr', 'add', `${ip4}/24`, 'dev', 'eth0')
        ip('-n', ns, '-6', 'addr', 'add', `${ip6}/64`, 'dev', 'eth0', 'nodad')
      }
      // The management leg last, so the host's first interface (what a node bound to a wildcard
      // advertises) is its data interface, as on a machine whose management network is an extra.
      const mgmtAddr = `${MGMT4}${i + 1}`
      plug(`${tag}-m${i}`, mgmt, ns, 'eth1')
      ip('-n', ns, 'addr', 'add', `${mgmtAddr}/24`, 'dev', 'eth1')
      hosts.push({ index: i, name: `h${i}`, ns, ip4, ip6, mgmt: mgmtAddr, segment, natted: behindNat })
    }
  } catch (err) {
    cleanupSync()
    throw err
  }

  return {
    tag,
    hosts,
    mgmtPrefix: MGMT4,
    natPublic,
    dir,
    spawn (host, argv, env) {
      if (closed) throw new Error('the testbed is closed')
      const child = spawn('ip', ['netns', 'exec', host.ns, ...argv], { detached: true, stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env } })
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
      })
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString()
      })
      const exited = new Promise<number | string>(resolve => child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown')))
      const s: Spawned = { host, child, output: () => out, exited }
      children.add(s)
      void exited.then(() => children.delete(s))
      return s
    },
    exec (host, argv) {
      return execFileSync('ip', ['netns', 'exec', host.ns, ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    },
    cut () {
      ip('link', 'set', `${tag}-c0`, 'down')
    },
    heal () {
      ip('link', 'set', `${tag}-c0`, 'up')
    },
    close
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function run (cmd: string, args: readonly string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const out = (err as { stderr?: unknown }).stderr
    const stderr = (typeof out === 'string' || Buffer.isBuffer(out) ? out.toString() : '').trim()
    throw new Error(`${cmd} ${args.join(' ')}: ${stderr || (err as Error).message}`, { cause: err })
  }
}

/**
 * A management subnet no other live testbed holds: slot N is held by the file
 * `$TMPDIR/pch-slot-N` (created exclusively, holding the owner's pid); a slot whose owner is gone
 * is taken over.
 */
function claimSlot (): { n: number, release: () => void } {
  for (let n = 0; n < SLOTS; n++) {
    const file = join(tmpdir(), `${PREFIX}-slot-${n}`)
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, String(process.pid), { flag: 'wx' })
        return { n, release: () => {
          if (readOwner(file) === process.pid) rmSync(file, { force: true })
        } }
      } catch {
        const owner = readOwner(file)
        if (owner !== undefined && alive(owner)) break
        rmSync(file, { force: true })
      }
    }
  }
  throw new Error(`every one of the ${SLOTS} management subnets is held by a running testbed`)
}

function readOwner (file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8'))
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function quiet (cmd: string, args: readonly string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' })
  } catch {}
}

function listNamespaces (): string[] {
  if (existsSync('/run/netns')) return readdirSync('/run/netns')
  try {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map(l => l.split(' ')[0]!).filter(Boolean)
  } catch {
    return []
  }
}

function listLinks (): string[] {
  try {
    return readdirSync('/sys/class/net')
  } catch {
    return []
  }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM'
  }
}

function killGroup (child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {}
}

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms).unref())
}
