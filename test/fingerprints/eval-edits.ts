/**
 * The edits of issue 12's image set, each a function of the original's raw pixels and a seed giving the bytes a
 * re-upload would carry (JPEG quality 85 unless the edit is the compression itself). Amounts are drawn from the
 * seed within the issue's bounds: resize 0.25…2×, JPEG quality 30, crop ≤ 20 % of the area, ±5° rotation, flips and
 * 90° turns, ±20 % brightness / contrast / gamma, a text overlay.
 */
import sharp, { type Sharp } from 'sharp'
import { seededRandom } from '../utils/random.ts'
import { fromRaw, type Raw } from './eval-images.ts'

export type ImageEdit = (img: Raw, seed: number) => Promise<Uint8Array>

const out = async (s: Sharp, quality = 85): Promise<Uint8Array> => new Uint8Array(await s.jpeg({ quality }).toBuffer())
const scale = (f: number): ImageEdit => async img => await out(fromRaw(img).resize(Math.max(8, Math.round(img.width * f)), Math.max(8, Math.round(img.height * f))))
/** Between lo and hi, either sign */
const signed = (r: () => number, lo: number, hi: number): number => (r() < 0.5 ? -1 : 1) * (lo + r() * (hi - lo))

/** Per-pixel tone map on the raw pixels */
function tone (img: Raw, f: (v: number) => number): Raw {
  const lut = Uint8Array.from({ length: 256 }, (_, v) => Math.max(0, Math.min(255, Math.round(f(v)))))
  return { ...img, data: img.data.map(v => lut[v]) }
}

/**
 * A crop that removes between lo and hi of the area (the "crop ≤ 20 %"), the kept share split at random
 * between width and height, at a random place in the frame
 */
function crop (lo: number, hi: number): ImageEdit {
  return async (img, seed) => {
    const r = seededRandom(seed)
    const kept = 1 - lo - r() * (hi - lo)
    const fw = kept + r() * (1 - kept)
    const w = Math.round(img.width * fw)
    const h = Math.round(img.height * kept / fw)
    const left = Math.floor(r() * (img.width - w + 1))
    const top = Math.floor(r() * (img.height - h + 1))
    return await out(fromRaw(img).extract({ left, top, width: w, height: h }))
  }
}

async function overlay (img: Raw, seed: number): Promise<Uint8Array> {
  const r = seededRandom(seed)
  const { width: w, height: h } = img
  const words = ['© 2026', 'reposted by', '@gallery_daily', 'SALE', 'limited print', 'follow for more', 'original art', 'via archive']
  const text = words[Math.floor(r() * words.length)] + ' ' + words[Math.floor(r() * words.length)]
  let svg: string
  if (r() < 0.5) { // a caption across the top or bottom, meme style
    const size = h * (0.07 + r() * 0.05)
    const y = r() < 0.5 ? size * 1.2 : h - size * 0.4
    svg = `<text x="${w / 2}" y="${y.toFixed(1)}" text-anchor="middle" font-family="sans-serif" font-weight="bold" font-size="${size.toFixed(1)}" fill="white" stroke="black" stroke-width="${(size / 15).toFixed(1)}">${text}</text>`
  } else { // a translucent diagonal watermark
    const size = h * (0.08 + r() * 0.06)
    svg = `<text x="${w / 2}" y="${h / 2}" text-anchor="middle" font-family="serif" font-size="${size.toFixed(1)}" fill="white" fill-opacity="0.45" transform="rotate(-30 ${w / 2} ${h / 2})">${text}</text>`
  }
  const layer = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${svg}</svg>`)
  return await out(fromRaw(img).composite([{ input: layer }]))
}

async function rotateSmall (img: Raw, seed: number): Promise<Uint8Array> {
  const angle = signed(seededRandom(seed), 1, 5)
  const { data, info } = await fromRaw(img).rotate(angle, { background: '#000000' }).raw().toBuffer({ resolveWithObject: true })
  // back to the original frame, as an editor does: the corners the turn uncovers stay black
  const left = Math.floor((info.width - img.width) / 2)
  const top = Math.floor((info.height - img.height) / 2)
  return await out(sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .extract({ left, top, width: img.width, height: img.height }))
}

/** The edits by name: what the per-edit recall table lists */
export const IMAGE_EDITS: Record<string, ImageEdit> = {
  'resize 0.25×': scale(0.25),
  'resize 0.5×': scale(0.5),
  'resize 2×': scale(2),
  'JPEG quality 30': async img => await out(fromRaw(img), 30),
  'crop ≤ 10 % of the area': crop(0, 0.1),
  'crop 10–20 % of the area': crop(0.1, 0.2),
  'rotate ±1…5°': rotateSmall,
  'flip (upside down)': async img => await out(fromRaw(img).flip()),
  'flop (mirrored)': async img => await out(fromRaw(img).flop()),
  'rotate 90°': async img => await out(fromRaw(img).rotate(90)),
  'rotate 180°': async img => await out(fromRaw(img).rotate(180)),
  'rotate 270°': async img => await out(fromRaw(img).rotate(270)),
  'brightness ±5…20 %': async (img, seed) => { const k = 1 + signed(seededRandom(seed), 0.05, 0.2); return await out(fromRaw(tone(img, v => v * k))) },
  'contrast ±5…20 %': async (img, seed) => { const k = 1 + signed(seededRandom(seed), 0.05, 0.2); return await out(fromRaw(tone(img, v => (v - 128) * k + 128))) },
  'gamma ±5…20 %': async (img, seed) => { const g = 1 + signed(seededRandom(seed), 0.05, 0.2); return await out(fromRaw(tone(img, v => 255 * (v / 255) ** g))) },
  'text overlay': overlay
}
