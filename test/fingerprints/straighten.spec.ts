/**
 * Straightening (src/fingerprints/straighten.ts): the turn of a picture inside its frame is read from its corner
 * wedges, to within a fraction of a degree and with its sense, on every kind of generated original; pictures that
 * are not turned — as they are, with a letterbox, with dark corners that do not thin out along the edges — are left
 * alone; and the straightened picture's PDQ hash lies within PDQ's radius of the original's.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import sharp from 'sharp'
import { decodeImage, pdqOfImage, imageFingerprints } from '../../src/fingerprints/image.ts'
import { detectTilt, straighten } from '../../src/fingerprints/straighten.ts'
import { fromHex, hamming } from '../../src/fingerprints/hamming.ts'
import { imageMatchCodes } from '../../src/fingerprints/turns.ts'
import { IMAGE_RULE } from '../../src/fingerprints/match.ts'
import { KINDS, fromRaw, makeOriginal, publish, type Raw } from './eval-images.ts'

/** The original turned by `degrees` (sharp's sense) in its own frame, corners filled with `fill`, as JPEG q85 */
async function tilted (raw: Raw, degrees: number, fill = '#000000'): Promise<Uint8Array> {
  const { data, info } = await fromRaw(raw).rotate(degrees, { background: fill }).raw().toBuffer({ resolveWithObject: true })
  const left = Math.floor((info.width - raw.width) / 2)
  const top = Math.floor((info.height - raw.height) / 2)
  return new Uint8Array(await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .extract({ left, top, width: raw.width, height: raw.height }).jpeg({ quality: 85 }).toBuffer())
}

const pdqBetween = (a: string, b: string): number => hamming(fromHex(a), fromHex(b))

describe('straightening a picture turned inside its frame', () => {
  it('reads the angle and its sense from the corners, and the straightened hash is within PDQ radius of the original', async () => {
    const fills = ['#000000', '#ffffff', '#3a5f8c']
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 1.5, max: 8, noNaN: true }), fc.boolean(), fc.constantFrom(...fills),
      async (seed, size, negative, fill) => {
        const degrees = negative ? -size : size
        const raw = await makeOriginal(700 + seed)
        const original = await imageFingerprints(await publish(raw))
        const img = await decodeImage(await tilted(raw, degrees, fill))
        const tilt = detectTilt(img)
        assert.ok(tilt !== null, `turn of ${degrees.toFixed(2)}° on a ${KINDS[(700 + seed) % KINDS.length]} picture not found`)
        // straightening turns the other way
        assert.ok(Math.abs(tilt.degrees + degrees) <= 0.3, `read ${tilt.degrees.toFixed(2)}° for a turn of ${degrees.toFixed(2)}°`)
        const before = pdqBetween(pdqOfImage(img).hash, original.pdq.hash)
        const after = pdqBetween(pdqOfImage(await straighten(img, tilt)).hash, original.pdq.hash)
        assert.ok(after <= IMAGE_RULE.pdqRadius, `PDQ ${before} → ${after} at ${degrees.toFixed(2)}°`)
      }), { numRuns: 12, seed: 12 })
  })

  it('leaves pictures that are not turned alone: as they are, letterboxed, or with dark corners', async () => {
    for (let k = 0; k < 10; k++) {
      const raw = await makeOriginal(900 + k)
      assert.equal(detectTilt(await decodeImage(await publish(raw))), null, `original ${k}`)
      // black bars above and below: a uniform border, constant in thickness, is no wedge
      const boxed = new Uint8Array(await fromRaw(raw).extend({ top: 40, bottom: 40, background: '#000000' }).jpeg({ quality: 85 }).toBuffer())
      assert.equal(detectTilt(await decodeImage(boxed)), null, `letterboxed ${k}`)
      assert.equal((await imageMatchCodes(boxed)).straightened, undefined)
    }
    // a vignette: corners fade to black along a curve, not a straight wedge
    const w = 480; const h = 360
    const data = new Uint8Array(w * h * 3)
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const r = Math.hypot((x - w / 2) / (w / 2), (y - h / 2) / (h / 2))
        const v = Math.max(0, Math.min(255, Math.round(200 * (1.25 - r) * 1.6)))
        data.set([v, v * 0.8, v * 0.6], (y * w + x) * 3)
      }
    }
    const vignette = new Uint8Array(await sharp(data, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 85 }).toBuffer())
    assert.equal(detectTilt(await decodeImage(vignette)), null, 'vignette')
  })
})
