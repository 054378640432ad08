/**
 * Robustness smoke test on images the test makes itself: a copy resized, recompressed or mirrored stays within
 * the match radius (PDQ ≤ 31 at 256 bits, ISCC Image-Code ≤ 12 at 64 bits), a turned or mirrored copy is matched
 * by one of the original's dihedral variants, unrelated images stay far apart, and a flat image scores low quality.
 * The full recall/precision set of issue 12 is a later deliverable; this guards the algorithms' basic promises.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { imageFingerprints, type ImageFingerprints } from '../../src/fingerprints/image.ts'
import { hamming, hammingHex, toHex } from '../../src/fingerprints/hamming.ts'
import { pdqDihedral, pdqFromLuma, type PdqVariant } from '../../src/fingerprints/pdq.ts'
import { flatImage, jpeg, png, structuredImage, toSharp } from './generated.ts'
import { seededRandom } from '../utils/random.ts'
import sharp from 'sharp'

const PDQ_MATCH = 31
const ISCC_IMAGE_MATCH = 12
const original = structuredImage(1)
let base: ImageFingerprints

const buf = async (s: ReturnType<typeof toSharp>): Promise<Uint8Array> => new Uint8Array(await s.png().toBuffer())

describe('fingerprints of edited copies (generated images)', () => {
  before(async () => { base = await imageFingerprints(await png(original)) })

  it('the original is a hashable image (quality 100)', () => {
    assert.equal(base.pdq.quality, 100)
  })

  for (const [name, make] of [
    ['resized to half', async () => await buf(toSharp(original).resize(320, 240))],
    ['resized to double', async () => await buf(toSharp(original).resize(1280, 960))],
    ['recompressed as JPEG quality 30', async () => await jpeg(original, 30)]
  ] as const) {
    it(`${name}: PDQ ≤ ${PDQ_MATCH} and ISCC ≤ ${ISCC_IMAGE_MATCH}`, async () => {
      const r = await imageFingerprints(await make())
      const dp = hammingHex(r.pdq.hash, base.pdq.hash)
      const di = hamming(r.iscc.digest, base.iscc.digest)
      assert.ok(dp <= PDQ_MATCH, `PDQ distance ${dp}`)
      assert.ok(di <= ISCC_IMAGE_MATCH, `ISCC distance ${di}`)
    })
  }

  // PDQ's names: rotate90 is counter-clockwise, flipX mirrors top to bottom, flipY left to right (measured below
  // with libvips's turns, whose rotate(90) is clockwise)
  for (const [name, variant, make] of [
    ['upside down (flip)', 'flipX', async () => await buf(toSharp(original).flip())],
    ['mirrored (flop)', 'flipY', async () => await buf(toSharp(original).flop())],
    ['turned 90° clockwise', 'rotate270', async () => await buf(toSharp(original).rotate(90))],
    ['turned 180°', 'rotate180', async () => await buf(toSharp(original).rotate(180))],
    ['turned 90° counter-clockwise', 'rotate90', async () => await buf(toSharp(original).rotate(270))]
  ] as const) {
    it(`${name}: far from the original's hash, matched by its ${variant} variant`, async () => {
      const r = await imageFingerprints(await make())
      const direct = hammingHex(r.pdq.hash, base.pdq.hash)
      const viaVariant = hammingHex(r.pdq.hash, base.pdq.dihedral[variant as PdqVariant])
      assert.ok(direct > 64, `plain distance ${direct}: the transform should defeat the plain hash`)
      // not exact: PDQ's box windows and sampling grid are not symmetric (its README says so); measured 4…20
      assert.ok(viaVariant <= 24, `${variant} distance ${viaVariant}`)
    })
  }

  it('on a 64×64 luminance matrix (no resampling) each variant equals the hash of the turned matrix exactly', () => {
    const rnd = seededRandom(7)
    const n = 64
    const a = new Float32Array(n * n)
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) a[y * n + x] = Math.round(128 + 60 * Math.sin(x / 5 + rnd()) + 50 * Math.cos(y / 7) + 10 * rnd())
    const at = (m: Float32Array, y: number, x: number): number => m[y * n + x]
    const turned: Record<PdqVariant, (y: number, x: number) => number> = {
      original: (y, x) => at(a, y, x),
      rotate90: (y, x) => at(a, x, n - 1 - y), // counter-clockwise
      rotate180: (y, x) => at(a, n - 1 - y, n - 1 - x),
      rotate270: (y, x) => at(a, n - 1 - x, y),
      flipX: (y, x) => at(a, n - 1 - y, x),
      flipY: (y, x) => at(a, y, n - 1 - x),
      flipPlus1: (y, x) => at(a, x, y),
      flipMinus1: (y, x) => at(a, n - 1 - x, n - 1 - y)
    }
    const variants = pdqDihedral(pdqFromLuma(Float32Array.from(a), n, n).dct)
    for (const [v, f] of Object.entries(turned) as Array<[PdqVariant, (y: number, x: number) => number]>) {
      const m = new Float32Array(n * n)
      for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) m[y * n + x] = f(y, x)
      const hash = toHex(pdqFromLuma(m, n, n).hash)
      assert.equal(hash, toHex(variants[v]), `${v}: ${hammingHex(hash, toHex(variants[v]))} bits apart`)
    }
  })

  it('unrelated images are far apart: 30 generated images, every pair beyond both match radii', async () => {
    const all = [base]
    for (let s = 2; s <= 30; s++) all.push(await imageFingerprints(await png(structuredImage(s))))
    let minPdq = 256
    let minIscc = 64
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        minPdq = Math.min(minPdq, hammingHex(all[i].pdq.hash, all[j].pdq.hash))
        minIscc = Math.min(minIscc, hamming(all[i].iscc.digest, all[j].iscc.digest))
      }
    }
    assert.ok(minPdq > PDQ_MATCH, `closest unrelated pair at PDQ ${minPdq}`) // measured 96
    assert.ok(minIscc > ISCC_IMAGE_MATCH, `closest unrelated pair at ISCC ${minIscc}`) // measured 20
  })

  it('a flat image has quality 0 (the reference discards ≤ 49), a tiny one hashes to zero', async () => {
    assert.equal((await imageFingerprints(await png(flatImage(300, 200, 128)))).pdq.quality, 0)
    const tiny = await imageFingerprints(await png(structuredImage(3, 4, 4)))
    assert.equal(tiny.pdq.quality, 0)
    assert.equal(tiny.pdq.hash, '0'.repeat(64))
  })

  it('a grey image decodes to one channel and fingerprints as the same pixels in RGB', async () => {
    const { decodeImage } = await import('../../src/fingerprints/image.ts')
    const { width, height, data } = original
    const values = new Uint8Array(width * height).map((_, i) => data[i * 3 + 1]) // the green channel as grey
    const grey = new Uint8Array(await sharp(values, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer())
    const rgb = new Uint8Array(await sharp(values, { raw: { width, height, channels: 1 } }).toColourspace('srgb').png().toBuffer())
    assert.equal((await decodeImage(grey)).channels, 1)
    assert.equal((await decodeImage(rgb)).channels, 3)
    const g = await imageFingerprints(grey)
    const c = await imageFingerprints(rgb)
    assert.equal(g.iscc.code, c.iscc.code) // PIL's grey of (v, v, v) is v
    assert.ok(hammingHex(g.pdq.hash, c.pdq.hash) <= 2) // 0.299v + 0.587v + 0.114v in floats is v to within rounding
  })

  it('bytes that are not an image, or too many pixels, are a typed input error', async () => {
    await assert.rejects(imageFingerprints(new TextEncoder().encode('not an image')), { code: 'ERR_FINGERPRINT_INPUT' })
    const { decodeImage } = await import('../../src/fingerprints/image.ts')
    await assert.rejects(decodeImage(await png(original), 1000), { code: 'ERR_FINGERPRINT_INPUT' })
  })
})
