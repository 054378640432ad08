/**
 * When two works count as the same work seen twice (protocols/fingerprints.md §6): the radius each indexed
 * algorithm searches within, and the checks a candidate must then pass. The figures behind them are in
 * docs/benchmarks.md § Fingerprint recall and precision.
 */
import { ALG_ISCC_IMAGE, ALG_ISCC_TEXT, ALG_MINHASH_TEXT, ALG_PDQ } from '../fingerprints/index.ts'

export interface SearchRule {
  alg: string
  bits: number
  /** the match radius: bits that may differ, inclusive */
  radius: number
  /** the largest radius a client may ask for (the search's cost grows fast with it) */
  maxRadius: number
  /** codes of a lower quality are neither indexed nor searched with (PDQ: ThreatExchange discards ≤ 49) */
  minQuality?: number
  /** a text candidate must also share at least this share of MinHash minima */
  minMinhash?: number
}

/** The searched algorithms, the strongest first: a pair found by several is reported under the first */
export const SEARCH_RULES: readonly SearchRule[] = [
  { alg: ALG_PDQ, bits: 256, radius: 31, maxRadius: 63, minQuality: 50 },
  { alg: ALG_ISCC_IMAGE, bits: 64, radius: 12, maxRadius: 20 },
  { alg: ALG_ISCC_TEXT, bits: 64, radius: 13, maxRadius: 20, minMinhash: 0.5 }
]

export const RULE_BY_ALG: ReadonlyMap<string, SearchRule> = new Map(SEARCH_RULES.map(r => [r.alg, r]))

/** The precise second check for text */
export const CONFIRM_ALG = ALG_MINHASH_TEXT

/** Most works one lookup answers */
export const MAX_SIMILAR = 100
