/**
 * Parameters of the near-duplicate index (multi-index hashing); the cost weights are from
 * `node bench/near-dup.ts --sweep` on 1,000,000 random codes (docs/benchmarks.md § Near-duplicate lookup).
 */

/**
 * Codes added since the last build are kept outside the substring tables and checked one by one; at this many the
 * tables are rebuilt over everything (O(n·m), counting sorts). Bounds the per-query cost of the unindexed tail
 * (4,096 × ≤ 8 words) and makes a rebuild happen once per 4,096 adds.
 */
export const DELTA_MAX = 4096

/** Removed codes stay in the tables (skipped) until they are this fraction of the live ones, then a rebuild drops them */
export const REMOVED_REBUILD_FRACTION = 0.25

/**
 * Default cap on codes verified (full distance) per query: beyond it the query stops and says `truncated`, so a
 * pathological cluster (thousands of codes sharing substrings) costs bounded time, never a silently short answer.
 * 100,000 verifications of 256-bit codes take ~2-4 ms here.
 */
export const DEFAULT_MAX_CANDIDATES = 100_000

/**
 * Relative costs for choosing the layout (plan.ts), in units of one table probe (a directory read and a short
 * bucket search, ~15 ns here). A candidate costs a random read of its code (a cache miss) plus its words; a code
 * in a plain scan is read in order and stops early. Fitted to `node bench/near-dup.ts --sweep` at 1,000,000 codes.
 */
export const PROBE_COST = 1
export const VERIFY_BASE = 3
export const VERIFY_WORD = 0.25
export const SCAN_BASE = 0.4
export const SCAN_WORD = 0.05

/** Substrings longer than this do not fit a 32-bit key */
export const MAX_SUBSTRING_BITS = 32

/** What the node indexes, per algorithm id (protocols/fingerprints.md): code length, match radius, quality floor */
export interface NearDupAlgorithm {
  bits: number
  /** Hamming distance at or below which two codes match */
  radius: number
  /** Codes with a quality at or below this are not indexed (PDQ: the reference discards quality ≤ 49) */
  discardQualityAtOrBelow?: number
}

export const NEAR_DUP_ALGORITHMS: Readonly<Record<string, NearDupAlgorithm>> = {
  'pdq-256': { bits: 256, radius: 31, discardQualityAtOrBelow: 49 },
  'iscc-image-64': { bits: 64, radius: 12 },
  // minhash-64x32 is the precise second check for text, compared pairwise, not searched by Hamming distance
  'iscc-text-64': { bits: 64, radius: 13 }
}

/** The recent segment is merged into the base (a full rebuild) when it passes this fraction of the base */
export const RECENT_FRACTION = 0.125
