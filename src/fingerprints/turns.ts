/**
 * The codes a node brings to a comparison from bytes it holds: beside the record's codes, PDQ's eight dihedral
 * hashes (pdq.ts derives them from the DCT) and the ISCC Image-Codes of the 32×32 grey turned the same eight ways.
 * ISCC's code is not turn-invariant and has no DCT shortcut here, but its input is only 32×32 pixels, so turning
 * those and hashing eight times costs little; a turned or mirrored copy then meets one of them within a few bits
 * (measured 0…2 on the generated set), where PDQ's derived variants can be 30…50 bits off on sharp-edged images.
 * Nothing here changes a code: the record carries the unturned ones.
 */
import { decodeImage, isccPixels, pdqOfImage } from './image.ts'
import { isccImageCode, ISCC_IMAGE_SIDE } from './iscc-image.ts'
import { PDQ_VARIANTS, type PdqVariant } from './pdq.ts'
import type { ImageCodes } from './match.ts'

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

/** ISCC Image-Code-64 strings of the eight turns of 32×32 grey pixels */
export function isccDihedral (px: ArrayLike<number>): Record<PdqVariant, string> {
  return Object.fromEntries(PDQ_VARIANTS.map(v => [v, isccImageCode(turnGrid(px, v)).code])) as Record<PdqVariant, string>
}

/** Everything matchImages can use, from an image's bytes (one decode): the querying side of a comparison */
export async function imageMatchCodes (bytes: Uint8Array): Promise<Required<ImageCodes>> {
  const img = await decodeImage(bytes)
  const pdq = pdqOfImage(img)
  const turns = isccDihedral(await isccPixels(img))
  return { pdq, iscc: turns.original, isccDihedral: turns }
}
