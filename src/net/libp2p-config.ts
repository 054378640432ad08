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
import { autoNAT } from '@libp2p/autonat'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Identify } from '@libp2p/identify'
import { FaultTolerance } from '@libp2p/interface'
import type { ComponentLogger, PeerId, PrivateKey } from '@libp2p/interface'
import { isRelayAddress, listenCheck, type ListenCheck } from './listen-check.ts'
import { installHalfWindowUpdates } from './yamux-window.ts'
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
  /** absent on bare peers built from these options in tests and benchmarks */
  listenCheck?: ListenCheck
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
  // one window update per half window rather than per data frame (src/net/yamux-window.ts)
  installHalfWindowUpdates()
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
    // a relay that refuses a reservation must not stop the start; the other addresses are checked by listenCheck
    ...(init.listen.some(isRelayAddress) ? { transportManager: { faultTolerance: FaultTolerance.NO_FATAL } } : {}),
    services: {
      identify: identify(),
      listenCheck: listenCheck()
    }
  }
}

/** The members-only relay this node may run for its collective (opt-in: `p2p.relayServer`) */
export interface RelayServerInit {
  /** reservations held at once. @default RELAY_LIMITS.maxReservations */
  maxReservations?: number
  /** how long one reservation lasts before the member renews it, ms. @default RELAY_LIMITS.reservationTtlMs */
  reservationTtlMs?: number
}

export interface ReachabilityInit {
  /** Run a circuit relay v2 server for fellow members; undefined: no relay server (the default) */
  relayServer?: RelayServerInit
  /**
   * Whether `peer` is a current member of a collective this node takes part in (a verified member card, see
   * src/net/members). Asked before a relay reservation is granted and before a relayed connection is opened
   * through this node: only members reserve, and only members are relayed.
   */
  isMemberPeer: (peer: PeerId) => Promise<boolean>
}

/** Limits of the relay server: a collective's handful of members behind NAT, not the public */
export const RELAY_LIMITS = {
  maxReservations: 32,
  reservationTtlMs: 60 * 60_000,
  /** relayed streams at once, each way */
  maxHopStreams: 64
} as const

/** Services reachability adds: AutoNAT and DCUtR always, the relay server when asked for */
// a type alias so it satisfies libp2p's `ServiceMap` index signature
export type ReachabilityServices = {
  autoNAT: unknown
  dcutr: unknown
  relay?: CircuitRelayService
}

/**
 * Add reachability to libp2p options built by `buildLibp2pOptions`:
 * - the circuit relay v2 transport, so this node can dial a member's `/p2p/<relay>/p2p-circuit` address and, when
 *   `/p2p-circuit` (any connected member relay) or `<relay addr>/p2p-circuit` is among its listen addresses, reserve
 *   a slot and be reached through it;
 * - AutoNAT: the node asks the peers it is connected to (only fellow members: no peer is dialled but from config,
 *   invites and member cards) to dial it back, and so learns which of its addresses are reachable;
 * - DCUtR: over a relayed connection, both members try to open a direct one (libp2p tries only public addresses);
 * - with `relayServer`, a circuit relay v2 server whose reservations and relayed connections are gated to members.
 *
 * Relayed connections get no duration or data limit from our server: both ends are verified members, and gossip and
 * sync must run over them (libp2p refuses those protocols on a limited connection). The limits are on reservations
 * and streams, so one member cannot hold the relay's whole capacity.
 */
export function withReachability<S extends Record<string, unknown>> (options: Libp2pOptions<S>, init: ReachabilityInit): Libp2pOptions<S & ReachabilityServices> {
  const relay = init.relayServer
  const gate = async (peer: PeerId): Promise<boolean> => !(await init.isMemberPeer(peer).catch(() => false))
  return {
    ...options,
    transports: [...(options.transports ?? []), circuitRelayTransport()],
    connectionGater: {
      ...options.connectionGater,
      denyInboundRelayReservation: gate,
      // the relay opening a connection from `source` to `destination`: both must be members
      denyOutboundRelayedConnection: async (source, destination) => (await gate(source)) || (await gate(destination))
    },
    services: {
      ...options.services,
      autoNAT: autoNAT(),
      dcutr: dcutr(),
      ...(relay == null
        ? {}
        : {
            relay: circuitRelayServer({
              maxInboundHopStreams: RELAY_LIMITS.maxHopStreams,
              maxOutboundHopStreams: RELAY_LIMITS.maxHopStreams,
              reservations: {
                maxReservations: relay.maxReservations ?? RELAY_LIMITS.maxReservations,
                reservationTtl: relay.reservationTtlMs ?? RELAY_LIMITS.reservationTtlMs,
                applyDefaultLimit: false
              }
            })
          })
    } as any
  }
}
