/**
 * Images with structure made by the tests themselves (no fixtures to ship): a tilted colour gradient under a few
 * random rectangles and discs, from a seed, so every run sees the same pixels and a failure replays.
 */
import sharp, { type Sharp } from 'sharp'
import { seededRandom } from '../utils/random.ts'

export interface RawRgb { width: number, height: number, data: Uint8Array }

export function structuredImage (seed: number, width = 640, height = 480): RawRgb {
  const rnd = seededRandom(seed)
  const data = new Uint8Array(width * height * 3)
  const g = [rnd() * 255, rnd() * 255, rnd() * 255, rnd() * 2 - 1, rnd() * 2 - 1]
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (g[3] * x / width + g[4] * y / height + 2) / 4
      const p = (y * width + x) * 3
      data[p] = g[0] * t; data[p + 1] = g[1] * (1 - t); data[p + 2] = g[2] * t
    }
  }
  for (let s = 0; s < 12; s++) {
    const colour = [rnd() * 255, rnd() * 255, rnd() * 255]
    const cx = rnd() * width
    const cy = rnd() * height
    const r = (0.05 + rnd() * 0.25) * Math.min(width, height)
    const disc = rnd() < 0.5
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(height, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(width, Math.ceil(cx + r)); x++) {
        if (disc && (x - cx) ** 2 + (y - cy) ** 2 > r * r) continue
        const p = (y * width + x) * 3
        data[p] = colour[0]; data[p + 1] = colour[1]; data[p + 2] = colour[2]
      }
    }
  }
  return { width, height, data }
}

export function flatImage (width: number, height: number, value: number): RawRgb {
  return { width, height, data: new Uint8Array(width * height * 3).fill(value) }
}

export function toSharp (img: RawRgb): Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
}

export async function png (img: RawRgb): Promise<Uint8Array> {
  return new Uint8Array(await toSharp(img).png().toBuffer())
}

export async function jpeg (img: RawRgb, quality: number): Promise<Uint8Array> {
  return new Uint8Array(await toSharp(img).jpeg({ quality }).toBuffer())
}
