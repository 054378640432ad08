/**
 * The searches candidates come from: one per indexed algorithm, with the radius the match rule of
 * protocols/fingerprints.md §6 reads that algorithm at (src/fingerprints/match.ts decides each candidate).
 */
import { ALG_ISCC_IMAGE, ALG_ISCC_TEXT, ALG_PDQ, IMAGE_RULE, TEXT_RULE } from '../fingerprints/index.ts'

export interface SearchRule {
  alg: string
  bits: number
  /** candidates are the codes within this radius */
  radius: number
}

export const SEARCH_RULES: readonly SearchRule[] = [
  { alg: ALG_PDQ, bits: 256, radius: IMAGE_RULE.pdqRadius },
  { alg: ALG_ISCC_IMAGE, bits: 64, radius: IMAGE_RULE.isccRadius },
  { alg: ALG_ISCC_TEXT, bits: 64, radius: TEXT_RULE.candidateRadius }
]

export const RULE_BY_ALG: ReadonlyMap<string, SearchRule> = new Map(SEARCH_RULES.map(r => [r.alg, r]))

/** PDQ codes of a lower quality are neither indexed nor searched with */
export const MIN_PDQ_QUALITY = IMAGE_RULE.pdqMinQuality

/** The largest radius a client may ask for, per code length (the search's cost grows fast with it) */
export const MAX_RADIUS: Readonly<Record<number, number>> = { 256: 63, 64: 20 }

/** Most works one lookup answers */
export const MAX_SIMILAR = 100
