/**
 * Image fingerprints from encoded bytes: decode once with sharp (libvips), then PDQ-256 with quality and dihedral
 * variants, and ISCC Image-Code-64. The decode is kept plain so it agrees with the references' decoders: the EXIF
 * orientation applied, transparency composited onto white, the embedded ICC profile ignored (libjpeg and PIL do not
 * apply it either), 8 bits a channel. An image larger than 512 on either side is reduced to fit inside 512×512,
 * aspect kept, as PDQ's Python reference does (PIL thumbnail) before hashing: libvips then decodes JPEGs at a
 * fraction of their size, which bounds time and memory, and the published hash of the one such vector is met
 * closest this way (distance 2; the C++ tool's 512×512 point sampling gives 8, no reduction 6).
 */
import sharp from 'sharp'
import { FingerprintInputError } from './errors.ts'
import { MAX_IMAGE_PIXELS, PDQ_PRESAMPLE_SIDE } from './constants.ts'
import { isccImageCode, ISCC_IMAGE_SIDE } from './iscc-image.ts'
import type { IsccUnit } from './iscc-codec.ts'
import { pdqDihedral, pdqFromLuma, type PdqVariant } from './pdq.ts'
import { toHex } from './hamming.ts'

export interface DecodedImage {
  width: number
  height: number
  /** 1 (grey) or 3 (RGB) */
  channels: 1 | 3
  /** Row-major, `channels` bytes a pixel */
  data: Uint8Array
}

export interface ImageFingerprints {
  width: number
  height: number
  pdq: { hash: string, quality: number, dihedral: Record<PdqVariant, string> }
  iscc: IsccUnit
}

/**
 * Decode to 8-bit grey or RGB, at most 512×512; bytes the decoder refuses, or images over MAX_IMAGE_PIXELS, are
 * FingerprintInputError
 */
export async function decodeImage (bytes: Uint8Array, maxPixels = MAX_IMAGE_PIXELS): Promise<DecodedImage> {
  try {
    const pipeline = sharp(bytes, { autoOrient: true, ignoreIcc: true, limitInputPixels: maxPixels, failOn: 'error' })
    // grey stays one channel (libvips would hand back sRGB): PDQ takes a grey value as it is, not via the RGB weights
    const { space } = await pipeline.metadata()
    if (space === 'b-w' || space === 'grey16') pipeline.toColourspace('b-w')
    const { data, info } = await pipeline
      .flatten({ background: '#ffffff' })
      .resize(PDQ_PRESAMPLE_SIDE, PDQ_PRESAMPLE_SIDE, { fit: 'inside', withoutEnlargement: true, kernel: 'cubic' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
    if (info.channels !== 1 && info.channels !== 3) {
      throw new FingerprintInputError(`decoded image has ${info.channels} channels`, { details: { channels: info.channels } })
    }
    return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
  } catch (err) {
    if (err instanceof FingerprintInputError) throw err
    throw new FingerprintInputError('image bytes cannot be decoded', { cause: err })
  }
}

/** PDQ's float luminance, 0.299 R + 0.587 G + 0.114 B in floats as the reference */
export function pdqLuma (img: DecodedImage): { luma: Float32Array, rows: number, cols: number } {
  const cols = img.width
  const rows = img.height
  const luma = new Float32Array(rows * cols)
  const cr = Math.fround(0.299)
  const cg = Math.fround(0.587)
  const cb = Math.fround(0.114)
  const f32 = Math.fround
  const d = img.data
  if (img.channels === 1) {
    for (let i = 0; i < luma.length; i++) luma[i] = d[i]
  } else {
    for (let i = 0, p = 0; i < luma.length; i++, p += 3) luma[i] = f32(f32(f32(cr * d[p]) + f32(cg * d[p + 1])) + f32(cb * d[p + 2]))
  }
  return { luma, rows, cols }
}

/**
 * The 32×32 grey pixels of ISCC's Image-Code: grey as PIL's "L" conversion (ITU-R 601-2 luma in 16-bit fixed
 * point, rounded), then a bicubic (Catmull-Rom) reduction to 32×32 ignoring the aspect ratio, as iscc-sdk does with
 * PIL. iscc-sdk also trims uniform borders first; this does not (protocols/fingerprints.md).
 */
export async function isccPixels (img: DecodedImage): Promise<Uint8Array> {
  let grey = img.data
  if (img.channels === 3) {
    grey = new Uint8Array(img.width * img.height)
    for (let i = 0, p = 0; i < grey.length; i++, p += 3) {
      grey[i] = (img.data[p] * 19595 + img.data[p + 1] * 38470 + img.data[p + 2] * 7471 + 0x8000) >>> 16
    }
  }
  const out = await sharp(grey, { raw: { width: img.width, height: img.height, channels: 1 } })
    .resize(ISCC_IMAGE_SIDE, ISCC_IMAGE_SIDE, { fit: 'fill', kernel: 'cubic' })
    .extractChannel(0) // libvips would otherwise hand back sRGB, three equal channels
    .raw()
    .toBuffer()
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** PDQ only, from decoded pixels */
export function pdqOfImage (img: DecodedImage): ImageFingerprints['pdq'] {
  const { luma, rows, cols } = pdqLuma(img)
  const r = pdqFromLuma(luma, rows, cols)
  const dihedral = pdqDihedral(r.dct)
  return {
    hash: toHex(r.hash),
    quality: r.quality,
    dihedral: Object.fromEntries(Object.entries(dihedral).map(([k, v]) => [k, toHex(v)])) as Record<PdqVariant, string>
  }
}

/** PDQ-256 (with quality and the eight dihedral hashes) and ISCC Image-Code-64 of an encoded image */
export async function imageFingerprints (bytes: Uint8Array): Promise<ImageFingerprints> {
  const img = await decodeImage(bytes)
  return { width: img.width, height: img.height, pdq: pdqOfImage(img), iscc: isccImageCode(await isccPixels(img)) }
}
