/**
 * Fingerprint codes as bits: from an asset record's claimed `fingerprints` member (protocols/records.md §3.1), from
 * what src/fingerprints computes over bytes, and from the `<alg>:<code>` form a client may query with.
 */
import { ALG_ISCC_IMAGE, ALG_ISCC_TEXT, ALG_MINHASH_TEXT, ALG_PDQ, decodeContentUnit, fromHex } from '../fingerprints/index.ts'
import type { ImageFingerprints, TextFingerprints } from '../fingerprints/index.ts'
import { InvalidRequestError } from '../errors.ts'
import type { WorkCode } from './types.ts'

/** A fingerprint as an asset record states it */
export interface FingerprintClaim {
  alg: string
  bits: number
  code: string
  quality?: number
}

/** Bits of one claimed code; undefined for an algorithm this node does not know or a code it cannot read */
export function claimBits (claim: FingerprintClaim): Uint8Array | undefined {
  try {
    switch (claim.alg) {
      case ALG_PDQ:
      case ALG_MINHASH_TEXT:
        return fromHex(claim.code)
      case ALG_ISCC_IMAGE:
      case ALG_ISCC_TEXT:
        return decodeContentUnit(claim.code).digest
      default:
        return undefined
    }
  } catch {
    return undefined
  }
}

/** The codes an asset record claims, those this node can read (unknown algorithms are skipped: §3.1) */
export function codesOfClaims (claims: readonly FingerprintClaim[] | undefined): WorkCode[] {
  const out: WorkCode[] = []
  for (const c of claims ?? []) {
    const code = claimBits(c)
    if (code == null) continue
    out.push(c.quality != null ? { alg: c.alg, code, quality: c.quality } : { alg: c.alg, code })
  }
  return out
}

/** The codes of an image computed here, its seven rotations and flips among them (tagged with their variant) */
export function codesOfImage (fp: ImageFingerprints): WorkCode[] {
  const out: WorkCode[] = [
    { alg: ALG_PDQ, code: fromHex(fp.pdq.hash), quality: fp.pdq.quality },
    { alg: ALG_ISCC_IMAGE, code: fp.iscc.digest }
  ]
  for (const [variant, hex] of Object.entries(fp.pdq.dihedral)) {
    if (variant === 'original') continue
    out.push({ alg: ALG_PDQ, code: fromHex(hex), quality: fp.pdq.quality, variant })
  }
  return out
}

/** The codes of a text computed here */
export function codesOfText (fp: TextFingerprints): WorkCode[] {
  return [{ alg: ALG_ISCC_TEXT, code: fp.iscc.digest }, { alg: ALG_MINHASH_TEXT, code: fromHex(fp.minhash) }]
}

/** `<alg>:<code>` as a query gives it (`pdq-256:<64 hex>`, `iscc-image-64:ISCC:…`); InvalidRequestError otherwise */
export function parseCodeParam (value: string): WorkCode {
  const colon = value.indexOf(':')
  const alg = colon === -1 ? '' : value.slice(0, colon)
  const code = claimBits({ alg, bits: 0, code: value.slice(colon + 1) })
  if (code == null || !QUERYABLE.has(alg) || code.length * 8 !== BITS[alg]) {
    throw new InvalidRequestError(`code must be <alg>:<code> with alg one of ${[...QUERYABLE].join(', ')}`, { details: { field: 'code' } })
  }
  return { alg, code }
}

const BITS: Record<string, number> = { [ALG_PDQ]: 256, [ALG_ISCC_IMAGE]: 64, [ALG_ISCC_TEXT]: 64 }
const QUERYABLE = new Set([ALG_PDQ, ALG_ISCC_IMAGE, ALG_ISCC_TEXT])
