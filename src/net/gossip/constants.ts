/**
 * Every fixed value of collective gossip, in one place: topic naming, size caps, time limits, the score weights and
 * thresholds, and the defaults of the options. `protocols/gossip.md` is the normative text and repeats these numbers.
 */
import { DEFAULT_MAX_RECORD_BYTES } from '../../records/constants.ts'
import { isRecordCid } from '../../records/cid.ts'

/** Topic names are `/<prefix>/<name>/<charter CID>/<version>`; a private network can swap the prefix */
export const TOPIC_PREFIX = 'atelier'
export const TOPIC_NAME = 'collective'
/** Bump when the message format or the validation rules change incompatibly; v1 and v2 topics can run side by side */
export const TOPIC_VERSION = '1'

/** The gossip topic of the collective whose charter record has CID `charterCid` (canonical base32 CIDv1 string) */
export function topicOf (charterCid: string): string {
  return `/${TOPIC_PREFIX}/${TOPIC_NAME}/${charterCid}/${TOPIC_VERSION}`
}

/**
 * The charter CID a topic belongs to, or undefined when the topic is not one of ours (another prefix, name or version,
 * or a CID that is not a canonical record CID)
 */
export function collectiveOfTopic (topic: string): string | undefined {
  const parts = topic.split('/')
  // ['', prefix, name, cid, version]
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== TOPIC_PREFIX || parts[2] !== TOPIC_NAME || parts[4] !== TOPIC_VERSION) {
    return undefined
  }
  const cid = parts[3]
  return isRecordCid(cid) ? cid : undefined
}

/**
 * Largest message accepted or published: a message is one record's canonical bytes and nothing else, so the cap is
 * the record size limit. Checked before the node's validator runs (a bigger message cannot be a valid record).
 */
export const MAX_MESSAGE_BYTES = DEFAULT_MAX_RECORD_BYTES

/**
 * Largest RPC frame read from a peer (gossipsub's `maxInboundDataLength`); a bigger frame ends that peer's gossip
 * stream. It is the message cap plus slack, and the slack is large on purpose: one frame carries a whole RPC, that is
 * a message plus piggybacked control (IHAVE lists of up to 5,000 ids ≈ 170 KiB) or an IWANT reply holding many
 * messages. A frame of 64 KiB + a little would cut honest peers off as soon as a big record travels with gossip.
 * 4 MiB holds 64 records of the maximum size, or a few thousand typical ones.
 */
export const MAX_RPC_BYTES = 4 * 1024 * 1024

/**
 * How long the node's validator may take on one message before it counts as Ignore. The validator runs the node's
 * ingest (validate → store → index); a stuck store must not hold gossip messages forever.
 */
export const VALIDATE_TIMEOUT_MS = 10_000

/**
 * Messages at least this big trigger IDONTWANT to mesh peers (gossipsub v1.2; gossipsub's default is 512 bytes). An
 * IDONTWANT is a separate RPC per mesh peer, costing about what forwarding a 1 KiB record costs, and on a fast link it
 * rarely arrives before the peer has forwarded anyway; it pays off only for big records.
 */
export const IDONTWANT_MIN_BYTES = 16 * 1024

/**
 * Mesh degrees (gossipsub v1.1 spec values, written out): D peers in each topic mesh, between Dlo and Dhi, at least Dout
 * of them dialled by us (against eclipse by inbound connections), gossip (IHAVE) to at least Dlazy others each
 * heartbeat. A collective's nodes often have fewer peers than D; the mesh is then every subscribed peer.
 */
export const MESH = Object.freeze({ D: 6, Dlo: 4, Dhi: 12, Dout: 2, Dlazy: 6 })

/** Longest wait for the connections of a graylisted peer to close */
export const HANGUP_TIMEOUT_MS = 10_000

/** gossipsub heartbeat: mesh maintenance, score refresh, and our graylist check run at this pace */
export const HEARTBEAT_INTERVAL_MS = 1_000

/**
 * Score thresholds (gossipsub v1.1). With the weights below a fresh peer sits at 0; each invalid message costs
 * (count² × 10), so a peer is below 0 (pruned from the mesh) after one invalid record, below the gossip threshold after
 * two, and below the graylist threshold (its messages dropped unread, and our node closes its connection) after three
 * within about a minute.
 */
export const SCORE_THRESHOLDS = Object.freeze({
  /** below: we neither send it gossip (IHAVE) nor answer its IWANTs */
  gossipThreshold: -10,
  /** below: we do not publish to it */
  publishThreshold: -50,
  /** below: its RPCs are dropped unread; the node disconnects it (see `disconnectGraylisted`) */
  graylistThreshold: -80,
  /** peer exchange is never accepted: nothing dials addresses a remote peer handed us */
  acceptPXThreshold: Number.POSITIVE_INFINITY,
  /** a mesh whose median score is below this gets better-scoring peers grafted in (positive scores top out at 10) */
  opportunisticGraftThreshold: 1
})

/** Per-peer (not per-topic) score parameters */
export const PEER_SCORE = Object.freeze({
  /** positive topic contributions are capped here; penalties are not */
  topicScoreCap: 10,
  /** P5 is unused: the node has no application score of its own yet */
  appSpecificWeight: 0,
  /**
   * P6: more than this many peers from one IP cost each of them (surplus² × weight). Gentle: a studio behind one NAT
   * is normal, and records are admitted by signature and membership, not by address.
   */
  IPColocationFactorWeight: -1,
  IPColocationFactorThreshold: 10,
  /** loopback peers are processes of the same machine (tests, benchmarks, a local cluster) */
  IPColocationFactorWhitelist: ['127.0.0.1', '::1'] as readonly string[],
  /**
   * P7: re-grafting during a backoff and broken IWANT promises. A few happen to honest peers whose connection
   * dropped, so only the excess over the threshold counts, and the counter halves in about a minute.
   */
  behaviourPenaltyWeight: -1,
  behaviourPenaltyThreshold: 5,
  behaviourPenaltyDecay: 0.99,
  /** counters decay once a second */
  decayInterval: 1_000,
  decayToZero: 0.01,
  /** a disconnected peer's score is kept this long, so a graylisted peer that reconnects is still graylisted */
  retainScore: 3_600_000
})

/** Per-topic score parameters, set for every joined collective's topic */
export const TOPIC_SCORE = Object.freeze({
  topicWeight: 1,
  /** P1: +0.01 per second in the mesh, at most +6 (after 10 minutes) */
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1_000,
  timeInMeshCap: 600,
  /** P2: +0.5 per record first delivered to us, at most +5; decays by 10 % a second */
  firstMessageDeliveriesWeight: 0.5,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 10,
  /**
   * P3/P3b: mesh delivery rate penalties are OFF. A collective can be quiet for hours; a mesh peer that has had nothing
   * to forward is honest, and gossipsub's default (-1 × deficit² below 20 deliveries) would prune it.
   */
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 100,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5_000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  /**
   * P4: invalid messages cost (count² × -10). The counter decays by 1 % a second (halves in about 69 s), so a rare
   * disagreement is forgiven and a stream of garbage is not.
   */
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.99
})

/** Defaults of `GossipServiceInit` (the gossipsub service), resolved once in `gossipsubOptions()` */
export const SERVICE_DEFAULTS = Object.freeze({
  maxRpcBytes: MAX_RPC_BYTES,
  heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
  floodPublish: false
})

/** Defaults of `GossipInit` (the channel), resolved once in the GossipChannel constructor */
export const CHANNEL_DEFAULTS = Object.freeze({
  maxMessageBytes: MAX_MESSAGE_BYTES,
  validateTimeoutMs: VALIDATE_TIMEOUT_MS,
  disconnectGraylisted: true
})

/** Logger component name */
export const LOG_COMPONENT = 'atelier:gossip'
