/**
 * The libp2p options the node runs with, written out in full so that nothing is switched on by a library default:
 * TCP, Noise, Yamux and Identify, the node's own key and listen addresses, and no peer discovery at all
 * (no bootstrap list, no mDNS, no UPnP, no delegated routing, no DHT, no autoTLS). Peers are reached only through
 * addresses the node is given. Gossip and sync services are added to `services` by their own modules in `src/net/`.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import type { Identify } from '@libp2p/identify'
import type { ComponentLogger, PrivateKey } from '@libp2p/interface'
import type { ConnectionMonitorInit, Libp2pOptions } from 'libp2p'

export interface Libp2pConfigInit {
  /** The node's transport key (separate from any creator key) */
  privateKey: PrivateKey
  /** Multiaddrs to listen on, e.g. `/ip4/127.0.0.1/tcp/0` */
  listen: string[]
  /** Multiaddrs to announce instead of the listen addresses. @default [] (announce what we listen on) */
  announce?: string[]
  /** libp2p's component logger; libp2p's default (off unless DEBUG is set) when absent */
  logger?: ComponentLogger
  /**
   * The connection monitor (libp2p pings every connection and may close it when a ping times out). Pass
   * `{ enabled: false }` to turn it off, or other settings to replace ours whole.
   * @default CONNECTION_MONITOR (on, ping every 10 s, time out after 30–60 s, then close the connection)
   */
  connectionMonitor?: ConnectionMonitorInit
}

/** The services this config provides; others extend it */
// a type alias (not an interface) so it satisfies libp2p's `ServiceMap` index signature
export type BaseLibp2pServices = {
  identify: Identify
}

/** Connection limits: a small collective's node, not a public DHT server */
export const CONNECTION_LIMITS = {
  maxConnections: 200,
  maxParallelDials: 20,
  maxDialQueueLength: 100,
  maxPeerAddrsToDial: 10,
  dialTimeout: 10_000,
  inboundUpgradeTimeout: 10_000,
  maxIncomingPendingConnections: 10,
  inboundConnectionThreshold: 5
} as const

/**
 * Connection monitor settings, chosen on purpose. libp2p's defaults time a ping out after 5 s (adaptive, from 5 to
 * 60 s) and then abort the connection. A busy gossip connection breaks that: gossipsub writes to an unbounded
 * outgoing stream, the ping's stream queues behind it (and behind a validating, busy event loop), times out, and the
 * abort throws away everything queued for that peer. Measured here with the defaults: 10 nodes flooding 2,000 messages
 * lost some in 3 runs of 3.
 *
 * We keep the monitor (it is what notices a peer that vanished without closing TCP, and it keeps each connection's
 * RTT fresh) and keep closing connections whose pings fail, but a ping now has at least 30 s: a connection that
 * cannot carry 32 bytes in 30 s is dead in all but name, while a merely busy one is left alone. Whatever gossip still
 * loses, the sync protocol repairs.
 */
export const CONNECTION_MONITOR: Readonly<ConnectionMonitorInit> = Object.freeze({
  enabled: true,
  /** how often each connection is pinged, ms (libp2p's default) */
  pingInterval: 10_000,
  /** adaptive timeout bounds, ms: at least 30 s (libp2p: 5 s), at most 60 s (libp2p's own maximum) */
  pingTimeout: Object.freeze({ minTimeout: 30_000, maxTimeout: 60_000 }),
  /** a ping that fails closes the connection: the way dead peers get noticed */
  abortConnectionOnPingFailure: true
})

/** Build the libp2p options; the caller may add `services` before creating the node */
export function buildLibp2pOptions (init: Libp2pConfigInit): Libp2pOptions<BaseLibp2pServices> {
  return {
    privateKey: init.privateKey,
    logger: init.logger,
    addresses: {
      listen: [...init.listen],
      announce: [...(init.announce ?? [])]
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    peerRouters: [],
    contentRouters: [],
    connectionManager: { ...CONNECTION_LIMITS },
    connectionMonitor: init.connectionMonitor ?? { ...CONNECTION_MONITOR, pingTimeout: { ...CONNECTION_MONITOR.pingTimeout } },
    services: {
      identify: identify()
    }
  }
}
