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

/**
 * What the collapse removes: white space (Python's str.isspace is \s plus controls, which category C takes anyway)
 * and every character of the Unicode general categories C (other), M (mark) and P (punctuation)
 */
const REMOVED = /[\s\p{C}\p{M}\p{P}]/gu

/** iscc-core's text_collapse: the normal form both sides of a comparison hash */
export function collapseText (text: string): string {
  return text.normalize('NFD').toLowerCase().replace(REMOVED, '').normalize('NFKC')
}

/** xxh32 of the UTF-8 of each 13-code-point window of already collapsed text (UTF-8 encoded once, windows sliced) */
export function textFeatures (collapsed: string): Uint32Array {
  const bytes = new TextEncoder().encode(collapsed)
  // byte offset where each code point starts, and the end
  const starts: number[] = []
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] & 0xc0) !== 0x80) starts.push(i)
  starts.push(bytes.length)
  const cps = starts.length - 1
  const n = Math.max(cps - TEXT_NGRAM_SIZE + 1, 1)
  const out = new Uint32Array(n)
  for (let i = 0; i < n; i++) out[i] = xxh32(bytes, 0, starts[i], starts[Math.min(i + TEXT_NGRAM_SIZE, cps)])
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
