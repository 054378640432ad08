/**
 * Claimed fingerprints against those recomputed from the bytes: the tolerances and the comparison. Pure and free of
 * Node APIs and of the image decoder (claims.ts computes; this only compares), so the provenance report's code
 * needs nothing else.
 */
import type { FingerprintClaim } from '../records/types.ts'
import { ALG_ISCC_IMAGE, ALG_ISCC_TEXT, ALG_MINHASH_TEXT, ALG_PDQ } from './constants.ts'
import { codeBits, isKnownAlg } from './codes.ts'
import { hamming } from './hamming.ts'

/** What kind of work a fingerprint is made for */
export type FingerprintKind = 'image' | 'text'

/**
 * Bits a recomputed code may differ from the claimed one and still match. The text codes are pure functions of the
 * bytes: exact. The image codes go through the image decoder, whose results can differ slightly between libvips
 * builds (JPEG IDCT, resampling): PDQ within 10 of 256 bits (the largest distance between this project's PDQ and
 * the reference's on the reference images, where the decoders differ: protocols/fingerprints.md §5; a third of
 * PDQ's match radius of 31), ISCC Image within 4 of 64 (a third of ISCC's match radius of 12). PDQ's quality within 10.
 */
export const MATCH_TOLERANCE: Readonly<Record<string, number>> = Object.freeze({
  [ALG_PDQ]: 10,
  [ALG_ISCC_IMAGE]: 4,
  [ALG_ISCC_TEXT]: 0,
  [ALG_MINHASH_TEXT]: 0
})
export const QUALITY_TOLERANCE = 10

/** Why a work's bytes gave no fingerprint: over a bound (not checkable here), or not an image / UTF-8 text at all */
export type RefusalReason = 'tooLarge' | 'undecodable'

/** The kinds of work a record's claims are fingerprints of (known algorithms only) */
export function claimedKinds (claims: readonly FingerprintClaim[]): FingerprintKind[] {
  const kinds = new Set<FingerprintKind>()
  for (const c of claims) {
    if (c.alg === ALG_PDQ || c.alg === ALG_ISCC_IMAGE) kinds.add('image')
    if (c.alg === ALG_ISCC_TEXT || c.alg === ALG_MINHASH_TEXT) kinds.add('text')
  }
  return [...kinds]
}

/** What the bytes of one held work give, for one kind (a node's store answers it: src/node/work-fingerprints.ts) */
export type WorkFingerprints =
  | { status: 'computed', fingerprints: FingerprintClaim[] }
  /** the content's blocks are not all held here */
  | { status: 'notHeld' }
  /** no fingerprint: over a bound of the node or of the algorithms, or bytes that are not of the kind at all */
  | { status: 'refused', reason: RefusalReason, message: string }

/** How one claimed fingerprint compares with the bytes */
export interface ClaimCheck {
  alg: string
  /** `match`: within the tolerance; `mismatch`: beyond it, or a code the bytes do not give at all; `unknown`: an
   * algorithm this release does not compute, not checked */
  outcome: 'match' | 'mismatch' | 'unknown'
  /** bits that differ, when both codes exist */
  distance?: number
  tolerance?: number
  /** PDQ: claimed and recomputed quality, when they differ by more than QUALITY_TOLERANCE */
  quality?: { claimed: number, computed: number }
}

/** Compare claimed fingerprints with those computed from the bytes (`computed` empty: the bytes give none) */
export function checkClaims (claimed: readonly FingerprintClaim[], computed: readonly FingerprintClaim[]): ClaimCheck[] {
  return claimed.map(claim => {
    if (!isKnownAlg(claim.alg)) return { alg: claim.alg, outcome: 'unknown' }
    const tolerance = MATCH_TOLERANCE[claim.alg]
    const mine = computed.find(c => c.alg === claim.alg)
    if (mine === undefined) return { alg: claim.alg, outcome: 'mismatch', tolerance }
    const a = codeBits(claim)
    const b = codeBits(mine)
    const distance = a !== undefined && b !== undefined && a.length === b.length ? hamming(a, b) : undefined
    const out: ClaimCheck = { alg: claim.alg, outcome: distance !== undefined && distance <= tolerance ? 'match' : 'mismatch', distance, tolerance }
    if (claim.quality !== undefined && mine.quality !== undefined && Math.abs(claim.quality - mine.quality) > QUALITY_TOLERANCE) {
      out.outcome = 'mismatch'
      out.quality = { claimed: claim.quality, computed: mine.quality }
    }
    return out
  })
}
