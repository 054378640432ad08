/** Version of the index layout (2: search tokens, media types, charters under their own collective; 3: record
 * bodies; 4: the index is the record store — bodies of retired records in `held`, no record block files; 5: the
 * `successors` entries, each author's chain read forwards, for fork checks; 6: the `fingerprints` entries of asset
 * records, for near-duplicate search). Bump it
 * whenever keys or values change shape: an index written by another version refuses to open until it is rebuilt
 * (the node does that at start, from the bodies it holds and the record blocks of older releases). */
export const SCHEMA_VERSION = 6
/** Versions this release upgrades in place: their entries are read as they are; the held bodies (from 3) and the
 * `successors` entries (from 3 and 4, written from the stored summaries) are added, then the version mark. An index
 * of an earlier version holds no `fingerprints` entries to add: fingerprints exist only in asset schema version 2,
 * which the releases that wrote those indexes refused, so none of the records it counts carries any */
export const UPGRADABLE_SCHEMA_VERSIONS = ['3', '4', '5']
/** The versions whose upgrade writes the `successors` entries (schema 5 added them) */
export const SCHEMA_VERSIONS_WITHOUT_SUCCESSORS = ['3', '4']

/** Most records `successors()` returns: a fork check needs two; a few more name the other branches */
export const MAX_SUCCESSORS = 16

/** Records written per Level batch by `put()` and `rebuild()`; a record is never split across batches */
export const BATCH_RECORDS = 512

/** Fingerprint entries read per page by `iterateFingerprints()` (one short read each, so no read spans a swap) */
export const FINGERPRINT_PAGE = 2048

/** Keys read per page by `collectiveRecords()` (keys only, ~130 bytes each) */
export const KEY_PAGE = 4096

/** Keys per getMany of the door's grouped reads (summaries, bodies): bounds one read's memory and latency */
export const MAX_READ_BATCH = 1024

/** Suffix of the directory `rebuildBeside()` builds the new index in, beside the live one */
export const NEXT_SUFFIX = '.next'
/** Suffix the live index directory takes for a moment during the swap (removed right after) */
export const OLD_SUFFIX = '.old'
/** Records written to the live index during a rebuild beside it that may wait to be copied into the new one; past
 * this, a write waits for the copy, so a slow rebuild holds back writers instead of growing memory */
export const TEE_BACKLOG_RECORDS = 4 * 512

/** Page size of `query()` when the caller gives none */
export const DEFAULT_QUERY_LIMIT = 50
/** Largest page `query()` returns; larger limits are clamped */
export const MAX_QUERY_LIMIT = 1000

/** Depth of `lineage()` when the caller gives none */
export const DEFAULT_LINEAGE_DEPTH = 10
/** Deepest walk `lineage()` makes; larger depths are clamped */
export const MAX_LINEAGE_DEPTH = 100
/** Nodes per `lineage()` page when the caller gives none */
export const DEFAULT_LINEAGE_LIMIT = 500
/** Most nodes per `lineage()` page; larger limits are clamped */
export const MAX_LINEAGE_LIMIT = 5000
/** Most asset records one content-level ingredient reference resolves to (conflicting claims on one content) */
export const MAX_CONTENT_MATCHES = 256

/** Author heads kept in memory by the writer (about 150 bytes each), so a batch reads only the heads of authors
 * it has not seen lately */
export const HEAD_CACHE_SIZE = 100_000

/** "Has children" markers the writer remembers having written (about 150 bytes each): a popular parent's marker
 * is then written once, not once per child */
export const MARKER_CACHE_SIZE = 100_000

/** LevelDB tuning: a bigger write buffer makes bulk ingest and rebuild faster */
export const WRITE_BUFFER_SIZE = 16 * 1024 * 1024
/** LevelDB block cache; lineage walks touch many small values */
export const CACHE_SIZE = 32 * 1024 * 1024

/** Longest search token, in code points; longer words are cut (index and query alike) */
export const MAX_TOKEN_LENGTH = 64
/** Most tokens indexed per asset record (title first, then tags, then description) */
export const MAX_TOKENS_PER_RECORD = 128
/** Most words a search text may hold; more is an InvalidRequestError */
export const MAX_SEARCH_WORDS = 16
/** Longest search text, in UTF-16 units */
export const MAX_SEARCH_TEXT = 1000
/** Most indexed tokens the last search word expands to as a prefix ("blu" → blue, blues, bluff, …) */
export const MAX_PREFIX_EXPANSIONS = 64
/** Candidates one page of a filter-only search reads at most; a sparse filter then answers a short page with a
 * cursor to continue (see runQuery) */
export const FILTER_SCAN_BUDGET = 10_000
/** Newest matches read per token when ranking by relevance: ranking is over these, so a word found in more records
 * than this ranks among its newest uses only */
export const MAX_RELEVANCE_CANDIDATES = 20_000
