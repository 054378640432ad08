/**
 * ISCC MinHash: 64 minima of universal hashes over 32-bit features, and the bit compression ISCC builds its
 * Text-Code from. The same 64 minima are kept whole as the "MinHash signature": the Text-Code keeps one bit of
 * each (so unrelated texts agree on half of them by chance), the signature keeps 32 bits of each, whose share of
 * equal minima estimates the Jaccard similarity of the two texts' 13-character windows — the precise second check.
 */
import { MPA, MPB } from './minhash-params.ts'

const MAXI64 = (1n << 64n) - 1n
const MPRIME = (1n << 61n) - 1n
const MAXH = (1n << 32n) - 1n

/** Number of minima (permutations) in a signature */
export const MINHASH_SIZE = 64

/**
 * The 64 minima of ((a·f + b) mod 2^64) mod (2^61−1), masked to 32 bits, over the features. Features are unsigned
 * 32-bit integers; duplicates do not change a minimum, so each distinct feature is hashed once.
 */
export function minhash (features: Iterable<number>): Uint32Array {
  const distinct = [...new Set(features)].map(f => BigInt(f >>> 0))
  if (distinct.length === 0) throw new RangeError('minhash needs at least one feature')
  const out = new Uint32Array(MINHASH_SIZE)
  for (let p = 0; p < MINHASH_SIZE; p++) {
    const a = MPA[p]
    const b = MPB[p]
    let min = MAXH + 1n
    for (const f of distinct) {
      const h = (((a * f + b) & MAXI64) % MPRIME) & MAXH
      if (h < min) min = h
    }
    out[p] = Number(min)
  }
  return out
}

/**
 * ISCC's compression: bit `bitpos` of every minimum in turn, for bitpos 0 … lsb−1, most significant bit first in
 * the output. lsb 4 gives the 256-bit digest that Text-Codes of 64…256 bits are cut from.
 */
export function compressMinhash (mh: Uint32Array, lsb: number): Uint8Array {
  const out = new Uint8Array((mh.length * lsb + 7) >> 3)
  let k = 0
  for (let bitpos = 0; bitpos < lsb; bitpos++) {
    for (const h of mh) {
      if ((h >>> bitpos) & 1) out[k >> 3] |= 0x80 >> (k & 7)
      k++
    }
  }
  return out
}

/** Share of equal minima: an unbiased estimate of the Jaccard similarity of the two feature sets (0…1) */
export function minhashSimilarity (a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length || a.length === 0) throw new RangeError('signatures differ in size')
  let same = 0
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++
  return same / a.length
}
