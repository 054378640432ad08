/**
 * Near-duplicate works (issue 12 D3–D5): every fingerprint the node holds, searchable by Hamming radius and decided
 * by the match rule, and the `possible.unattributed_derivative` rule over the record set. No network, no node:
 * `src/node/similarity-service.ts` wires it to the index and the record events.
 */
export { SimilarWorks, LinearScan, type SimilarQuery, type SimilarAnswer, type SimilarWorksInit } from './similar-works.ts'
export { PairJudge, LINEAGE_DEPTH, LINEAGE_RECORDS, type PairView, type UnattributedPair } from './unattributed.ts'
export { codesOfClaims, codesOfBytes, withTurns, kindOf, parseCodeParam, searchKeys, type SearchKey, type FingerprintClaim } from './codes.ts'
export { SEARCH_RULES, RULE_BY_ALG, MAX_SIMILAR, MAX_RADIUS, MIN_PDQ_QUALITY, type SearchRule } from './rules.ts'
export { createPairView } from './pair-view.ts'
export { nearDupSearch } from './near-dup-search.ts'
export type { HammingSearch, HammingSearchFactory, SimilarWork, WorkCodes } from './types.ts'
