/**
 * The decision rule: are two works "the same" (one a copy or light edit of the other), judged from their
 * fingerprints alone, so a node can judge works whose bytes it does not hold. Each verdict names the algorithm that
 * decided and its distance, which the findings report. The thresholds were chosen on the generated evaluation set
 * (bench/fingerprint-eval.ts, docs/benchmarks.md "Fingerprint recall and precision"); protocols/fingerprints.md §6
 * specifies the rule so every node draws the same line.
 *
 * The logic is split in two: `decideImage` / `decideText` take distances (what the bench sweeps over millions of
 * pairs), `matchImages` / `matchTexts` take the codes as records carry them and compute those distances.
 */
import { ALG_ISCC_IMAGE, ALG_ISCC_TEXT, ALG_MINHASH_TEXT, ALG_PDQ } from './constants.ts'
import { FingerprintInputError } from './errors.ts'
import { fromHex, hamming } from './hamming.ts'
import { decodeContentUnit, ISCC_SUBTYPE_IMAGE, ISCC_SUBTYPE_TEXT } from './iscc-codec.ts'
import { PDQ_VARIANTS, type PdqVariant } from './pdq.ts'

export interface ImageRule {
  /** PDQ decides alone at a distance ≤ this (the least over the dihedral variants); -1: never alone */
  pdqRadius: number
  /** PDQ hashes of a quality below this, on either side, are not used (PDQ's reference discards ≤ 49) */
  pdqMinQuality: number
  /** ISCC Image-Code-64 at ≤ this (the least over the turns a side brings) is a match … -1: never */
  isccRadius: number
  /** … when PDQ agrees to within this, wherever both sides have a usable PDQ hash (256: ISCC alone suffices) */
  isccConfirmPdq: number
}

export interface TextRule {
  /** Text-Code-64 distance at which a pair is a candidate (what a near-duplicate index is searched with) */
  candidateRadius: number
  /** A candidate matches when the MinHash signatures' share of equal minima is ≥ this */
  minSimilarity: number
  /** Without a signature on both sides, the Text-Code alone decides at ≤ this (-1: never) */
  codeOnlyRadius: number
}

/** The chosen image rule (docs/benchmarks.md: measured recall and precision of this and the alternatives) */
export const IMAGE_RULE: Readonly<ImageRule> = Object.freeze({ pdqRadius: 31, pdqMinQuality: 50, isccRadius: 12, isccConfirmPdq: 96 })
/** The chosen text rule */
export const TEXT_RULE: Readonly<TextRule> = Object.freeze({ candidateRadius: 20, minSimilarity: 0.25, codeOnlyRadius: 13 })

export type MatchAlgorithm = typeof ALG_PDQ | typeof ALG_ISCC_IMAGE | typeof ALG_ISCC_TEXT | typeof ALG_MINHASH_TEXT

export interface Verdict {
  match: boolean
  /** The algorithm that decided (for a refusal: the most telling one measured), null when nothing comparable */
  algorithm: MatchAlgorithm | null
  /** Its figure: Hamming bits for PDQ and ISCC codes, the share of equal minima (0…1) for MinHash */
  distance: number | null
  /** Every figure measured, for the report */
  distances: { pdq?: number, pdqVariant?: MatchVariant, iscc?: number, similarity?: number }
}

/** How the querying side's picture was brought to the other's: one of PDQ's eight turns, or straightened (straighten.ts) */
export type MatchVariant = PdqVariant | 'straightened'

/** Distances between two images; `pdq` is null when either side lacks a usable PDQ hash (absent or low quality) */
export interface ImageDistances { pdq: number | null, pdqVariant?: MatchVariant, iscc: number | null }

/**
 * Which part of the rule matches, by distances alone: 0 none, 1 PDQ alone, 2 ISCC confirmed by PDQ, 3 ISCC alone
 * (no usable PDQ on a side). `pdq` is null when either side lacks a usable PDQ hash. The bench calls this over
 * millions of pairs.
 */
export function imageRulePart (pdq: number | null, iscc: number | null, rule: Readonly<ImageRule> = IMAGE_RULE): 0 | 1 | 2 | 3 {
  if (pdq !== null && pdq <= rule.pdqRadius) return 1
  if (iscc === null || iscc > rule.isccRadius) return 0
  if (pdq === null) return 3
  return pdq <= rule.isccConfirmPdq ? 2 : 0
}

/** Whether a text pair matches, by distances alone */
export function textRuleMatches (iscc: number | null, similarity: number | null, rule: Readonly<TextRule> = TEXT_RULE): boolean {
  if (iscc === null || iscc > rule.candidateRadius) return false
  return similarity !== null ? similarity >= rule.minSimilarity : iscc <= rule.codeOnlyRadius
}

export function decideImage (d: ImageDistances, rule: Readonly<ImageRule> = IMAGE_RULE): Verdict {
  const distances: Verdict['distances'] = {}
  if (d.pdq !== null) { distances.pdq = d.pdq; if (d.pdqVariant !== undefined) distances.pdqVariant = d.pdqVariant }
  if (d.iscc !== null) distances.iscc = d.iscc
  const verdict = (match: boolean, algorithm: MatchAlgorithm | null, distance: number | null): Verdict => ({ match, algorithm, distance, distances })
  const part = imageRulePart(d.pdq, d.iscc, rule)
  if (part === 1) return verdict(true, ALG_PDQ, d.pdq)
  if (part !== 0) return verdict(true, ALG_ISCC_IMAGE, d.iscc)
  if (d.pdq !== null) return verdict(false, ALG_PDQ, d.pdq)
  return d.iscc !== null ? verdict(false, ALG_ISCC_IMAGE, d.iscc) : verdict(false, null, null)
}

/** Distances between two texts: Text-Code bits, and the signatures' share of equal minima when both have one */
export interface TextDistances { iscc: number | null, similarity: number | null }

export function decideText (d: TextDistances, rule: Readonly<TextRule> = TEXT_RULE): Verdict {
  const distances: Verdict['distances'] = {}
  if (d.iscc !== null) distances.iscc = d.iscc
  if (d.similarity !== null) distances.similarity = d.similarity
  const verdict = (match: boolean, algorithm: MatchAlgorithm | null, distance: number | null): Verdict => ({ match, algorithm, distance, distances })
  if (d.iscc === null) return verdict(false, null, null)
  const match = textRuleMatches(d.iscc, d.similarity, rule)
  if (d.iscc > rule.candidateRadius || d.similarity === null) return verdict(match, ALG_ISCC_TEXT, d.iscc)
  return verdict(match, ALG_MINHASH_TEXT, d.similarity)
}

/** An image's codes as a record carries them; `dihedral` only where the bytes are at hand (the querying side) */
export interface ImageCodes {
  pdq?: { hash: string, quality: number, dihedral?: Partial<Record<PdqVariant, string>> }
  /** ISCC Image-Code-64: the code string (`ISCC:EEA…`) */
  iscc?: string
  /** ISCC Image-Code-64 of the 32×32 grey turned each of the eight ways (turns.ts), where the bytes are at hand */
  isccDihedral?: Partial<Record<PdqVariant, string>>
  /**
   * Where the bytes are at hand and the picture is turned a few degrees inside its frame (straighten.ts): the PDQ
   * hash and ISCC code of it straightened, compared like a turn
   */
  straightened?: { degrees: number, pdq: { hash: string, quality: number }, iscc: string }
}

/** A text's codes: Text-Code-64 string and the `minhash-64x32` signature (512 hex digits) */
export interface TextCodes { iscc?: string, minhash?: string }

function isccDigest (code: string, subtype: number): Uint8Array {
  const u = decodeContentUnit(code)
  if (u.subtype !== subtype || u.bits !== 64) throw new FingerprintInputError('not an ISCC Content-Code of the expected kind and 64 bits', { details: { subtype: u.subtype, bits: u.bits } })
  return u.digest
}

function pdqHash (hex: string): Uint8Array {
  if (hex.length !== 64) throw new FingerprintInputError('a PDQ hash is 64 hex digits')
  try { return fromHex(hex) } catch (err) { throw new FingerprintInputError('a PDQ hash is 64 hex digits', { cause: err }) }
}

/**
 * PDQ distance of two images, the least over the dihedral variants either side brings against the other's hash
 * (so a turned or mirrored copy is met whichever side holds the bytes), and over a side's straightened hash; null
 * when a side's quality is too low
 */
export function pdqDistance (a: ImageCodes, b: ImageCodes, minQuality = IMAGE_RULE.pdqMinQuality): { distance: number, variant: MatchVariant } | null {
  if (a.pdq === undefined || b.pdq === undefined || a.pdq.quality < minQuality || b.pdq.quality < minQuality) return null
  const ha = pdqHash(a.pdq.hash)
  const hb = pdqHash(b.pdq.hash)
  let best: { distance: number, variant: MatchVariant } = { distance: hamming(ha, hb), variant: 'original' }
  for (const [side, other] of [[a, hb], [b, ha]] as const) {
    for (const v of PDQ_VARIANTS) {
      const h = side.pdq?.dihedral?.[v]
      if (h === undefined || v === 'original') continue
      const d = hamming(pdqHash(h), other)
      if (d < best.distance) best = { distance: d, variant: v }
    }
    const s = side.straightened?.pdq
    if (s !== undefined && s.quality >= minQuality) {
      const d = hamming(pdqHash(s.hash), other)
      if (d < best.distance) best = { distance: d, variant: 'straightened' }
    }
  }
  return best
}

/** ISCC Image-Code distance, the least over the turns (and the straightened code) either side brings against the other's code; null if a side has none */
export function isccDistance (a: ImageCodes, b: ImageCodes): number | null {
  if (a.iscc === undefined || b.iscc === undefined) return null
  const da = isccDigest(a.iscc, ISCC_SUBTYPE_IMAGE)
  const db = isccDigest(b.iscc, ISCC_SUBTYPE_IMAGE)
  let best = hamming(da, db)
  for (const [side, other] of [[a, db], [b, da]] as const) {
    const codes = Object.values(side.isccDihedral ?? {})
    if (side.straightened !== undefined) codes.push(side.straightened.iscc)
    for (const code of codes) {
      if (code !== undefined) best = Math.min(best, hamming(isccDigest(code, ISCC_SUBTYPE_IMAGE), other))
    }
  }
  return best
}

/** Are two images the same work? Malformed codes are a FingerprintInputError */
export function matchImages (a: ImageCodes, b: ImageCodes, rule: Readonly<ImageRule> = IMAGE_RULE): Verdict {
  const p = pdqDistance(a, b, rule.pdqMinQuality)
  const iscc = isccDistance(a, b)
  return decideImage(p === null ? { pdq: null, iscc } : { pdq: p.distance, pdqVariant: p.variant, iscc }, rule)
}

function signature (hex: string): Uint32Array {
  if (hex.length !== 512) throw new FingerprintInputError('a minhash-64x32 signature is 512 hex digits')
  let bytes: Uint8Array
  try { bytes = fromHex(hex) } catch (err) { throw new FingerprintInputError('a minhash-64x32 signature is 512 hex digits', { cause: err }) }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return Uint32Array.from({ length: 64 }, (_, i) => view.getUint32(i * 4))
}

/** Share of equal minima of two signatures (hex), 0…1 */
export function signatureSimilarity (a: string, b: string): number {
  const sa = signature(a)
  const sb = signature(b)
  let same = 0
  for (let i = 0; i < sa.length; i++) if (sa[i] === sb[i]) same++
  return same / sa.length
}

/** Are two texts the same work? Malformed codes are a FingerprintInputError */
export function matchTexts (a: TextCodes, b: TextCodes, rule: Readonly<TextRule> = TEXT_RULE): Verdict {
  const iscc = a.iscc !== undefined && b.iscc !== undefined ? hamming(isccDigest(a.iscc, ISCC_SUBTYPE_TEXT), isccDigest(b.iscc, ISCC_SUBTYPE_TEXT)) : null
  const similarity = a.minhash !== undefined && b.minhash !== undefined ? signatureSimilarity(a.minhash, b.minhash) : null
  return decideText({ iscc, similarity }, rule)
}
