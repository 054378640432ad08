/**
 * @packageDocumentation
 *
 * Validated gossip for collectives: the one module of Atelier that knows gossipsub. `protocols/gossip.md` is the
 * normative text.
 *
 * Each collective has one topic, `/atelier/collective/<charter CID>/1`. A message is exactly one record's canonical
 * bytes; its id is the SHA-256 of those bytes, so a record is one message however many nodes publish it. Every message
 * passes the node's validator before it is delivered or forwarded; the validator answers
 *
 * - `accept`: deliver and forward (the record was added, or the node already held it);
 * - `reject`: drop, and charge the peer that sent it (the record is invalid: no honest, up-to-date peer forwards it);
 * - `ignore`: drop without blame (the node cannot judge it yet: a dependency or membership it does not hold, a busy
 *   queue, a timeout).
 *
 * The module moves bytes and verdicts; it knows nothing of records. Gossip is best effort: what it loses (a closed
 * connection, a node that was offline) the sync protocol repairs.
 *
 * Two parts:
 * - `gossipsubService(init)`: the libp2p service factory (gossipsub configured on purpose), to add as
 *   `services.pubsub` next to `identify`;
 * - `GossipChannel` (`createGossipChannel(libp2p, init)`): join/leave collectives with a validator, publish, read
 *   scores and meshes, count verdicts, and disconnect peers whose score falls below the graylist threshold.
 *
 * @example
 * ```ts
 * const libp2p = await createLibp2p({
 *   ...base,
 *   services: { ...base.services, pubsub: gossipsubService() }
 * })
 * const gossip = createGossipChannel(libp2p)
 * gossip.start()
 * gossip.join(charterCid, async (bytes, from) => {
 *   const outcome = await records.ingest(bytes, { source: 'gossip' }) // throws InvalidRecordError & co → reject
 *   return outcome.status === 'parked' ? 'ignore' : 'accept'
 * })
 * await gossip.publish(charterCid, record.bytes)
 * ```
 */
import type { GossipSub, GossipSubComponents } from '@libp2p/gossipsub'
import type { AbortOptions, ComponentLogger, Libp2p, PeerId } from '@libp2p/interface'
import { GossipChannel } from './gossip.ts'
import { createGossipsubService } from './service.ts'
import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from './scoring.ts'

export { GossipChannel } from './gossip.ts'
export { topicOf, collectiveOfTopic, MAX_MESSAGE_BYTES, MAX_RPC_BYTES, SCORE_THRESHOLDS, TOPIC_SCORE, PEER_SCORE } from './constants.ts'
export { NotJoinedError, PublishError } from './errors.ts'
export { messageId, fastMessageId, gossipsubOptions } from './service.ts'
export { peerScoreParams, topicScoreParams, peerScoreThresholds } from './scoring.ts'
export type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams }

/** Options of the gossipsub service (`gossipsubService`) */
export interface GossipServiceInit {
  /**
   * Largest RPC frame read from a peer, bytes; a bigger one ends that peer's gossip stream. It must hold a message plus
   * piggybacked control, or an IWANT reply of several messages (see MAX_RPC_BYTES).
   * @default 4194304 (4 MiB)
   */
  maxRpcBytes?: number
  /**
   * Heartbeat interval, ms: mesh upkeep, score refresh (scores are cached for one heartbeat) and the graylist check
   * @default 1000
   */
  heartbeatIntervalMs?: number
  /**
   * Send our own records to every subscribed peer rather than to the mesh only
   * @default false
   */
  floodPublish?: boolean
  /**
   * Score thresholds, over SCORE_THRESHOLDS
   * @default SCORE_THRESHOLDS (gossip -10, publish -50, graylist -80, PX never, opportunistic graft 1)
   */
  scoreThresholds?: Partial<PeerScoreThresholds>
}

/** Options of the channel (`GossipChannel`) */
export interface GossipInit {
  /**
   * Largest message accepted or published, bytes: a message is one record, so this is the record size limit. A bigger
   * message is rejected before the validator runs.
   * @default 65536 (MAX_MESSAGE_BYTES)
   */
  maxMessageBytes?: number
  /**
   * How long the validator may take on one message; past it the message is ignored (not rejected: the fault is ours)
   * @default 10000
   */
  validateTimeoutMs?: number
  /**
   * Close every connection to a peer whose score falls below the graylist threshold. gossipsub never disconnects
   * anyone; without this a graylisted peer keeps its connection slot and keeps sending frames we drop unread.
   * @default true
   */
  disconnectGraylisted?: boolean
  /**
   * Per-topic score parameters, over TOPIC_SCORE (for tests and tuning)
   * @default TOPIC_SCORE
   */
  topicScore?: Partial<TopicScoreParams>
}

/** The node's verdict on one message */
export type Verdict = 'accept' | 'reject' | 'ignore'

/**
 * The node's validator for one collective. `data` is the message (a record's bytes, unverified), `from` the peer that
 * relayed it (not necessarily its author). A thrown error counts as `reject` when it says the input is bad (an
 * AtelierError with HTTP status 400 or 413: InvalidRecordError, InvalidSignatureError, MalformedJSONError,
 * InvalidCIDError, TooLargeError) and as `ignore` otherwise (busy, not ready, storage failure). `signal` aborts when the
 * validation timeout passes or the channel stops.
 */
export type ValidateFn = (data: Uint8Array, from: PeerId, options: { signal: AbortSignal }) => Promise<Verdict>

/** The gossipsub router as the channel uses it: the exported interface plus the public class members it reads */
export interface GossipRouter extends GossipSub {
  /** the peer's score, cached for one heartbeat */
  getScore(peerId: string): number
  getMeshPeers(topic: string): string[]
  readonly score: { readonly params: Pick<PeerScoreParams, 'topics'> }
  readonly opts: { readonly scoreThresholds: PeerScoreThresholds }
}

/** What the channel needs from the node */
export interface GossipComponents {
  /** the router made by `gossipsubService()` (`libp2p.services.pubsub`) */
  pubsub: GossipRouter
  /** closes every connection to a peer (`libp2p.hangUp`) */
  hangUp(peer: PeerId, options?: AbortOptions): Promise<void>
  logger: ComponentLogger
}

/** Size and origin of one message that reached validation (duplicates are dropped earlier and never counted) */
export interface GossipMessageEvent {
  /** charter CID of the collective */
  collective: string
  /** the peer that relayed it */
  from: PeerId
  size: number
}

/** A message and the verdict it got */
export interface GossipVerdictEvent extends GossipMessageEvent {
  verdict: Verdict
  /** 'validator', 'too-large', 'timeout', or the code of the error the validator threw */
  reason: string
}

export interface GossipEvents {
  received: [GossipMessageEvent]
  accepted: [GossipVerdictEvent]
  rejected: [GossipVerdictEvent]
  ignored: [GossipVerdictEvent]
  /** a peer's score fell below the graylist threshold and its connections were closed */
  'peer:disconnected': [{ peer: PeerId, score: number }]
}

/** Counters since start, for metrics */
export interface GossipStats {
  received: number
  accepted: number
  rejected: number
  ignored: number
  published: number
  /** peers disconnected for a score below the graylist threshold */
  disconnected: number
}

/** The gossipsub service factory for `services.pubsub`; needs `identify` in the same node */
export function gossipsubService (init: GossipServiceInit = {}): (components: GossipSubComponents) => GossipRouter {
  return createGossipsubService(init)
}

/** A channel over a libp2p node whose `services.pubsub` came from `gossipsubService()` */
export function createGossipChannel (libp2p: Libp2p<{ pubsub: GossipRouter }>, init: GossipInit = {}): GossipChannel {
  return new GossipChannel({
    pubsub: libp2p.services.pubsub,
    hangUp: async (peer, options) => { await libp2p.hangUp(peer, options) },
    logger: libp2p.logger
  }, init)
}
