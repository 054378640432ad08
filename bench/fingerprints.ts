/**
 * Fingerprint throughput, per core: images/s for PDQ and for ISCC Image-Code on generated 1024×768 JPEGs, next to
 * the decode alone in the same run, and text MB/s for the Text-Code with its MinHash signature.
 *
 * One core: libvips is limited to one thread (sharp.concurrency(1)) and images are done one after another, so the
 * JS thread and one libvips thread share the work. Printed only (not wired into bench/run.ts).
 * `node bench/fingerprints.ts [images=60] [seconds-per-row=3]`
 */
import sharp from 'sharp'
import { decodeImage, imageFingerprints, isccPixels, pdqOfImage } from '../src/fingerprints/image.ts'
import { isccImageCode } from '../src/fingerprints/iscc-image.ts'
import { textFingerprints } from '../src/fingerprints/text.ts'
import { imageMatchCodes } from '../src/fingerprints/turns.ts'
import { rng } from './util.ts'

const WIDTH = 1024
const HEIGHT = 768

/** A gradient under random rectangles, encoded as JPEG quality 85 */
async function makeJpeg (seed: number): Promise<Uint8Array> {
  const r = rng(seed)
  const data = new Uint8Array(WIDTH * HEIGHT * 3)
  const c = [r() * 255, r() * 255, r() * 255]
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const p = (y * WIDTH + x) * 3
      const t = (x / WIDTH + y / HEIGHT) / 2
      data[p] = c[0] * t; data[p + 1] = c[1] * (1 - t); data[p + 2] = c[2] * t
    }
  }
  for (let k = 0; k < 15; k++) {
    const col = [r() * 255, r() * 255, r() * 255]
    const x0 = Math.floor(r() * WIDTH); const y0 = Math.floor(r() * HEIGHT)
    const x1 = Math.min(WIDTH, x0 + 20 + Math.floor(r() * 300)); const y1 = Math.min(HEIGHT, y0 + 20 + Math.floor(r() * 300))
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data.set(col, (y * WIDTH + x) * 3)
  }
  return new Uint8Array(await sharp(data, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 85 }).toBuffer())
}

/** Runs `fn` over the images round-robin for about `seconds` (at least one pass), returns items per second */
async function rate (images: Uint8Array[], seconds: number, fn: (b: Uint8Array) => Promise<unknown>): Promise<number> {
  for (const b of images.slice(0, 3)) await fn(b) // warm-up
  const start = performance.now()
  let n = 0
  while (n < images.length || performance.now() - start < seconds * 1000) {
    await fn(images[n % images.length])
    n++
    if (n >= images.length * 20) break // bounded: at most 20 passes
  }
  return n / ((performance.now() - start) / 1000)
}

export async function benchFingerprints (count = 60, seconds = 3): Promise<Record<string, number>> {
  sharp.concurrency(1)
  sharp.cache(false) // every decode is a real decode
  const images: Uint8Array[] = []
  for (let i = 0; i < count; i++) images.push(await makeJpeg(i + 1))
  const out: Record<string, number> = {}
  out['sharp full decode to raw RGB, images/s'] = await rate(images, seconds, async b => await sharp(b).raw().toBuffer())
  out['decode as fingerprinted (≤512, RGB), images/s'] = await rate(images, seconds, async b => await decodeImage(b))
  out['decode + PDQ-256 (quality, 8 dihedral), images/s'] = await rate(images, seconds, async b => pdqOfImage(await decodeImage(b)))
  out['decode + ISCC Image-Code-64, images/s'] = await rate(images, seconds, async b => isccImageCode(await isccPixels(await decodeImage(b))))
  out['decode + both (imageFingerprints), images/s'] = await rate(images, seconds, imageFingerprints)
  // what the querying side computes to match (src/fingerprints/turns.ts): both, plus ISCC over the 8 turns
  out['decode + both + 8 ISCC turns (imageMatchCodes), images/s'] = await rate(images, seconds, imageMatchCodes)
  const words = 'colour form line shape light shadow paper ink brush canvas river stone window field'.split(' ')
  const r = rng(99)
  const text = Array.from({ length: 20_000 }, () => words[Math.floor(r() * words.length)]).join(' ') // ≈ 120 kB
  const bytes = new TextEncoder().encode(text)
  const textRate = await rate([bytes], seconds, async b => textFingerprints(b))
  out['text: Text-Code-64 + MinHash, MB/s'] = textRate * bytes.length / 1e6
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 60)
  const seconds = Number(process.argv[3] ?? 3)
  const figures = await benchFingerprints(count, seconds)
  console.log(`| fingerprints, one core (${count} generated ${WIDTH}×${HEIGHT} JPEGs, q85) | per second |`)
  console.log('|---|---|')
  for (const [k, v] of Object.entries(figures)) console.log(`| ${k} | ${v.toFixed(1)} |`)
}
