/**
 * ISCC MinHash: 64 minima of universal hashes over 32-bit features, and the bit compression ISCC builds its
 * Text-Code from. The same 64 minima are kept whole as the "MinHash signature": the Text-Code keeps one bit of
 * each (so unrelated texts agree on half of them by chance), the signature keeps 32 bits of each, whose share of
 * equal minima estimates the Jaccard similarity of the two texts' 13-character windows — the precise second check.
 */
import { MPA, MPB } from './minhash-params.ts'

/** Number of minima (permutations) in a signature */
export const MINHASH_SIZE = 64

/** The permutation constants as four 16-bit limbs each (least significant first), for BigInt-free arithmetic */
const limbs = (v: bigint): number[] => [0, 1, 2, 3].map(i => Number((v >> BigInt(16 * i)) & 0xffffn))
const A = MPA.map(limbs)
const B = MPB.map(limbs)
const INV16 = 1 / 65536

/**
 * (((a·f + b) mod 2^64) mod (2^61−1)) mod 2^32 for a, b < 2^61 and a 32-bit f, in 16-bit limbs held in doubles (no
 * product or sum exceeds 2^35, so every step is exact). About five times faster than BigInt; the spec checks it
 * against BigInt arithmetic on random inputs.
 */
function permute (a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number, f0: number, f1: number): number {
  let c = a0 * f0 + b0
  let q = Math.floor(c * INV16)
  const x0 = c - q * 65536
  c = q + a1 * f0 + a0 * f1 + b1
  q = Math.floor(c * INV16)
  const x1 = c - q * 65536
  c = q + a2 * f0 + a1 * f1 + b2
  q = Math.floor(c * INV16)
  const x2 = c - q * 65536
  c = q + a3 * f0 + a2 * f1 + b3
  const x3 = c - Math.floor(c * INV16) * 65536 // the carry out of here is the part mod 2^64 drops
  // x = hi·2^61 + lo  ⇒  x ≡ lo + hi (mod 2^61−1)
  let y0 = x0 + (x3 >>> 13)
  let y1 = x1
  let y2 = x2
  let y3 = x3 & 0x1fff
  if (y0 > 0xffff) { y0 -= 65536; y1++; if (y1 > 0xffff) { y1 -= 65536; y2++; if (y2 > 0xffff) { y2 -= 65536; y3++ } } }
  // one subtraction of p = 2^61−1 at most: needed when y ≥ p, i.e. y ≥ 2^61 or y = 2^61−1 exactly
  if (y3 > 0x1fff || (y3 === 0x1fff && y2 === 0xffff && y1 === 0xffff && y0 === 0xffff)) {
    y0++ // y − p = y + 1 − 2^61
    if (y0 > 0xffff) { y0 -= 65536; y1++ }
  }
  return y1 * 65536 + y0
}

/**
 * The 64 minima of ((a·f + b) mod 2^64) mod (2^61−1), masked to 32 bits, over the features. Features are unsigned
 * 32-bit integers; duplicates do not change a minimum, so each distinct feature is hashed once.
 */
export function minhash (features: Iterable<number>): Uint32Array {
  const distinct = [...new Set(Array.from(features, f => f >>> 0))]
  if (distinct.length === 0) throw new RangeError('minhash needs at least one feature')
  const lo = Float64Array.from(distinct, f => f & 0xffff)
  const hi = Float64Array.from(distinct, f => f >>> 16)
  const out = new Uint32Array(MINHASH_SIZE)
  for (let p = 0; p < MINHASH_SIZE; p++) {
    const [a0, a1, a2, a3] = A[p]
    const [b0, b1, b2, b3] = B[p]
    let min = 0x100000000
    for (let i = 0; i < distinct.length; i++) {
      const h = permute(a0, a1, a2, a3, b0, b1, b2, b3, lo[i], hi[i])
      if (h < min) min = h
    }
    out[p] = min
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
