/**
 * ISCC Text-Code v0 and the MinHash signature kept beside it. The text is collapsed as iscc-core does (NFD, lower
 * case, drop white space and every character of the Unicode categories C, M and P, then NFKC), cut into windows
 * of 13 code points (one shorter window when the text is shorter), each window's UTF-8 hashed with xxh32; the 64
 * MinHash minima of those features give the code (bit 0 of each minimum, then bit 1, …) and, kept whole, the
 * signature.
 */
import { compressMinhash, minhash } from './minhash.ts'
import { encodeContentUnit, ISCC_SUBTYPE_TEXT, type IsccUnit } from './iscc-codec.ts'
import { xxh32 } from './xxh32.ts'

export const TEXT_NGRAM_SIZE = 13

/** Python's str.isspace: white space plus the separators of bidi classes B/S/WS (all caught by \s or category C) */
const SPACE = /\s/u
/** Unicode general categories C (other), M (mark), P (punctuation): removed by the collapse */
const FILTERED = /[\p{C}\p{M}\p{P}]/u

/** iscc-core's text_collapse: the normal form both sides of a comparison hash */
export function collapseText (text: string): string {
  const decomposed = text.normalize('NFD').toLowerCase()
  let kept = ''
  for (const ch of decomposed) {
    if (!SPACE.test(ch) && !FILTERED.test(ch)) kept += ch
  }
  return kept.normalize('NFKC')
}

/** xxh32 of each 13-code-point window of already collapsed text */
export function textFeatures (collapsed: string): Uint32Array {
  const cps = Array.from(collapsed)
  const n = Math.max(cps.length - TEXT_NGRAM_SIZE + 1, 1)
  const enc = new TextEncoder()
  const out = new Uint32Array(n)
  for (let i = 0; i < n; i++) out[i] = xxh32(enc.encode(cps.slice(i, i + TEXT_NGRAM_SIZE).join('')))
  return out
}

export interface TextFingerprint {
  /** ISCC Text-Code (64 bits unless asked) */
  iscc: IsccUnit
  /** Code points of the collapsed text, as iscc-core's `characters` */
  characters: number
  /** The 64 MinHash minima (32 bits each): Jaccard estimate by share of equal entries */
  minhash: Uint32Array
}

/** Text-Code and MinHash signature of plain text (markup already removed) */
export function textFingerprint (text: string, bits = 64): TextFingerprint {
  const collapsed = collapseText(text)
  const mh = minhash(textFeatures(collapsed))
  return {
    iscc: encodeContentUnit(ISCC_SUBTYPE_TEXT, bits, compressMinhash(mh, 4)),
    characters: Array.from(collapsed).length,
    minhash: mh
  }
}
