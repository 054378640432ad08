/** Version of the index layout. Bump it whenever keys or values change shape: an index written by another version
 * refuses to open until `atelier reindex` rebuilds it. */
export const SCHEMA_VERSION = 1

/** Records written per Level batch by `put()` and `rebuild()`; a record is never split across batches */
export const BATCH_RECORDS = 512

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

/** LevelDB tuning: a bigger write buffer makes bulk ingest and rebuild faster */
export const WRITE_BUFFER_SIZE = 16 * 1024 * 1024
/** LevelDB block cache; lineage walks touch many small values */
export const CACHE_SIZE = 32 * 1024 * 1024
