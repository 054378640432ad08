/**
 * PDQ-256 (Meta ThreatExchange) from a luminance matrix: Jarosz downsample to 64×64, a quality score from the
 * gradients there, a 16×16 DCT (frequencies 1…16 of a 64-point DCT-II, the DC term left out), and one bit per
 * coefficient above the median. The eight dihedral variants (rotations, flips) come from sign changes and a
 * transpose of the same 16×16 DCT, so matching a rotated or mirrored copy costs no second pass over the pixels.
 * All arithmetic in 32-bit floats as the reference, so a luminance matrix equal to the reference's gives its hash
 * bit for bit. Written from the published algorithm (hashing.pdf) and a reading of the C++ reference.
 */
import { decimate, jaroszFilter, jaroszWindow } from './jarosz.ts'

const f32 = Math.fround

/** Below this many rows or columns PDQ does not hash: the reference returns an all-zero hash and quality 0 */
export const PDQ_MIN_DIM = 5
const SIDE = 64
const N = 16

/** D[i][j] = sqrt(2/64)·cos(π/128·(i+1)·(2j+1)), 16 × 64, in floats */
const DCT = (() => {
  const d = new Float32Array(N * SIDE)
  const scale = f32(Math.sqrt(2 / SIDE))
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < SIDE; j++) d[i * SIDE + j] = scale * Math.cos((Math.PI / 2 / SIDE) * (i + 1) * (2 * j + 1))
  }
  return d
})()

export type PdqVariant = 'original' | 'rotate90' | 'rotate180' | 'rotate270' | 'flipX' | 'flipY' | 'flipPlus1' | 'flipMinus1'
export const PDQ_VARIANTS: readonly PdqVariant[] = ['original', 'rotate90', 'rotate180', 'rotate270', 'flipX', 'flipY', 'flipPlus1', 'flipMinus1']

export interface PdqResult {
  /** 32 bytes in the order of the reference's 64-hex-digit string */
  hash: Uint8Array
  /** 0…100; the reference advises discarding hashes of quality ≤ 49 */
  quality: number
}

/** Quality: sum of |neighbour differences| on the 64×64 image, as percent of full scale, / 90, capped at 100 */
export function pdqQuality (b: Float32Array): number {
  let sum = 0
  for (let i = 0; i < SIDE - 1; i++) {
    for (let j = 0; j < SIDE; j++) sum += Math.abs(Math.trunc(f32(f32(f32(b[i * SIDE + j] - b[(i + 1) * SIDE + j]) * 100) / 255)))
  }
  for (let i = 0; i < SIDE; i++) {
    for (let j = 0; j < SIDE - 1; j++) sum += Math.abs(Math.trunc(f32(f32(f32(b[i * SIDE + j] - b[i * SIDE + j + 1]) * 100) / 255)))
  }
  return Math.min(100, Math.trunc(sum / 90))
}

/** 16×16 = D · A · Dᵀ, summed in floats in the reference's order */
export function pdqDct (a: Float32Array): Float32Array {
  const t = new Float32Array(N * SIDE)
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < SIDE; j++) {
      let s = 0
      for (let k = 0; k < SIDE; k++) s = f32(s + f32(DCT[i * SIDE + k] * a[k * SIDE + j]))
      t[i * SIDE + j] = s
    }
  }
  const out = new Float32Array(N * N)
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0
      for (let k = 0; k < SIDE; k++) s = f32(s + f32(t[i * SIDE + k] * DCT[j * SIDE + k]))
      out[i * N + j] = s
    }
  }
  return out
}

/** Torben Mogensen's median without sorting: the lower of the two middle values for an even count, as the reference */
export function torbenMedian (m: Float32Array): number {
  const n = m.length
  let min = m[0]
  let max = m[0]
  for (let i = 1; i < n; i++) {
    if (m[i] < min) min = m[i]
    if (m[i] > max) max = m[i]
  }
  const half = (n + 1) >> 1
  for (;;) {
    const guess = f32((min + max) / 2)
    let less = 0
    let greater = 0
    let equal = 0
    let maxlt = min
    let mingt = max
    for (let i = 0; i < n; i++) {
      const v = m[i]
      if (v < guess) {
        less++
        if (v > maxlt) maxlt = v
      } else if (v > guess) {
        greater++
        if (v < mingt) mingt = v
      } else equal++
    }
    if (less <= half && greater <= half) {
      if (less >= half) return maxlt
      if (less + equal >= half) return guess
      return mingt
    }
    if (less > greater) max = maxlt
    else min = mingt
  }
}

/** Bit i·16+j set when coefficient (i, j) is above the median; bytes laid out as the reference prints words 15…0 */
export function pdqBits (dct: Float32Array): Uint8Array {
  const median = torbenMedian(dct)
  const out = new Uint8Array(32)
  for (let k = 0; k < N * N; k++) {
    if (dct[k] > median) {
      const word = k >> 4
      const bit = k & 15
      out[(15 - word) * 2 + (bit < 8 ? 1 : 0)] |= 1 << (bit & 7)
    }
  }
  return out
}

/** The DCT of the image turned or mirrored, from the original's: sign flips of odd frequencies and a transpose */
export function pdqDihedralDct (a: Float32Array, variant: PdqVariant): Float32Array {
  const b = new Float32Array(N * N)
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const v = a[i * N + j]
      switch (variant) {
        case 'original': b[i * N + j] = v; break
        case 'rotate90': b[j * N + i] = (j & 1) !== 0 ? v : -v; break
        case 'rotate180': b[i * N + j] = ((i + j) & 1) !== 0 ? -v : v; break
        case 'rotate270': b[j * N + i] = (i & 1) !== 0 ? v : -v; break
        case 'flipX': b[i * N + j] = (i & 1) !== 0 ? v : -v; break
        case 'flipY': b[i * N + j] = (j & 1) !== 0 ? v : -v; break
        case 'flipPlus1': b[j * N + i] = v; break
        case 'flipMinus1': b[j * N + i] = ((i + j) & 1) !== 0 ? -v : v; break
      }
    }
  }
  return b
}

/**
 * The 64×64 downsample of a rows × cols luminance matrix (consumed: it is blurred in place). A 64×64 input is
 * taken as it is, as the reference does.
 */
export function pdqDownsample (luma: Float32Array, rows: number, cols: number): Float32Array {
  if (rows === SIDE && cols === SIDE) return Float32Array.from(luma)
  const scratch = new Float32Array(rows * cols)
  jaroszFilter(luma, scratch, rows, cols, jaroszWindow(cols, SIDE), jaroszWindow(rows, SIDE))
  return decimate(luma, rows, cols, SIDE, SIDE)
}

/** Hash and quality, with the 16×16 DCT kept for the dihedral variants */
export function pdqFromLuma (luma: Float32Array, rows: number, cols: number): PdqResult & { dct: Float32Array | null } {
  if (rows < PDQ_MIN_DIM || cols < PDQ_MIN_DIM) return { hash: new Uint8Array(32), quality: 0, dct: null }
  const small = pdqDownsample(luma, rows, cols)
  const dct = pdqDct(small)
  return { hash: pdqBits(dct), quality: pdqQuality(small), dct }
}

/** The eight dihedral hashes from a DCT that pdqFromLuma returned */
export function pdqDihedral (dct: Float32Array | null): Record<PdqVariant, Uint8Array> {
  const out = {} as Record<PdqVariant, Uint8Array>
  for (const v of PDQ_VARIANTS) out[v] = dct === null ? new Uint8Array(32) : pdqBits(pdqDihedralDct(dct, v))
  return out
}
