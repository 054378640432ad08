/**
 * The generated image set of issue 12's evaluation, made here with sharp from a seed (no downloads): originals of
 * five kinds, the edited copies a re-upload produces, and unrelated distractors from the same generator.
 *
 * Kinds (cycled by index, every parameter from the seed, so no two share a layout):
 *   shapes  – a tilted two-colour gradient under 6…20 SVG polygons, ellipses and rectangles, some gradient-filled
 *   texture – multi-octave value noise through a random three-colour palette, a few translucent shapes
 *   text    – a light background with 3…8 lines of random words in several faces, sizes and angles (a poster)
 *   scene   – a sky gradient, 2…4 ridgelines from 1-D noise, a sun, fine grain (landscape-like)
 *   mixed   – noise, shapes and a few words together
 * Sizes vary too (landscape, portrait, square). Rendered text depends on the host's fonts (librsvg/fontconfig), so
 * the pixels repeat on one machine, not necessarily across machines.
 */
import sharp, { type Sharp } from 'sharp'
import { seededRandom } from '../utils/random.ts'

export interface Raw { width: number, height: number, data: Uint8Array }
export type OriginalKind = 'shapes' | 'texture' | 'text' | 'scene' | 'mixed'
export const KINDS: readonly OriginalKind[] = ['shapes', 'texture', 'text', 'scene', 'mixed']

const SIZES: ReadonlyArray<[number, number]> = [[640, 480], [480, 640], [600, 600], [800, 533], [720, 480]]
const WORDS = ('river stone lantern harbour orchard meadow copper velvet thunder willow ember canvas atlas comet ' +
  'garden signal marble echo falcon glacier hollow ivory juniper kettle lagoon mosaic nectar opal prism quartz ' +
  'raven saffron tundra umber violet walnut zephyr amber basalt cinder dune fable grove').split(' ')
const FONTS = ['sans-serif', 'serif', 'monospace', 'DejaVu Sans Condensed']

type Rnd = () => number
const pick = <T>(r: Rnd, a: readonly T[]): T => a[Math.floor(r() * a.length)]
const colour = (r: Rnd): [number, number, number] => [r() * 255, r() * 255, r() * 255]
const hex = (c: readonly number[]): string => '#' + c.map(v => Math.round(v).toString(16).padStart(2, '0')).join('')
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')

function gradient (r: Rnd, w: number, h: number): Uint8Array {
  const a = colour(r); const b = colour(r)
  const dx = r() * 2 - 1; const dy = r() * 2 - 1
  const out = new Uint8Array(w * h * 3)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = Math.min(1, Math.max(0, (dx * (x / w - 0.5) + dy * (y / h - 0.5)) + 0.5))
      const p = (y * w + x) * 3
      for (let c = 0; c < 3; c++) out[p + c] = a[c] + (b[c] - a[c]) * t
    }
  }
  return out
}

/** Value noise, `octaves` layers from a cell of `cell` pixels halving each time, in [0, 1] */
function noiseField (r: Rnd, w: number, h: number, cell: number, octaves: number): Float32Array {
  const out = new Float32Array(w * h)
  let amp = 1; let total = 0
  for (let o = 0; o < octaves; o++, cell = Math.max(2, cell / 2), amp *= 0.55) {
    const gw = Math.ceil(w / cell) + 2; const gh = Math.ceil(h / cell) + 2
    const grid = Float32Array.from({ length: gw * gh }, r)
    for (let y = 0; y < h; y++) {
      const fy = y / cell; const y0 = Math.floor(fy); const ty = fy - y0; const sy = ty * ty * (3 - 2 * ty)
      for (let x = 0; x < w; x++) {
        const fx = x / cell; const x0 = Math.floor(fx); const tx = fx - x0; const sx = tx * tx * (3 - 2 * tx)
        const g = y0 * gw + x0
        const top = grid[g] + (grid[g + 1] - grid[g]) * sx
        const bottom = grid[g + gw] + (grid[g + gw + 1] - grid[g + gw]) * sx
        out[y * w + x] += amp * (top + (bottom - top) * sy)
      }
    }
    total += amp
  }
  for (let i = 0; i < out.length; i++) out[i] /= total
  return out
}

function paletteNoise (r: Rnd, w: number, h: number): Uint8Array {
  const field = noiseField(r, w, h, 16 + r() * 100, 3 + Math.floor(r() * 3))
  const pal = [colour(r), colour(r), colour(r)]
  const gain = 1.5 + r() * 1.5 // value noise crowds the middle: stretch it so the palette's ends show
  const out = new Uint8Array(w * h * 3)
  for (let i = 0; i < field.length; i++) {
    const t = Math.min(1, Math.max(0, (field[i] - 0.5) * gain + 0.5)) * 2
    const [a, b] = t < 1 ? [pal[0], pal[1]] : [pal[1], pal[2]]
    const u = t < 1 ? t : t - 1
    for (let c = 0; c < 3; c++) out[i * 3 + c] = a[c] + (b[c] - a[c]) * u
  }
  return out
}

function shapesSvg (r: Rnd, w: number, h: number, count: number, opacity: [number, number]): string {
  const parts: string[] = []
  for (let i = 0; i < count; i++) {
    const op = (opacity[0] + r() * (opacity[1] - opacity[0])).toFixed(2)
    let fill = hex(colour(r))
    if (r() < 0.3) {
      parts.push(`<linearGradient id="g${i}" x1="0" y1="0" x2="${r().toFixed(2)}" y2="1"><stop offset="0" stop-color="${fill}"/><stop offset="1" stop-color="${hex(colour(r))}"/></linearGradient>`)
      fill = `url(#g${i})`
    }
    const stroke = r() < 0.3 ? ` stroke="${hex(colour(r))}" stroke-width="${(2 + r() * 10).toFixed(1)}"` : ''
    const cx = r() * w; const cy = r() * h; const s = (0.05 + r() * 0.3) * Math.min(w, h)
    const kind = r()
    if (kind < 0.35) {
      const n = 3 + Math.floor(r() * 5)
      const pts = Array.from({ length: n }, (_, k) => {
        const a = (k / n) * 2 * Math.PI + r() * 0.8; const d = s * (0.4 + r() * 0.8)
        return `${(cx + d * Math.cos(a)).toFixed(1)},${(cy + d * Math.sin(a)).toFixed(1)}`
      }).join(' ')
      parts.push(`<polygon points="${pts}" fill="${fill}" fill-opacity="${op}"${stroke}/>`)
    } else if (kind < 0.7) {
      parts.push(`<ellipse cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" rx="${s.toFixed(1)}" ry="${(s * (0.3 + r())).toFixed(1)}" transform="rotate(${(r() * 180).toFixed(1)} ${cx.toFixed(1)} ${cy.toFixed(1)})" fill="${fill}" fill-opacity="${op}"${stroke}/>`)
    } else {
      parts.push(`<rect x="${(cx - s).toFixed(1)}" y="${(cy - s / 2).toFixed(1)}" width="${(2 * s).toFixed(1)}" height="${(s * (0.3 + r())).toFixed(1)}" transform="rotate(${(r() * 90 - 45).toFixed(1)} ${cx.toFixed(1)} ${cy.toFixed(1)})" fill="${fill}" fill-opacity="${op}"${stroke}/>`)
    }
  }
  return parts.join('')
}

function wordsSvg (r: Rnd, w: number, h: number, lines: number): string {
  const parts: string[] = []
  for (let i = 0; i < lines; i++) {
    const size = (0.04 + r() * 0.12) * h
    const text = Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(r, WORDS)).join(' ')
    const x = r() * w * 0.5; const y = size + r() * (h - size)
    const angle = r() < 0.7 ? 0 : r() * 40 - 20
    const weight = r() < 0.5 ? 'bold' : 'normal'
    parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-family="${pick(r, FONTS)}" font-weight="${weight}" font-size="${size.toFixed(1)}" fill="${hex(colour(r).map(v => v * 0.6))}" transform="rotate(${angle.toFixed(1)} ${x.toFixed(1)} ${y.toFixed(1)})">${esc(text)}</text>`)
  }
  return parts.join('')
}

function sceneLayers (r: Rnd, w: number, h: number): { base: Uint8Array, svg: string } {
  const sky = [colour(r), colour(r)]
  const base = new Uint8Array(w * h * 3)
  for (let y = 0; y < h; y++) {
    const t = y / h
    for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) base[(y * w + x) * 3 + c] = sky[0][c] + (sky[1][c] - sky[0][c]) * t
  }
  const parts = [`<circle cx="${(r() * w).toFixed(1)}" cy="${(r() * h * 0.4).toFixed(1)}" r="${((0.04 + r() * 0.1) * w).toFixed(1)}" fill="${hex(colour(r))}"/>`]
  const ridges = 2 + Math.floor(r() * 3)
  for (let k = 0; k < ridges; k++) {
    const baseY = h * (0.35 + 0.5 * (k + r() * 0.5) / ridges)
    const line = noiseField(r, 64, 1, 4 + r() * 20, 3)
    const pts = Array.from(line, (v, i) => `${(i * w / 63).toFixed(1)},${(baseY - (v - 0.3) * h * 0.5).toFixed(1)}`)
    parts.push(`<polygon points="0,${h} ${pts.join(' ')} ${w},${h}" fill="${hex(colour(r).map(v => v * (1 - k / (ridges + 1))))}"/>`)
  }
  return { base, svg: parts.join('') }
}

/** One original (or distractor) from its seed, as raw RGB; `scale` shrinks the canvas (distractors: cheaper to make) */
export async function makeOriginal (seed: number, kind: OriginalKind = KINDS[seed % KINDS.length], scale = 1): Promise<Raw> {
  const r = seededRandom(seed * 7919 + 17)
  const [width, height] = pick(r, SIZES).map(v => Math.round(v * scale))
  let base: Uint8Array
  let svg = ''
  if (kind === 'shapes') {
    base = gradient(r, width, height); svg = shapesSvg(r, width, height, 6 + Math.floor(r() * 15), [0.6, 1])
  } else if (kind === 'texture') {
    base = paletteNoise(r, width, height); svg = shapesSvg(r, width, height, Math.floor(r() * 5), [0.2, 0.6])
  } else if (kind === 'text') {
    const light = colour(r).map(v => 170 + v / 3)
    base = new Uint8Array(width * height * 3).map((_, i) => light[i % 3])
    svg = wordsSvg(r, width, height, 3 + Math.floor(r() * 6)) + (r() < 0.5 ? shapesSvg(r, width, height, 1, [0.3, 0.5]) : '')
  } else if (kind === 'scene') {
    ({ base, svg } = sceneLayers(r, width, height))
  } else {
    base = paletteNoise(r, width, height)
    svg = shapesSvg(r, width, height, 3 + Math.floor(r() * 6), [0.5, 0.9]) + wordsSvg(r, width, height, 1 + Math.floor(r() * 3))
  }
  let img = sharp(base, { raw: { width, height, channels: 3 } })
  if (svg !== '') {
    const overlay = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs/>${svg}</svg>`
    img = img.composite([{ input: Buffer.from(overlay) }])
  }
  const buf = await img.removeAlpha().raw().toBuffer()
  const data = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
  if (kind === 'scene' || kind === 'texture') {
    // shading and grain, as a photograph's surfaces have: flat regions would give PDQ little to hash (low quality)
    const shade = noiseField(r, width, height, 10 + r() * 30, 2)
    for (let i = 0; i < data.length; i++) {
      data[i] = Math.max(0, Math.min(255, data[i] * (0.7 + 0.6 * shade[Math.floor(i / 3)]) + (r() - 0.5) * 16))
    }
  }
  return { width, height, data }
}

export const fromRaw = (img: Raw): Sharp => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })

/** How an original is published: JPEG quality 92 */
export async function publish (img: Raw): Promise<Uint8Array> {
  return new Uint8Array(await fromRaw(img).jpeg({ quality: 92 }).toBuffer())
}
