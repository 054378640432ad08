/**
 * AutoNAT's verdict, read from libp2p's address manager rather than kept twice: libp2p marks a public address
 * `verified` once AutoNAT peers dialled it back (or it was announced in config), treats private addresses (LAN,
 * loopback) as verified without asking anyone, and counts a `/p2p-circuit` address as reachable through its relay.
 * So the verdict is:
 * - `public`: a public direct address is confirmed: members anywhere can dial this node;
 * - `relayed`: no confirmed public address, but a relay reservation: members reach it through the relay (and DCUtR
 *   may upgrade the connection to a direct one);
 * - `unconfirmed`: public addresses that AutoNAT has not confirmed (yet, or it found them unreachable);
 * - `private`: only private or loopback addresses, which AutoNAT does not judge: reachable on this network only.
 */
import { multiaddr } from '@multiformats/multiaddr'

export type Reachability = 'public' | 'relayed' | 'unconfirmed' | 'private'

export interface AddressFacts {
  multiaddr: string
  verified: boolean
}

/** IPv4 networks that are not reachable from the internet by themselves: [first address, prefix length] */
const PRIVATE_V4: Array<[string, number]> = [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]]

const v4 = (ip: string): number | undefined => {
  const parts = ip.split('.').map(Number)
  if (parts.length !== 4 || parts.some(p => !Number.isInteger(p) || p < 0 || p > 255)) return undefined
  return parts.reduce((n, p) => n * 256 + p, 0)
}

/** Whether an IP is private, loopback, link-local or shared address space */
export function isPrivateIp (ip: string): boolean {
  if (ip.includes(':')) {
    const lower = ip.toLowerCase()
    return lower === '::1' || lower === '::' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower)
  }
  const value = v4(ip)
  if (value == null) return false
  return PRIVATE_V4.some(([network, bits]) => Math.floor(value / 2 ** (32 - bits)) === Math.floor(v4(network)! / 2 ** (32 - bits)))
}

/** The verdict over the address manager's addresses with their `verified` flags */
export function judgeReachability (addresses: readonly AddressFacts[]): Reachability {
  let relayed = false
  let unconfirmed = false
  for (const a of addresses) {
    const ma = multiaddr(a.multiaddr)
    const components = ma.getComponents()
    if (components.some(c => c.name === 'p2p-circuit')) { relayed ||= a.verified; continue }
    const host = components.find(c => c.name === 'ip4' || c.name === 'ip6' || c.name === 'dns' || c.name === 'dns4' || c.name === 'dns6' || c.name === 'dnsaddr')
    if (host?.value == null) continue
    const isPrivate = (host.name === 'ip4' || host.name === 'ip6') && isPrivateIp(host.value)
    if (isPrivate) continue
    if (a.verified) return 'public'
    unconfirmed = true
  }
  return relayed ? 'relayed' : unconfirmed ? 'unconfirmed' : 'private'
}

/** The address manager of a libp2p node, when the node exposes its components (js-libp2p does) */
export function addressFacts (libp2p: unknown): AddressFacts[] | undefined {
  const manager = (libp2p as { components?: { addressManager?: { getAddressesWithMetadata?: () => Array<{ multiaddr: { toString: () => string }, verified: boolean }> } } }).components?.addressManager
  if (typeof manager?.getAddressesWithMetadata !== 'function') return undefined
  return manager.getAddressesWithMetadata().map(a => ({ multiaddr: a.multiaddr.toString(), verified: a.verified }))
}
