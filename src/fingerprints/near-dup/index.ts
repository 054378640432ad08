/**
 * Near-duplicate search over perceptual fingerprints (issue 12 D3): exact Hamming-radius queries by multi-index
 * hashing, one index per algorithm, loaded from the persisted fingerprint entries. No dependency on the node or
 * the Level index: the caller feeds entries in and asks questions.
 */
export { NearDupIndex, type NearDupIndexOptions, type NearDupQueryOptions, type NearDupMatch, type NearDupResult } from './near-dup-index.ts'
export { NearDupSet, type FingerprintEntry, type LoadSummary, type NearDupSetOptions, type SkipReason } from './set.ts'
export { queryDihedral, pdqVariantsFromHash, type DihedralMatch, type DihedralResult } from './dihedral.ts'
export { NEAR_DUP_ALGORITHMS, DEFAULT_MAX_CANDIDATES, DELTA_MAX, type NearDupAlgorithm } from './constants.ts'
export { chooseSubstrings } from './plan.ts'
