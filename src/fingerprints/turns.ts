/**
 * The codes a node brings to a comparison from bytes it holds: beside the record's codes, PDQ's eight dihedral
 * hashes (pdq.ts derives them from the DCT) and the ISCC Image-Codes of the 32×32 grey turned the same eight ways.
 * ISCC's code is not turn-invariant, but as PDQ's its turns follow from one DCT (isccDihedralDigests); a turned or
 * mirrored copy then meets one of them within a few bits
 * (measured 0…2 on the generated set), where PDQ's derived variants can be 30…50 bits off on sharp-edged images.
 * Nothing here changes a code: the record carries the unturned ones.
 */
import { decodeImage, isccPixels, pdqOfImage } from './image.ts'
import { dctLee, ISCC_IMAGE_SIDE } from './iscc-image.ts'
import { encodeContentUnit, ISCC_SUBTYPE_IMAGE } from './iscc-codec.ts'
import { PDQ_VARIANTS, type PdqVariant } from './pdq.ts'
import type { ImageCodes } from './match.ts'
import { detectTilt, straighten } from './straighten.ts'
import { isccImageCode } from './iscc-image.ts'

/** The low-frequency window of ISCC Image-Code-64 */
const WINDOW = 8

/** The 32×32 grey turned as PDQ names its variants (rotate90 counter-clockwise, flipX upside down, …) */
export function turnGrid (px: ArrayLike<number>, variant: PdqVariant, n = ISCC_IMAGE_SIDE): Uint8Array {
  const at = (y: number, x: number): number => px[y * n + x]
  const f: Record<PdqVariant, (y: number, x: number) => number> = {
    original: (y, x) => at(y, x),
    rotate90: (y, x) => at(x, n - 1 - y),
    rotate180: (y, x) => at(n - 1 - y, n - 1 - x),
    rotate270: (y, x) => at(n - 1 - x, y),
    flipX: (y, x) => at(n - 1 - y, x),
    flipY: (y, x) => at(y, n - 1 - x),
    flipPlus1: (y, x) => at(x, y),
    flipMinus1: (y, x) => at(n - 1 - x, n - 1 - y)
  }
  const out = new Uint8Array(n * n)
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) out[y * n + x] = f[variant](y, x)
  return out
}

const sign = (k: number): number => (k & 1) === 1 ? -1 : 1

/**
 * The 64-bit ISCC digests of the eight turns from one 2-D DCT of the unturned grid: a turn only negates the odd
 * frequencies of a reversed axis (Lee's DCT does so exactly: its butterflies are symmetric) and a transpose swaps
 * the axes, so each turn's 8×8 window is a signed, possibly transposed, copy of the original's; its median and bits
 * follow. Equal to hashing the turned grid (test/fingerprints/match.spec.ts checks) at an eighth of the DCT work.
 */
export function isccDihedralDigests (px: ArrayLike<number>): Record<PdqVariant, Uint8Array> {
  const n = ISCC_IMAGE_SIDE
  const rows: Float64Array[] = []
  for (let y = 0; y < n; y++) rows.push(dctLee(Array.from({ length: n }, (_, x) => px[y * n + x])))
  const c = new Float64Array(WINDOW * WINDOW) // c[v·8 + u]: vertical frequency v, horizontal u, the 8×8 the code uses
  for (let u = 0; u < WINDOW; u++) {
    const col = dctLee(rows.map(r => r[u]))
    for (let v = 0; v < WINDOW; v++) c[v * WINDOW + u] = col[v]
  }
  const at = (v: number, u: number): number => c[v * WINDOW + u]
  const turned: Record<PdqVariant, (v: number, u: number) => number> = {
    original: (v, u) => at(v, u),
    flipX: (v, u) => sign(v) * at(v, u),
    flipY: (v, u) => sign(u) * at(v, u),
    rotate180: (v, u) => sign(u + v) * at(v, u),
    flipPlus1: (v, u) => at(u, v),
    flipMinus1: (v, u) => sign(u + v) * at(u, v),
    rotate90: (v, u) => sign(v) * at(u, v),
    rotate270: (v, u) => sign(u) * at(u, v)
  }
  const out = {} as Record<PdqVariant, Uint8Array>
  for (const variant of PDQ_VARIANTS) {
    const block: number[] = []
    for (let v = 0; v < WINDOW; v++) for (let u = 0; u < WINDOW; u++) block.push(turned[variant](v, u))
    const s = [...block].sort((x, y) => x - y)
    const med = (s[WINDOW * WINDOW / 2 - 1] + s[WINDOW * WINDOW / 2]) / 2
    const digest = new Uint8Array(8)
    block.forEach((value, k) => { if (value > med) digest[k >> 3] |= 0x80 >> (k & 7) })
    out[variant] = digest
  }
  return out
}

/** ISCC Image-Code-64 strings of the eight turns of 32×32 grey pixels */
export function isccDihedral (px: ArrayLike<number>): Record<PdqVariant, string> {
  const d = isccDihedralDigests(px)
  return Object.fromEntries(PDQ_VARIANTS.map(v => [v, encodeContentUnit(ISCC_SUBTYPE_IMAGE, 64, d[v]).code])) as Record<PdqVariant, string>
}

/** Everything matchImages can use, from an image's bytes (one decode): the querying side of a comparison */
export async function imageMatchCodes (bytes: Uint8Array): Promise<ImageMatchCodes> {
  const img = await decodeImage(bytes)
  const pdq = pdqOfImage(img)
  const turns = isccDihedral(await isccPixels(img))
  const out: ImageMatchCodes = { pdq, iscc: turns.original, isccDihedral: turns }
  const tilt = detectTilt(img)
  if (tilt !== null) {
    const straight = await straighten(img, tilt)
    const p = pdqOfImage(straight)
    out.straightened = { degrees: Math.round(tilt.degrees * 100) / 100, pdq: { hash: p.hash, quality: p.quality }, iscc: isccImageCode(await isccPixels(straight)).code }
  }
  return out
}

/** The querying side's codes: every turn, and the straightened codes where the picture is turned inside its frame */
export type ImageMatchCodes = Required<Omit<ImageCodes, 'straightened'>> & Pick<ImageCodes, 'straightened'>
