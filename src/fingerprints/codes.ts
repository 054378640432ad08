/**
 * The `fingerprints` member of asset records (protocols/records.md §3.1): the rules per algorithm id, and the raw
 * code bits the index and the near-duplicate search compare. Pure and free of Node APIs (no Buffer, no sharp): the
 * record checks that use it also run in the browser.
 *
 * Known ids have fixed `bits`, a fixed code spelling (one spelling per code, so one code has one index key) and a
 * fixed rule for `quality`. An id this release does not know is accepted when it has the shape of one (see the
 * schema) and is ignored by the index and by verification: a future algorithm needs no new record version, and an
 * old node keeps such records without pretending to check them.
 */
import { base32upper } from 'multiformats/bases/base32'
import { ALG_ISCC_IMAGE, ALG_ISCC_TEXT, ALG_MINHASH_TEXT, ALG_PDQ } from './constants.ts'
import type { FingerprintClaim } from '../records/types.ts'
import { ISCC_MAINTYPE_CONTENT, ISCC_SUBTYPE_IMAGE, ISCC_SUBTYPE_TEXT, ISCC_VERSION_0 } from './iscc-codec.ts'

export type { FingerprintClaim }

export interface KnownAlg {
  bits: number
  /** the only spelling of a code */
  pattern: RegExp
  /** whether `quality` is required or refused */
  quality: 'required' | 'absent'
  /** ISCC Content-Code subtype of the unit, for the ISCC ids */
  isccSubtype?: number
}

/** Most entries in one record: the four known ids and room for as many future ones */
export const MAX_FINGERPRINTS = 8

/** The ids this release computes, indexes and checks */
export const KNOWN_ALGS: Readonly<Record<string, KnownAlg>> = Object.freeze({
  [ALG_PDQ]: { bits: 256, pattern: /^[0-9a-f]{64}$/, quality: 'required' },
  // 2 header bytes + 8 body bytes = 80 bits = exactly 16 base32 characters, no padding: one spelling
  [ALG_ISCC_IMAGE]: { bits: 64, pattern: /^ISCC:[A-Z2-7]{16}$/, quality: 'absent', isccSubtype: ISCC_SUBTYPE_IMAGE },
  [ALG_ISCC_TEXT]: { bits: 64, pattern: /^ISCC:[A-Z2-7]{16}$/, quality: 'absent', isccSubtype: ISCC_SUBTYPE_TEXT },
  [ALG_MINHASH_TEXT]: { bits: 2048, pattern: /^[0-9a-f]{512}$/, quality: 'absent' }
})

export function isKnownAlg (alg: string): boolean {
  return Object.hasOwn(KNOWN_ALGS, alg)
}

function hexBytes (hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

export function bytesHex (bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

/**
 * What is wrong with a claim of a known id (bits, spelling, quality, the ISCC header), or undefined when it is
 * sound or its id is not known here. `field` names the part at fault, for the record error.
 */
export function claimProblem (claim: FingerprintClaim): { field: 'bits' | 'code' | 'quality', message: string } | undefined {
  const known = KNOWN_ALGS[claim.alg]
  if (known === undefined || !Object.hasOwn(KNOWN_ALGS, claim.alg)) return undefined
  if (claim.bits !== known.bits) return { field: 'bits', message: `must be ${known.bits} for ${claim.alg}` }
  if (!known.pattern.test(claim.code)) return { field: 'code', message: `is not a ${claim.alg} code (${known.pattern.source})` }
  if (known.quality === 'required' && claim.quality === undefined) return { field: 'quality', message: `is required for ${claim.alg}` }
  if (known.quality === 'absent' && claim.quality !== undefined) return { field: 'quality', message: `is not defined for ${claim.alg}` }
  if (known.isccSubtype !== undefined) {
    const unit = base32upper.baseDecode(claim.code.slice(5))
    const length = unit[1] & 0x0f
    if ((unit[0] >> 4) !== ISCC_MAINTYPE_CONTENT || (unit[0] & 0x0f) !== known.isccSubtype ||
      (unit[1] >> 4) !== ISCC_VERSION_0 || (length + 1) * 32 !== known.bits) {
      return { field: 'code', message: `is not an ISCC Content-Code v0 unit of ${claim.alg} (header ${bytesHex(unit.subarray(0, 2))})` }
    }
  }
  return undefined
}

/**
 * The raw code bits of a sound claim of a known id (the ISCC body without its header, the hex decoded); undefined
 * for an id not known here. What the index keys and Hamming distances are taken over.
 */
export function codeBits (claim: Pick<FingerprintClaim, 'alg' | 'code'>): Uint8Array | undefined {
  const known = KNOWN_ALGS[claim.alg]
  if (known === undefined || !Object.hasOwn(KNOWN_ALGS, claim.alg)) return undefined
  if (known.isccSubtype !== undefined) return base32upper.baseDecode(claim.code.slice(5)).subarray(2)
  return hexBytes(claim.code)
}
