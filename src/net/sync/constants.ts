/**
 * Protocol id and limits of `/atelier/sync/1.0.0` (normative text: protocols/sync.md).
 *
 * The wire limits (`MAX_*`) are part of the protocol: a peer that exceeds one is answered with an error frame and
 * dropped, so every allocation a remote can cause is bounded by them. The `DEFAULT_*` values are local choices a
 * node may change through `SyncInit` without breaking interoperability.
 */

/** Swappable for a private network, as ping's prefix is */
export const PROTOCOL_PREFIX = '/atelier'
export const PROTOCOL_NAME = 'sync'
/** Bump on any change to the frames or the algorithm (protocols/sync.md §1) */
export const PROTOCOL_VERSION = '1.0.0'
/** `/atelier/sync/1.0.0` */
export const SYNC_PROTOCOL = `${PROTOCOL_PREFIX}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`

/** Bytes of an item id: the sha2-256 digest inside a record CID */
export const ID_BYTES = 32
/** Bytes of a range fingerprint (sha-256 of sum + count, truncated) */
export const FINGERPRINT_BYTES = 16

// --- wire limits (protocols/sync.md §6) ---

/** Largest body of an OPEN, RECONCILE or WANT frame */
export const MAX_CONTROL_FRAME_BYTES = 262_144
/** Largest record a RECORD frame may carry (the frame body is one byte more) */
export const MAX_RECORD_FRAME_BYTES = 1_048_576
/** Largest body of an ERROR frame */
export const MAX_ERROR_FRAME_BYTES = 1_100
/** Longest error message in an ERROR frame, UTF-8 bytes */
export const MAX_ERROR_MESSAGE_BYTES = 1_024
/** Longest scope string in an OPEN frame, UTF-8 bytes */
export const MAX_SCOPE_BYTES = 256
/** Most ranges in one OPEN or RECONCILE frame */
export const MAX_RANGES_PER_MESSAGE = 16_384
/** Most ids in one IDLIST range */
export const MAX_IDS_PER_IDLIST = 1_024
/** Most ids in one WANT frame */
export const MAX_IDS_PER_WANT = 4_096
/** Longest varint on the wire (56 bits; values above 2^53 - 1 are refused anyway) */
export const MAX_VARINT_BYTES = 8

// --- local defaults (SyncInit) ---

/** Ranges whose fingerprints differ are split into this many buckets */
export const DEFAULT_BUCKETS = 16
/** A differing range holding at most this many of our items is answered with their ids instead of being split */
export const DEFAULT_IDLIST_THRESHOLD = 32
/** Target size of the reconcile frames we write; the rest of the space is deferred to the next round */
export const DEFAULT_MESSAGE_BUDGET = 131_072
/** Whole-session deadline, ms */
export const DEFAULT_TIMEOUT = 600_000
/** Longest wait for the peer's next frame, ms */
export const DEFAULT_IDLE_TIMEOUT = 30_000
/**
 * Records handed to `ingest` and not yet settled, per session; reading pauses beyond it. Larger groups let the node
 * validate and commit in bigger batches: a late joiner's catch-up of 20,000 records ran at 0.59-0.60x the holder's own
 * ingest with 256 in flight, 0.73-0.77x with 1,024 and 0.64-0.78x with 2,048 (bench/network.ts, two processes; those
 * runs had the paused-stream fault of framing.ts). Without it, 100,000 records, five runs each, alternated: 1,024 gave
 * 0.78-1.02x (median 0.82x), 2,048 gave 0.79-1.02x (median 0.88x), a difference inside the machine's noise.
 */
export const DEFAULT_INGEST_CONCURRENCY = 1024
/**
 * Records received together that a session hands to the source's `ingestMany` as one group (what one read of the
 * stream decoded, at most this many): the size of a validation worker's task, so a group is validated in one go
 */
export const INGEST_GROUP = 256
/** Bytes of records handed to `ingest` and not yet settled, per session: the in-flight bound in bytes (1,024 records of
 * 1-2 KB fit; 64 records at the largest record size) */
export const DEFAULT_INGEST_BYTES = 4 * 1024 * 1024
/** Reconcile messages one session may take from the peer (an honest one needs about log16(n) + 2) */
export const DEFAULT_MAX_ROUNDS = 1_000
/** Records the peer sent that ingest refused, after which the session is ended */
export const DEFAULT_MAX_REJECTED = 1_000
/** Largest record accepted from a peer, bytes (the default of the node's records.maxBytes) */
export const DEFAULT_MAX_RECORD_BYTES = 65_536
/** Inbound sync streams per connection (libp2p registrar option) */
export const MAX_INBOUND_STREAMS = 4
/** Outbound sync streams per connection (libp2p registrar option) */
export const MAX_OUTBOUND_STREAMS = 4
/** Inbound sessions served at once across all peers; more are answered with a busy error. A session counts from
 * its OPEN on, so streams that send nothing hold no slot */
export const DEFAULT_MAX_SESSIONS = 16
/** Inbound sessions one peer may have at once; more are answered with a busy error */
export const DEFAULT_MAX_SESSIONS_PER_PEER = 4
/** Longest wait for the OPEN of an inbound stream, ms: a stream that says nothing is closed soon */
export const DEFAULT_FIRST_FRAME_TIMEOUT = 5_000

// --- stream plumbing ---

/** Bytes buffered by our frame reader before the stream is paused (so yamux stops granting window) */
export const READ_HIGH_WATER_BYTES = 1_048_576
/**
 * While paused, a yamux stream still receives what its window already allowed: up to yamux's maximum stream window
 * (16 MiB by default). The stream's read buffer must hold that much or libp2p resets the stream.
 */
export const PAUSED_STREAM_READ_BUFFER_BYTES = 17 * 1_048_576
/** Bytes a stream may hold written and not yet taken by the peer before it is reset: the record sender waits for
 * the peer's pace, so only control replies to a peer that stopped reading pile up, and not beyond this */
export const MAX_WRITE_BUFFER_BYTES = 4 * 1_048_576
/** Record frames gathered into one stream write (one muxer frame, one encryption, one socket write) */
export const WRITE_COALESCE_BYTES = 65_536
/** Record CIDs asked of the source per `getRecords` call */
export const RECORD_FETCH_BATCH = 256
