/**
 * ISCC Image-Code v0 from 32×32 grey pixels: a 2-D DCT (rows, then columns), then for each 8×8 window of low
 * frequencies at column/row offsets (0,0), (1,0), (0,1), (1,1) — overlapping, shifted by one coefficient, as
 * iscc-core takes them — one bit per coefficient: 1 when it is above the window's median. 64 bits use the first
 * window; 256 use all four. Arithmetic in doubles, as iscc-core.
 */
import { encodeContentUnit, ISCC_SUBTYPE_IMAGE, type IsccUnit } from './iscc-codec.ts'
import { FingerprintInputError } from './errors.ts'

export const ISCC_IMAGE_SIDE = 32

/** The recursive fast DCT-II (Byeong Gi Lee) that iscc-core uses, unnormalised; length a power of two */
export function dctLee (v: readonly number[] | Float64Array): Float64Array {
  const n = v.length
  if (n === 1) return Float64Array.from(v)
  const half = n >> 1
  const alpha = new Float64Array(half)
  const beta = new Float64Array(half)
  for (let i = 0; i < half; i++) {
    const x = v[i]
    const y = v[n - 1 - i]
    alpha[i] = x + y
    beta[i] = (x - y) / (Math.cos((i + 0.5) * Math.PI / n) * 2)
  }
  const a = dctLee(alpha)
  const b = dctLee(beta)
  const out = new Float64Array(n)
  for (let i = 0; i < half - 1; i++) {
    out[2 * i] = a[i]
    out[2 * i + 1] = b[i] + b[i + 1]
  }
  out[n - 2] = a[half - 1]
  out[n - 1] = b[half - 1]
  return out
}

function median (values: number[]): number {
  const s = [...values].sort((x, y) => x - y)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** The 32-byte (256-bit) digest; Image-Codes of fewer bits are its prefix */
export function isccImageDigest (pixels: ArrayLike<number>): Uint8Array {
  const side = ISCC_IMAGE_SIDE
  if (pixels.length !== side * side) {
    throw new FingerprintInputError(`ISCC Image-Code needs ${side * side} grey pixels, got ${pixels.length}`)
  }
  const rows: Float64Array[] = []
  for (let y = 0; y < side; y++) rows.push(dctLee(Array.from({ length: side }, (_, x) => pixels[y * side + x])))
  const cols: Float64Array[] = [] // cols[x][y]: the column DCT of the row DCTs
  for (let x = 0; x < side; x++) cols.push(dctLee(rows.map(r => r[x])))
  const digest = new Uint8Array(32)
  let k = 0
  for (const [bx, by] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
    const block: number[] = []
    for (let y = by; y < by + 8; y++) for (let x = bx; x < bx + 8; x++) block.push(cols[x][y])
    const med = median(block)
    for (const value of block) {
      if (value > med) digest[k >> 3] |= 0x80 >> (k & 7)
      k++
    }
  }
  return digest
}

/** ISCC Image-Code v0 of `bits` (64 default, up to 256) from 32×32 grey pixels, row-major */
export function isccImageCode (pixels: ArrayLike<number>, bits = 64): IsccUnit {
  return encodeContentUnit(ISCC_SUBTYPE_IMAGE, bits, isccImageDigest(pixels))
}
