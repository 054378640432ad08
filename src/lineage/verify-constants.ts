/** Limits and defaults of provenance verification (`verifyProvenance`) */
import { defaults } from '../config.ts'

/** How far past the report's `now` a record's times may lie before `time.future`: the node's clock-skew bound */
export const DEFAULT_CLOCK_SKEW_MS = defaults.records.clockSkewMs

/** Hops from the asset walked when the caller gives no depth */
export const DEFAULT_VERIFY_DEPTH = 20
/** Deepest walk a report makes; larger depths are clamped (as the index's lineage walk) */
export const MAX_VERIFY_DEPTH = 100
/** Records (the asset and its ancestors) a report checks when the caller gives no limit */
export const DEFAULT_VERIFY_RECORDS = 1000
/** Most records a report checks; larger limits are clamped */
export const MAX_VERIFY_RECORDS = 10_000
/** Content bytes a report re-hashes in all, when the caller gives no budget: 1 GiB, a few seconds of SHA-256 */
export const DEFAULT_CONTENT_BUDGET = 1024 * 1024 * 1024
/** Asset records one content-only ingredient resolves to (several authors may claim one content) */
export const MAX_CONTENT_CLAIMS = 16
/** Licenses, grants or revocations read per record; more are ignored (a hostile flood cannot stall a report) */
export const MAX_RELATED_RECORDS = 200
/** Earlier claims on one content CID reported per asset */
export const MAX_CONFLICTS_REPORTED = 10
/** Records checked at once within one level of the walk */
export const VERIFY_CONCURRENCY = 8
/** Content blocks read at once while checking a content DAG */
export const CONTENT_READ_CONCURRENCY = 8
