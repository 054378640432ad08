/**
 * The gossipsub router, configured on purpose. Every option that changes behaviour is set here, with the reason:
 *
 * - `StrictNoSign`: records are signed by their authors; a second, transport-level signature per message only costs
 *   time (measured here: ~1,700 msg/s signed against ~11,000 unsigned) and names the relaying peer, not the author.
 * - Message id = SHA-256 of the data (the digest inside the record's CID): two copies of one record are one message,
 *   whoever published them. The fast id is the same digest, computed on the raw message before anything else is done
 *   with it, so a duplicate never reaches the validator (measured: without it, 45,000 verifications for 18,000
 *   deliveries; with it, 18,500). It must not be a weak hash: a fast-id collision drops the second message unvalidated, and a weak hash
 *   would let anyone censor a record by publishing a colliding message first.
 * - `allowPublishToZeroTopicPeers` and `ignoreDuplicatePublishError`: a lone node publishes without error, and
 *   re-publishing a record already seen is a no-op.
 * - `floodPublish: false`: our own records go to the mesh like everyone else's, not to every subscriber at once.
 * - IDONTWANT only for messages of 16 KiB or more: for a typical 1 KiB record it costs as much as the duplicate it
 *   might save. Frames are capped at MAX_RPC_BYTES (see constants.ts for why that is well above the message cap).
 * - Mesh degrees and thresholds are written out (constants.ts), as are all score parameters (scoring.ts).
 * - No floodsub fallback, no peer exchange given or taken, no direct peers: nothing here dials an address it was not
 *   configured with.
 */
import { createHash } from 'node:crypto'
import { gossipsub } from '@libp2p/gossipsub'
import type { GossipSubComponents, GossipsubOpts, Message } from '@libp2p/gossipsub'
import { ConfigError } from '../../errors.ts'
import { IDONTWANT_MIN_BYTES, MESH, SERVICE_DEFAULTS } from './constants.ts'
import { peerScoreParams, peerScoreThresholds } from './scoring.ts'
import type { GossipRouter, GossipServiceInit } from './index.ts'

/** SHA-256 of a message's data */
function digestOf (data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

/** The message id: SHA-256 of the data, i.e. the digest inside the record's CID */
export function messageId (msg: Pick<Message, 'data'>): Uint8Array {
  return digestOf(msg.data)
}

/**
 * The fast id, taken on the raw message before it is decoded further: the same digest as a string key. Hashing twice
 * per new message costs about a microsecond per KiB, against the ~0.1–1 ms a record's validation takes; a cache keyed
 * by buffer would save that but break if a caller reused a buffer.
 */
export function fastMessageId (msg: { data?: Uint8Array }): string {
  return createHash('sha256').update(msg.data ?? new Uint8Array(0)).digest('base64')
}

/** The gossipsub options of `init`, every default resolved here and only here */
export function gossipsubOptions (init: GossipServiceInit = {}): Partial<GossipsubOpts> {
  const heartbeatInterval = init.heartbeatIntervalMs ?? SERVICE_DEFAULTS.heartbeatIntervalMs
  return {
    globalSignaturePolicy: 'StrictNoSign',
    msgIdFn: messageId,
    fastMsgIdFn: fastMessageId,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    floodPublish: init.floodPublish ?? SERVICE_DEFAULTS.floodPublish,
    fallbackToFloodsub: false,
    doPX: false,
    directPeers: [],
    emitSelf: false,
    heartbeatInterval,
    ...MESH,
    maxInboundDataLength: init.maxRpcBytes ?? SERVICE_DEFAULTS.maxRpcBytes,
    idontwantMinDataSize: IDONTWANT_MIN_BYTES,
    scoreParams: peerScoreParams(),
    scoreThresholds: peerScoreThresholds(init.scoreThresholds)
  }
}

/**
 * Check that the router exposes what the channel reads (score, mesh, thresholds). These are public members of the
 * gossipsub class, not of its exported interface, so an upgrade could move them: fail at start-up, not at run time.
 */
export function asGossipRouter (router: unknown): GossipRouter {
  const r = router as Partial<GossipRouter> | null
  const ok = r != null &&
    typeof r.getScore === 'function' &&
    typeof r.getMeshPeers === 'function' &&
    typeof r.getSubscribers === 'function' &&
    typeof r.getPeers === 'function' &&
    r.topicValidators instanceof Map &&
    typeof r.score?.params?.topics === 'object' &&
    typeof r.opts?.scoreThresholds?.graylistThreshold === 'number'
  if (!ok) throw new ConfigError('the pubsub service is not a gossipsub router this module knows (getScore, getMeshPeers, score.params, opts.scoreThresholds)')
  return r as GossipRouter
}

/** The libp2p service factory: a gossipsub router with the options above */
export function createGossipsubService (init: GossipServiceInit = {}): (components: GossipSubComponents) => GossipRouter {
  const factory = gossipsub(gossipsubOptions(init))
  return (components) => asGossipRouter(factory(components))
}
