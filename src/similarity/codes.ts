/**
 * A work's codes (types.ts `WorkCodes`) from an asset record's claimed `fingerprints` (protocols/records.md §3.1),
 * from a file's bytes, and from a `<alg>:<code>` query; and the search keys (bits) the index holds for them.
 */
import {
  ALG_ISCC_IMAGE, ALG_ISCC_TEXT, ALG_MINHASH_TEXT, ALG_PDQ, FingerprintInputError, PDQ_VARIANTS, decodeContentUnit, fromHex,
  imageMatchCodes, textFingerprints
} from '../fingerprints/index.ts'
import { InvalidRequestError } from '../errors.ts'
import type { FingerprintClaim } from '../records/types.ts'
import type { WorkCodes } from './types.ts'

export type { FingerprintClaim }

/** The codes an asset record claims (algorithms this node does not know are skipped: records.md §3.1) */
export function codesOfClaims (claims: readonly FingerprintClaim[] | undefined): WorkCodes {
  const out: WorkCodes = {}
  for (const c of claims ?? []) {
    if (c.alg === ALG_PDQ) (out.image ??= {}).pdq = { hash: c.code, quality: c.quality ?? 0 }
    else if (c.alg === ALG_ISCC_IMAGE) (out.image ??= {}).iscc = c.code
    else if (c.alg === ALG_ISCC_TEXT) (out.text ??= {}).iscc = c.code
    else if (c.alg === ALG_MINHASH_TEXT) (out.text ??= {}).minhash = c.code
  }
  return out
}

/** The turns computed from held bytes laid over the claimed codes (the hash and quality stay the record's) */
export function withTurns (codes: WorkCodes, turns: Pick<Required<NonNullable<WorkCodes['image']>>, 'pdq' | 'isccDihedral'> & Pick<NonNullable<WorkCodes['image']>, 'straightened'> | undefined): WorkCodes {
  if (turns == null || codes.image == null) return codes
  const image: NonNullable<WorkCodes['image']> = { ...codes.image, isccDihedral: turns.isccDihedral }
  if (turns.straightened != null) image.straightened = turns.straightened
  if (image.pdq != null) image.pdq = { ...image.pdq, dihedral: turns.pdq.dihedral }
  return { ...codes, image }
}

export type WorkKind = 'image' | 'text' | undefined

const TEXT_TYPES = new Set(['application/json', 'application/xml', 'application/x-tex', 'application/rtf'])

/** Which fingerprints a media type gets (SVG is text: its pixels are whatever a renderer makes of it) */
export function kindOf (mediaType: string): WorkKind {
  const mt = mediaType.toLowerCase().split(';')[0].trim()
  if (mt.startsWith('image/') && mt !== 'image/svg+xml') return 'image'
  if (mt.startsWith('text/') || mt === 'image/svg+xml' || TEXT_TYPES.has(mt)) return 'text'
  return undefined
}

/** The codes of a file (an image with all its turns); a FingerprintInputError (400) when the bytes are refused */
export async function codesOfBytes (bytes: Uint8Array, mediaType: string): Promise<WorkCodes> {
  const kind = kindOf(mediaType)
  if (kind === 'image') return { image: await imageMatchCodes(bytes) }
  if (kind === 'text') {
    const t = textFingerprints(bytes)
    return { text: { iscc: t.iscc.code, minhash: t.minhash } }
  }
  throw new FingerprintInputError(`a ${mediaType} file has no fingerprint: images and texts have`)
}

/** `<alg>:<code>` as a query gives it (`pdq-256:<64 hex>`, `iscc-image-64:ISCC:…`, `iscc-text-64:ISCC:…`) */
export function parseCodeParam (value: string): WorkCodes {
  const colon = value.indexOf(':')
  const alg = colon === -1 ? '' : value.slice(0, colon)
  const code = value.slice(colon + 1)
  const bad = (): never => { throw new InvalidRequestError(`code must be <alg>:<code> with alg one of ${ALG_PDQ}, ${ALG_ISCC_IMAGE}, ${ALG_ISCC_TEXT}`, { details: { field: 'code' } }) }
  try {
    if (alg === ALG_PDQ && /^[0-9a-fA-F]{64}$/.test(code)) return { image: { pdq: { hash: code.toLowerCase(), quality: 100 } } }
    if (alg === ALG_ISCC_IMAGE && decodeContentUnit(code).bits === 64) return { image: { iscc: code } }
    if (alg === ALG_ISCC_TEXT && decodeContentUnit(code).bits === 64) return { text: { iscc: code } }
  } catch {}
  return bad()
}

/** The variant name of a tilted picture's straightened codes (fingerprints/straighten.ts) */
export const STRAIGHTENED = 'straightened'

/** One code the index holds or a query probes with: the bits, and the turn it is of */
export interface SearchKey {
  alg: string
  code: Uint8Array
  variant?: string
}

function isccBits (code: string): Uint8Array | undefined {
  try { return decodeContentUnit(code).digest } catch { return undefined }
}

function pdqBits (hex: string): Uint8Array | undefined {
  try { return hex.length === 64 ? fromHex(hex) : undefined } catch { return undefined }
}

/**
 * The search keys of a work: its PDQ hash (quality ≥ `minQuality` only) and ISCC codes, each turn too where known.
 * Malformed codes give no key (the record's own check reports them).
 */
export function searchKeys (w: WorkCodes, minQuality: number): SearchKey[] {
  const out: SearchKey[] = []
  const push = (alg: string, code: Uint8Array | undefined, variant?: string): void => {
    if (code != null) out.push(variant != null && variant !== 'original' ? { alg, code, variant } : { alg, code })
  }
  const pdq = w.image?.pdq
  if (pdq != null && pdq.quality >= minQuality) {
    push(ALG_PDQ, pdqBits(pdq.hash))
    for (const v of PDQ_VARIANTS) if (v !== 'original' && pdq.dihedral?.[v] != null) push(ALG_PDQ, pdqBits(pdq.dihedral[v] as string), v)
  }
  const straight = w.image?.straightened
  if (pdq != null && pdq.quality >= minQuality && straight != null && straight.pdq.quality >= minQuality) push(ALG_PDQ, pdqBits(straight.pdq.hash), STRAIGHTENED)
  if (w.image?.iscc != null) push(ALG_ISCC_IMAGE, isccBits(w.image.iscc))
  for (const v of PDQ_VARIANTS) if (v !== 'original' && w.image?.isccDihedral?.[v] != null) push(ALG_ISCC_IMAGE, isccBits(w.image.isccDihedral[v] as string), v)
  if (straight != null) push(ALG_ISCC_IMAGE, isccBits(straight.iscc), STRAIGHTENED)
  if (w.text?.iscc != null) push(ALG_ISCC_TEXT, isccBits(w.text.iscc))
  return out
}
