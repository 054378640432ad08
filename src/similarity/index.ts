/**
 * Near-duplicate works (issue 12 D3–D5): every fingerprint the node holds, searchable by Hamming radius, and the
 * `possible.unattributed_derivative` rule over the record set. No network, no node: `src/node/similarity-service.ts`
 * wires it to the index and the record events.
 */
export { SimilarWorks, LinearScan, type SimilarQuery, type SimilarWorksInit } from './similar-works.ts'
export { PairJudge, LINEAGE_DEPTH, LINEAGE_RECORDS, type PairView, type UnattributedPair } from './unattributed.ts'
export { codesOfClaims, codesOfImage, codesOfText, parseCodeParam, claimBits, type FingerprintClaim } from './codes.ts'
export { codesOfBytes, kindOf } from './compute.ts'
export { SEARCH_RULES, RULE_BY_ALG, MAX_SIMILAR, type SearchRule } from './rules.ts'
export type { HammingSearch, HammingSearchFactory, SimilarWork, WorkCode } from './types.ts'
export { createPairView } from './pair-view.ts'
