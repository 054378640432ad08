/**
 * The lab's network: Linux network namespaces joined by veth pairs to one bridge (the "internet", itself in a
 * namespace, so the machine's own interfaces are never touched), with NAT routers (nftables masquerade, no inbound)
 * in front of chosen nodes, loss by an nftables rule, bandwidth by a tbf qdisc. Every name starts with PREFIX, so
 * `cleanup()` removes whatever an interrupted run left. Only addresses inside these namespaces are used:
 * 10.77.0.0/16 for the bridge, 10.78.<n>.0/24 behind the n-th NAT.
 *
 * Latency: this kernel has no sch_netem (nor fq_codel or prio), so `tc netem` is unavailable. With
 * `createInternet({ routed: true })` the "inet" namespace is a router instead of a bridge: each host gets a /32 and
 * a route to 10.77.0.0/16 through it, and everything it forwards is policy-routed into a TUN device that the
 * userspace delay line (lab/delay.ts, lab/delayline.py) reads, delays, thins and writes back. Addresses are the
 * hosts' own all the way (no proxy, no NAT), so libp2p sees what it would on a real network. See docs/networks.md.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** ATELIER_LAB_PREFIX lets two runs share a machine without removing each other's namespaces (at most 4 characters) */
export const PREFIX = /^[a-z]{1,3}-$/.test(process.env.ATELIER_LAB_PREFIX ?? '') ? process.env.ATELIER_LAB_PREFIX as string : 'atl-'
export const INET = `${PREFIX}inet`
/** The delay line's TUN device in INET, and the router's address on every host link in routed mode */
export const DELAY_TUN = 'dl0'
const GATEWAY = '10.77.255.254'
const DELAY_TABLE = '100'

/** Run a command; throws with its stderr when it fails */
export function sh (cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] })
}

/** Why the lab cannot run here, or undefined */
export function unavailable (): string | undefined {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)'
  try { sh('ip', ['netns', 'list']) } catch { return 'no `ip netns` (iproute2)' }
  try { sh('nft', ['--version']) } catch { return 'no `nft` (apt-get install -y nftables)' }
  try { sh('tc', ['-V']) } catch { return 'no `tc` (iproute2)' }
  return undefined
}

/** Why the delay line (latency) cannot run here, or undefined: it needs python3 and /dev/net/tun besides the lab */
export function delayUnavailable (): string | undefined {
  const why = unavailable()
  if (why != null) return why
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun (CONFIG_TUN)'
  try { sh('python3', ['-c', 'import fcntl, heapq, select']) } catch { return 'no python3 (the delay line is a Python 3 script: apt-get install -y python3)' }
  return undefined
}

/**
 * Remove every namespace whose name starts with PREFIX (their veths, TUN and rules go with them), first ending the
 * processes still inside one (a killed run's daemons or delay line): they were started by the lab, in its namespace
 */
export function cleanup (): number {
  let n = 0
  for (const line of sh('ip', ['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0]
    if (name?.startsWith(PREFIX) === true) {
      let pids: string[] = []
      try { pids = sh('ip', ['netns', 'pids', name]).split('\n').filter(p => /^\d+$/.test(p)) } catch {}
      for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL') } catch {} }
      try { sh('ip', ['netns', 'del', name]); n++ } catch {}
    }
  }
  return n
}

const inNs = (ns: string, ...args: string[]): string => sh('ip', ['-n', ns, ...args])
const nsExec = (ns: string, cmd: string, args: string[], input?: string): string => sh('ip', ['netns', 'exec', ns, cmd, ...args], input)

export interface LabHost {
  /** namespace name */
  ns: string
  /** this host's address (on the bridge for a public host, on its LAN behind a NAT) */
  ip: string
  /** the interface its traffic leaves by (for byte counts) */
  dev: string
  /** the NAT router's namespace, when behind one */
  router?: string
}

let routed = false
/**
 * Build the "internet" namespace; call once before adding hosts. Default: a bridge. `routed`: a router whose
 * forwarded IPv4 traffic goes through the TUN device DELAY_TUN (rule 200: everything not coming from the TUN takes
 * table 100, whose only route is the TUN; rule 100: what the delay line writes back takes the main table, i.e. the
 * host's /32 route). Until a delay line attaches to the TUN, forwarded packets are dropped.
 */
export function createInternet (options: { routed?: boolean } = {}): void {
  routed = options.routed === true
  sh('ip', ['netns', 'add', INET])
  inNs(INET, 'link', 'set', 'lo', 'up')
  if (!routed) {
    inNs(INET, 'link', 'add', 'br0', 'type', 'bridge')
    inNs(INET, 'link', 'set', 'br0', 'up')
    return
  }
  for (const key of ['ip_forward', 'conf.all.rp_filter', 'conf.default.rp_filter']) nsExec(INET, 'sysctl', ['-q', '-w', `net.ipv4.${key}=${key === 'ip_forward' ? 1 : 0}`])
  inNs(INET, 'tuntap', 'add', 'dev', DELAY_TUN, 'mode', 'tun')
  // a burst (a sync's pages) must not overflow the TUN's queue before the delay line reads it
  inNs(INET, 'link', 'set', DELAY_TUN, 'txqueuelen', '10000', 'up')
  inNs(INET, 'route', 'add', 'default', 'dev', DELAY_TUN, 'table', DELAY_TABLE)
  inNs(INET, 'rule', 'add', 'pref', '100', 'iif', DELAY_TUN, 'lookup', 'main')
  inNs(INET, 'rule', 'add', 'pref', '200', 'lookup', DELAY_TABLE)
}

let bridgePorts = 0
/** A veth from `ns` to the bridge (or the router); returns the name of the end inside `ns` */
function plugIn (ns: string, ip: string): string {
  const port = `${PREFIX}p${bridgePorts++}`
  sh('ip', ['link', 'add', port, 'netns', INET, 'type', 'veth', 'peer', 'name', 'wan0', 'netns', ns])
  if (!routed) {
    inNs(INET, 'link', 'set', port, 'master', 'br0', 'up')
    inNs(ns, 'addr', 'add', `${ip}/16`, 'dev', 'wan0')
  } else {
    // a point-to-point link: the router answers ARP for GATEWAY on every port, and routes the host's /32 to it
    inNs(INET, 'addr', 'add', `${GATEWAY}/32`, 'dev', port)
    inNs(INET, 'link', 'set', port, 'up')
    inNs(INET, 'route', 'add', `${ip}/32`, 'dev', port)
    inNs(ns, 'addr', 'add', `${ip}/32`, 'dev', 'wan0')
  }
  inNs(ns, 'link', 'set', 'wan0', 'up')
  if (routed) inNs(ns, 'route', 'add', '10.77.0.0/16', 'via', GATEWAY, 'dev', 'wan0', 'onlink')
  return 'wan0'
}

/** A host with an address on the bridge (reachable by everyone) */
export function publicHost (name: string, index: number): LabHost {
  const ns = `${PREFIX}${name}`
  sh('ip', ['netns', 'add', ns])
  inNs(ns, 'link', 'set', 'lo', 'up')
  const ip = `10.77.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`
  return { ns, ip, dev: plugIn(ns, ip) }
}

/**
 * A host behind its own NAT router: the router masquerades the LAN to its bridge address and forwards nothing
 * that the LAN did not start (no port forwarding, no UPnP), as a home router does.
 */
export function natHost (name: string, index: number): LabHost {
  const ns = `${PREFIX}${name}`
  const router = `${PREFIX}${name}-gw`
  for (const n of [ns, router]) { sh('ip', ['netns', 'add', n]); inNs(n, 'link', 'set', 'lo', 'up') }
  plugIn(router, `10.77.200.${1 + index}`)
  sh('ip', ['link', 'add', 'lan0', 'netns', router, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
  const lan = `10.78.${index}`
  inNs(router, 'addr', 'add', `${lan}.1/24`, 'dev', 'lan0')
  inNs(router, 'link', 'set', 'lan0', 'up')
  inNs(ns, 'addr', 'add', `${lan}.2/24`, 'dev', 'eth0')
  inNs(ns, 'link', 'set', 'eth0', 'up')
  inNs(ns, 'route', 'add', 'default', 'via', `${lan}.1`)
  nsExec(router, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1'])
  nsExec(router, 'nft', ['-f', '-'], `
table ip nat {
  chain lab_post {
    type nat hook postrouting priority srcnat;
    oifname "wan0" masquerade
  }
}
table inet lab_filter {
  chain lab_fwd {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan0" oifname "wan0" accept
  }
}
`)
  return { ns, ip: `${lan}.2`, dev: 'eth0', router }
}

/** Drop `percent` % of the packets leaving `host` (both directions when applied to every host) */
export function loss (host: LabHost, percent: number): void {
  if (percent <= 0) return
  nsExec(host.ns, 'nft', ['-f', '-'], `
table inet lab {
  chain lab_out {
    type filter hook output priority filter;
    numgen random mod 1000 < ${Math.round(percent * 10)} drop
  }
}
`)
}

/** Cap what `host` sends at `kbit` kbit/s (token bucket) */
export function bandwidth (host: LabHost, kbit: number): void {
  inNs(host.ns, 'tc', 'qdisc', 'replace', 'dev', host.dev, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '32kbit', 'latency', '400ms')
}

/** Bytes sent and received on the host's interface */
export function bytes (host: LabHost): { tx: number, rx: number } {
  const read = (what: string): number => Number(nsExec(host.ns, 'cat', [`/sys/class/net/${host.dev}/statistics/${what}_bytes`]).trim())
  return { tx: read('tx'), rx: read('rx') }
}

/** Run `cmd` in `host`'s namespace (for daemons: the caller spawns `ip netns exec <ns> …` itself) */
export function inHost (host: LabHost, cmd: string, args: string[]): string { return nsExec(host.ns, cmd, args) }
