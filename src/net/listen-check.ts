/**
 * Relay listen addresses (`…/p2p-circuit`) ask a relay for a reservation while libp2p starts. A relay that refuses
 * (this node is no member of its collective, src/node/member-gate.ts) or is down must not keep the node from
 * starting, while a TCP address that cannot be bound (a port in use) must, as before. libp2p has one switch for both
 * (`transportManager.faultTolerance`), so a node with relay addresses starts with NO_FATAL and this service checks
 * the other addresses itself once libp2p has started.
 */
import type { Multiaddr } from '@multiformats/multiaddr'

/** What the service needs from libp2p's components: the addresses its transports listen on (announce excluded) */
export interface ListenCheckComponents {
  transportManager: { getAddrs: () => Multiaddr[] }
}

export interface ListenCheck {
  /** The configured addresses, relay ones aside, that no transport listens on */
  unbound: (configured: readonly string[]) => string[]
  /** The configured relay addresses with no reservation (no listen address through that relay) */
  unreserved: (configured: readonly string[]) => string[]
}

/** Whether `addr` is a relay listen address */
export const isRelayAddress = (addr: string): boolean => addr.includes('/p2p-circuit')

/** `/ip4/<host>/tcp/<port>…` → its family, host and port; undefined for other shapes */
function hostPort (addr: string): { family: string, host: string, port: string } | undefined {
  const m = /^\/(ip4|ip6|dns4|dns6|dns)\/([^/]+)\/tcp\/(\d+)/.exec(addr)
  return m == null ? undefined : { family: m[1]!, host: m[2]!, port: m[3]! }
}

/** Whether the listening address `actual` answers the configured `wanted` (a wildcard host or port 0 matches any) */
export function listensOn (wanted: string, actual: string): boolean {
  const w = hostPort(wanted)
  const a = hostPort(actual)
  if (w == null || a == null) return wanted === actual
  if (w.family !== a.family) return false
  const anyHost = w.host === '0.0.0.0' || w.host === '::'
  return (anyHost || w.host === a.host) && (w.port === '0' || w.port === a.port)
}

export function listenCheck (): (components: ListenCheckComponents) => ListenCheck {
  return (components) => {
    const addrs = (): string[] => components.transportManager.getAddrs().map(ma => ma.toString())
    return {
      unbound (configured) {
        const actual = addrs().filter(a => !isRelayAddress(a))
        const wanted = configured.filter(a => !isRelayAddress(a))
        const unbound = wanted.filter(w => !actual.some(a => listensOn(w, a)))
        // as libp2p: every IPv6 address failing while IPv4 ones listen means no IPv6 here, not an error
        const v6 = wanted.filter(w => w.startsWith('/ip6/'))
        if (v6.length > 0 && v6.every(w => unbound.includes(w)) && unbound.every(u => u.startsWith('/ip6/')) && wanted.length > v6.length) return []
        return unbound
      },
      unreserved (configured) {
        const actual = addrs().filter(isRelayAddress)
        return configured.filter(isRelayAddress).filter(c => {
          // `<relay addr>/p2p/<relay id>/p2p-circuit` is reserved when some listen address goes through that relay id
          const relay = /\/p2p\/([^/]+)\/p2p-circuit/.exec(c)?.[1]
          return relay == null ? actual.length === 0 : !actual.some(a => a.includes(`/p2p/${relay}/p2p-circuit`))
        })
      }
    }
  }
}

/** The error libp2p gives a start that could not listen; the CLI names it (src/cli/listen-check.ts) */
export class UnsupportedListenAddressesError extends Error {
  readonly code = 'ERR_LISTEN'
  /** the configured addresses that were not listened on */
  readonly addresses: string[]
  constructor (addresses: string[]) {
    super(`could not listen on ${addresses.join(', ')}`)
    this.name = 'UnsupportedListenAddressesError'
    this.addresses = addresses
  }
}

/**
 * After libp2p started: fail as libp2p would when an address other than a relay's is not listened on, and say which
 * relays gave no reservation (the node stays reachable directly, and through any relay that reserves later)
 */
export function checkListening (check: ListenCheck, configured: readonly string[], logger?: { warn: (obj: object, msg: string) => void }): void {
  const unbound = check.unbound(configured)
  if (unbound.length > 0) throw new UnsupportedListenAddressesError(unbound)
  const unreserved = check.unreserved(configured)
  if (unreserved.length > 0) {
    logger?.warn({ relays: unreserved }, 'no reservation on these relays (not reachable, or this node is no member of their collective): members reach this node directly only, until one reserves')
  }
}
