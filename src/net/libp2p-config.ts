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
import type { Libp2pOptions } from 'libp2p'

export interface Libp2pConfigInit {
  /** The node's transport key (separate from any creator key) */
  privateKey: PrivateKey
  /** Multiaddrs to listen on, e.g. `/ip4/127.0.0.1/tcp/0` */
  listen: string[]
  /** Multiaddrs to announce instead of the listen addresses. @default [] (announce what we listen on) */
  announce?: string[]
  /** libp2p's component logger; libp2p's default (off unless DEBUG is set) when absent */
  logger?: ComponentLogger
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
    services: {
      identify: identify()
    }
  }
}
