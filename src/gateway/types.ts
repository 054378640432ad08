/**
 * What the gateway receives from the node: collaborators, never the node itself.
 */
import type { CollectiveHealth } from '../replication/replicator.ts'
import type { PrivateKeys } from '../node/private-keys.ts'
import type { Logger } from 'pino'
import type { RecordService } from '../node/record-service.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { NodeMetrics } from '../node/metrics.ts'
import type { HttpConfig } from '../config.ts'
import type { PrivateReads } from './private-reads.ts'
import type { CollectiveService } from '../node/collective-service.ts'
import type { GovernanceService } from '../node/governance-service.ts'
import type { PeerKeeper } from '../net/peers.ts'
import type { ParkingLot } from '../node/parking.ts'
import type { LineageView } from '../lineage/view.ts'
import type { SimilarityService } from '../node/similarity-service.ts'
import type { DiscoveryService } from '../node/discovery-service.ts'
import type { WorkFingerprinter } from '../node/work-fingerprints.ts'
import type { NameDirectory } from '../profiles/name-directory.ts'
import type { EpochKeySource } from '../private/epoch-source.ts'

import type { Reachability } from '../net/reachability.ts'

export interface NodeInfo {
  peerId: string
  did: string
  /** the creator's display name (its profile), when it has one */
  name?: string
  addresses: string[]
  /** AutoNAT's verdict over those addresses (src/net/reachability.ts) */
  reachability?: Reachability
  gatewayUrl: string
  version: string
  records: number
  storage: { blocks: number, bytes: number }
}

export interface GatewayComponents {
  records: RecordService
  index: RecordIndexApi
  store: ContentStore
  metrics: NodeMetrics
  logger: Logger
  apiToken: string
  /** the node's did:key, the default creator of what it issues */
  did: string
  nodeInfo: () => Promise<NodeInfo>
  /** rebuild the index from the stored record bodies, beside the live one; swapMs: how long writes waited for the swap */
  reindex: () => Promise<{ records: number, ms: number, swapMs?: number }>
  /** true when some peer is connected: /ipfs then asks peers for content not held here */
  hasPeers?: () => boolean
  /** read-only view of records for lineage reports (royalties, exports, provenance) */
  lineageView?: LineageView
  collectives?: CollectiveService
  /** the epoch keys of private collectives (protocols/private-collectives.md §6) */
  privateKeys?: PrivateKeys
  /** proposals, votes and tallies (protocols/governance.md) */
  governance?: GovernanceService
  peers?: PeerKeeper
  parking?: ParkingLot
  /** whether `did` was a member of `collective` at `timeMs`; undefined when the collective is not known here */
  isMember?: (collective: string, did: string, timeMs: number) => Promise<boolean | undefined>
  /** the node's clock, epoch ms: the default time a provenance report is made for. @default Date.now */
  clock?: () => number
  /** how far past the report's time a record's dates may lie before `time.future`, ms. @default records.clockSkewMs */
  clockSkewMs?: number
  /** a peer's gossip score */
  peerScore?: (peerId: string) => number
  /** the collectives in which this node holds a verified member card of the peer (src/net/members) */
  memberOf?: (peerId: string) => string[]
  /** near-duplicate search and unattributed-copy alerts (issue 12) */
  similarity?: SimilarityService
  /** fingerprints of held works: put in the asset records the node signs, and checked in provenance reports */
  fingerprinter?: WorkFingerprinter
  /** whether an asset the node signs gets the fingerprints of its content when the request does not say
   * (fingerprints.compute). @default false */
  computeFingerprints?: boolean
  /** creators' display names from their profiles (src/profiles); without it answers carry no names */
  names?: Pick<NameDirectory, 'namesOf' | 'profileOf'>
  /** k-copy replication: which works lack live holders, and which works' content gc need not keep (src/replication) */
  replication?: { health: (collective: string) => Promise<CollectiveHealth | undefined>, releasable: (work: string) => boolean }
  /** the epoch keys of the private collectives this node is a member of: their uploads are encrypted before they are
   * addressed, and their works read back as plaintext on loopback (protocols/private-collectives.md §9). Without it
   * no collective is private */
  epochKeys?: EpochKeySource
  /** set by createGateway on a gateway bound beyond loopback: what a caller without the token may not see (private-reads.ts) */
  privateReads?: Pick<PrivateReads, 'hidesNow' | 'strangerNow'>
  /** the node's own "for you" ranking and private follows (issue 13) */
  discovery?: Pick<DiscoveryService, 'discover' | 'followPrivately' | 'unfollowPrivately' | 'privateFollowList'>
}

export type GatewayInit = HttpConfig
