/**
 * A picture turned by a few degrees inside its own frame — the way an editor's "straighten" or "rotate" leaves it:
 * the frame kept, the four corners the turn uncovers filled with one colour — moves every low frequency of a global
 * DCT hash (PDQ a median 60 and up to 112 bits off at ±1…5° on the generated set, where unrelated pictures begin). Such a copy carries
 * its angle in those corners: each is a thin wedge of the fill colour whose thickness grows along the edge by
 * tan(angle). `detectTilt` measures it; `straighten` turns the picture back, in the same frame, so the querying
 * side can bring the hashes of the straightened picture beside its turns (turns.ts). Nothing here changes a code.
 */
import sharp from 'sharp'
import type { DecodedImage } from './image.ts'

/** Channel difference within which a pixel counts as the fill colour (JPEG rings at the wedge's edge) */
const FILL_TOLERANCE = 40
/** Turns measured and undone: below the least, the corners are too thin to measure; above the most, not a small turn */
export const TILT_MIN_DEGREES = 0.5
export const TILT_MAX_DEGREES = 10

export interface Tilt {
  /** Degrees to turn the picture by (sharp's sense: clockwise positive) to straighten it */
  degrees: number
  /** The fill colour of the corners */
  fill: number[]
}

function pixel (img: DecodedImage, x: number, y: number): number[] {
  const p = (y * img.width + x) * img.channels
  return img.channels === 1 ? [img.data[p]] : [img.data[p], img.data[p + 1], img.data[p + 2]]
}

const near = (a: readonly number[], b: readonly number[], tol: number): boolean => a.every((v, i) => Math.abs(v - b[i]) <= tol)

/**
 * Thickness of the fill along one edge: for each position along it, how many pixels in from the edge are fill.
 * `isFill(i, depth)` tests the pixel at position i along the edge, depth pixels in.
 */
function profile (length: number, maxDepth: number, isFill: (i: number, depth: number) => boolean): Int32Array {
  const t = new Int32Array(length)
  for (let i = 0; i < length; i++) {
    let d = 0
    while (d < maxDepth && isFill(i, d)) d++
    t[i] = d
  }
  return t
}

/**
 * The slope of a wedge on one edge: a least-squares line through the thickness where the fill is at least 2 pixels
 * deep, on the half of the edge whose end is thicker; its sign says which end (+1: thick at the far end). Null when
 * no wedge: too few points, or thickness not falling off as a line would.
 */
function wedge (t: Int32Array): { slope: number, thickEnd: 1 | -1 } | null {
  const n = t.length
  const half = Math.floor(n / 2)
  // the thick half has fill along most of it; the other has at most the few positions the neighbouring edge's
  // wedge reaches into, at its very end
  let first = 0; let last = 0
  for (let j = 0; j < half; j++) { if (t[j] >= 2) first++; if (t[n - 1 - j] >= 2) last++ }
  const thickEnd: 1 | -1 = last >= first ? 1 : -1
  let sx = 0; let sy = 0; let sxx = 0; let sxy = 0; let k = 0
  for (let j = 0; j < half; j++) {
    const i = thickEnd === 1 ? n - 1 - j : j
    if (t[i] < 2) continue
    sx += j; sy += t[i]; sxx += j * j; sxy += j * t[i]; k++
  }
  if (k < 8) return null
  const slope = -(k * sxy - sx * sy) / (k * sxx - sx * sx) // thickness falls as j moves away from the thick end
  if (!(slope > 0)) return null
  // the points must lie near the line: a dark border or a dark subject does not thin out linearly
  const mean = sy / k; const b = mean + slope * (sx / k)
  let err = 0
  for (let j = 0; j < half; j++) {
    const i = thickEnd === 1 ? n - 1 - j : j
    if (t[i] >= 2) err += Math.abs(t[i] - (b - slope * j))
  }
  return err / k <= 2.5 ? { slope, thickEnd } : null
}

/**
 * The turn of a picture inside its frame, from its four fill-coloured corner wedges; null when the corners are not
 * all one colour, a wedge is missing, the four disagree, or the angle is outside TILT_MIN…TILT_MAX_DEGREES.
 */
export function detectTilt (img: DecodedImage): Tilt | null {
  const { width: w, height: h } = img
  if (w < 64 || h < 64) return null
  const corners = [pixel(img, 0, 0), pixel(img, w - 1, 0), pixel(img, 0, h - 1), pixel(img, w - 1, h - 1)]
  const fill = corners[0].map((_, c) => corners.reduce((s, p) => s + p[c], 0) / 4)
  if (!corners.every(p => near(p, fill, FILL_TOLERANCE / 2))) return null
  const isFill = (x: number, y: number): boolean => near(pixel(img, x, y), fill, FILL_TOLERANCE)
  const depth = Math.ceil(Math.max(w, h) * Math.tan(TILT_MAX_DEGREES * Math.PI / 180))
  const top = wedge(profile(w, Math.min(depth, h >> 2), (i, d) => isFill(i, d)))
  const bottom = wedge(profile(w, Math.min(depth, h >> 2), (i, d) => isFill(i, h - 1 - d)))
  const left = wedge(profile(h, Math.min(depth, w >> 2), (i, d) => isFill(d, i)))
  const right = wedge(profile(h, Math.min(depth, w >> 2), (i, d) => isFill(w - 1 - d, i)))
  if (top === null || bottom === null || left === null || right === null) return null
  // a turn puts the wedges at opposite ends of opposite edges (point symmetry about the centre)
  if (top.thickEnd !== -bottom.thickEnd || left.thickEnd !== -right.thickEnd) return null
  const slopes = [top.slope, bottom.slope, left.slope, right.slope]
  const lo = Math.min(...slopes); const hi = Math.max(...slopes)
  if (hi > lo * 1.5 + 0.01) return null
  const degrees = Math.atan(slopes.reduce((s, v) => s + v, 0) / 4) * 180 / Math.PI
  if (degrees < TILT_MIN_DEGREES || degrees > TILT_MAX_DEGREES) return null
  // turned clockwise (sharp's positive sense), the top edge's wedge is thick at its left end and the left edge's at
  // its bottom: straightening turns it back counter-clockwise
  const clockwise = top.thickEnd === -1 && left.thickEnd === 1
  const counter = top.thickEnd === 1 && left.thickEnd === -1
  if (!clockwise && !counter) return null
  return { degrees: clockwise ? degrees : -degrees, fill }
}

/** Box radius, in pixels, of the fill of the lost corners: a wedge at 10° on a 512 side is 45 pixels deep at most */
const FILL_RADIUS = 24

async function turnInFrame (data: Uint8Array, width: number, height: number, channels: number, degrees: number): Promise<Uint8Array> {
  const turned = await sharp(data, { raw: { width, height, channels: channels as 1 | 3 } })
    .rotate(degrees, { background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true })
  const left = Math.floor((turned.info.width - width) / 2)
  const top = Math.floor((turned.info.height - height) / 2)
  const out = await sharp(turned.data, { raw: { width: turned.info.width, height: turned.info.height, channels: turned.info.channels } })
    .extract({ left, top, width, height })
    .extractChannel(0)
    .raw()
    .toBuffer()
  // one channel at a time keeps libvips from handing grey back as sRGB
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/**
 * The picture turned back by `tilt`, in its own frame. The corners it lost (the parts of the original the turn
 * pushed out of the frame) are filled with the mean of the pixels around them that it kept, not with the fill
 * colour: a global hash then sees a smooth continuation instead of four dark triangles.
 */
export async function straighten (img: DecodedImage, tilt: Tilt): Promise<DecodedImage> {
  const { width: w, height: h, channels } = img
  const n = w * h
  const planes: Uint8Array[] = []
  for (let c = 0; c < channels; c++) {
    const plane = new Uint8Array(n)
    for (let i = 0; i < n; i++) plane[i] = img.data[i * channels + c]
    planes.push(await turnInFrame(plane, w, h, 1, tilt.degrees))
  }
  const mask = await turnInFrame(new Uint8Array(n).fill(255), w, h, 1, tilt.degrees)
  const kept = (i: number): boolean => mask[i] === 255
  // summed-area tables of the kept pixels and their values, for box means around each lost pixel
  const W = w + 1
  const count = new Float64Array(W * (h + 1))
  const sums = planes.map(() => new Float64Array(W * (h + 1)))
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x; const k = (y + 1) * W + x + 1
      const m = kept(i) ? 1 : 0
      count[k] = m + count[k - 1] + count[k - W] - count[k - W - 1]
      for (let c = 0; c < channels; c++) sums[c][k] = m * planes[c][i] + sums[c][k - 1] + sums[c][k - W] - sums[c][k - W - 1]
    }
  }
  const box = (t: Float64Array, x0: number, y0: number, x1: number, y1: number): number => t[y1 * W + x1] - t[y0 * W + x1] - t[y1 * W + x0] + t[y0 * W + x0]
  const data = new Uint8Array(n * channels)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x
      if (kept(i)) { for (let c = 0; c < channels; c++) data[i * channels + c] = planes[c][i]; continue }
      for (let r = FILL_RADIUS; ; r *= 2) {
        const x0 = Math.max(0, x - r); const y0 = Math.max(0, y - r); const x1 = Math.min(w, x + r + 1); const y1 = Math.min(h, y + r + 1)
        const k = box(count, x0, y0, x1, y1)
        if (k === 0 && r < Math.max(w, h)) continue
        for (let c = 0; c < channels; c++) data[i * channels + c] = k === 0 ? tilt.fill[c] : Math.round(box(sums[c], x0, y0, x1, y1) / k)
        break
      }
    }
  }
  return { width: w, height: h, channels, data }
}
