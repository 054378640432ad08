/**
 * Bit-level helpers of the near-duplicate index: codes held as big-endian 32-bit words (bit 0 is the top bit of
 * the first byte, as the codes' hex reads), popcount, substring extraction, and the flip masks that enumerate every
 * key within a small Hamming radius of a substring.
 */

/** Set bits of a 32-bit word (SWAR: JavaScript has no popcount instruction) */
export function popcount32 (x: number): number {
  x = x - ((x >>> 1) & 0x55555555)
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  x = (x + (x >>> 4)) & 0x0f0f0f0f
  return Math.imul(x, 0x01010101) >>> 24
}

/** Bytes (length a multiple of 4) into `out` at word offset `at`, big-endian */
export function packWords (bytes: Uint8Array, out: Uint32Array, at: number): void {
  for (let w = 0, b = 0; b < bytes.length; w++, b += 4) {
    out[at + w] = ((bytes[b] << 24) | (bytes[b + 1] << 16) | (bytes[b + 2] << 8) | bytes[b + 3]) >>> 0
  }
}

/** The words of one code back to bytes */
export function unpackWords (words: Uint32Array, at: number, count: number): Uint8Array {
  const out = new Uint8Array(count * 4)
  for (let w = 0; w < count; w++) {
    const v = words[at + w]
    out[w * 4] = v >>> 24; out[w * 4 + 1] = (v >>> 16) & 255; out[w * 4 + 2] = (v >>> 8) & 255; out[w * 4 + 3] = v & 255
  }
  return out
}

/** Bits [start, start + len) of the code at word offset `at`, as an unsigned integer; 1 ≤ len ≤ 32 */
export function extractBits (words: Uint32Array, at: number, start: number, len: number): number {
  const w = at + (start >>> 5)
  const o = start & 31
  const mask = len === 32 ? 0xffffffff : ((1 << len) >>> 0) - 1
  if (o + len <= 32) return ((words[w] >>> (32 - o - len)) & mask) >>> 0
  return (((words[w] << (o + len - 32)) | (words[w + 1] >>> (64 - o - len))) & mask) >>> 0
}

/** Distance between the code at `at` and the query, stopping as soon as it exceeds `limit` (returns > limit then) */
export function distanceWithin (words: Uint32Array, at: number, query: Uint32Array, count: number, limit: number): number {
  let d = 0
  for (let w = 0; w < count; w++) {
    d += popcount32((words[at + w] ^ query[w]) >>> 0)
    if (d > limit) return d
  }
  return d
}

/** C(n, k) as a float (exact for the small sizes used here) */
export function binomial (n: number, k: number): number {
  if (k < 0 || k > n) return 0
  let r = 1
  for (let i = 1; i <= k; i++) r = r * (n - k + i) / i
  return Math.round(r)
}

/** Keys of `len` bits within Hamming distance `radius` of a key: Σ_{k ≤ radius} C(len, k) */
export function ballSize (len: number, radius: number): number {
  let s = 0
  for (let k = 0; k <= Math.min(radius, len); k++) s += binomial(len, k)
  return s
}

const masks = new Map<string, Uint32Array>()

/**
 * Every mask of `len` bits with at most `radius` bits set, fewest bits first (so exact-key probes come first).
 * Cached per (len, radius); callers bound the size with `ballSize` before asking.
 */
export function flipMasks (len: number, radius: number): Uint32Array {
  const key = `${len}/${radius}`
  const hit = masks.get(key)
  if (hit !== undefined) return hit
  const out = new Uint32Array(ballSize(len, radius))
  let n = 0
  const pick = (from: number, left: number, acc: number): void => {
    if (left === 0) { out[n++] = acc >>> 0; return }
    for (let b = from; b <= len - left; b++) pick(b + 1, left - 1, acc | (1 << b))
  }
  for (let k = 0; k <= Math.min(radius, len); k++) pick(0, k, 0)
  masks.set(key, out)
  return out
}
