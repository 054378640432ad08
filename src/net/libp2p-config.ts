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
   * @default CONNECTION_MONITOR (on, ping every 10 s, time out after 60–120 s, then close the connection)
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
  // per host per second: a collective's nodes on one machine (or behind one NAT) connect in bursts
  inboundConnectionThreshold: 20
} as const

/**
 * Connection monitor settings, chosen on purpose. libp2p pings every connection every 10 s and aborts the connection
 * when a ping times out; its timeout is adaptive with a floor of 5 s. A busy gossip connection defeats that: gossipsub
 * writes to an unbounded outgoing stream, the ping queues behind that traffic and behind a busy event loop, times out,
 * and the abort throws away everything still queued for that peer, which makes an overload worse. Measured here
 * (bench/gossip.ts, 10 nodes in one process flooding 10,000 records): libp2p's defaults closed 22 connections and lost
 * 35 % of the deliveries; a 30 s floor still lost connections in some runs.
 *
 * We keep the monitor, and keep closing connections whose pings fail: that is how a peer that vanished without
 * closing TCP (a laptop lid shut, a NAT mapping dropped) is noticed, so that it can be redialled, and it keeps each
 * connection's RTT fresh. But a ping now has at least 60 s: a connection that cannot carry 32 bytes in a minute is dead
 * in all but name, while a merely swamped one is left alone. A dead peer is noticed within about 70 s. Whatever
 * gossip still loses, the sync protocol repairs.
 */
export const CONNECTION_MONITOR: Readonly<ConnectionMonitorInit> = Object.freeze({
  enabled: true,
  /** how often each connection is pinged, ms (libp2p's default) */
  pingInterval: 10_000,
  /** adaptive timeout bounds, ms: at least 60 s (libp2p: 5 s), at most 120 s (libp2p: 60 s) */
  pingTimeout: Object.freeze({ minTimeout: 60_000, maxTimeout: 120_000 }),
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
