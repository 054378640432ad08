/**
 * xxHash32 (Yann Collet's XXH32, seed 0 unless given) over bytes. ISCC's Text-Code hashes every 13-character window
 * with it, so the value must be exactly the published one; nothing in node_modules provides it.
 * Written from the xxHash specification (doc/xxhash_spec.md); all arithmetic is mod 2^32 via Math.imul and >>> 0.
 */
const P1 = 0x9E3779B1
const P2 = 0x85EBCA77
const P3 = 0xC2B2AE3D
const P4 = 0x27D4EB2F
const P5 = 0x165667B1

function rotl (x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0
}

function round (acc: number, lane: number): number {
  acc = (acc + Math.imul(lane, P2)) >>> 0
  return Math.imul(rotl(acc, 13), P1) >>> 0
}

function readU32 (b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0
}

/** XXH32 of `input` (or of its bytes start…end, without a copy) as an unsigned 32-bit integer */
export function xxh32 (input: Uint8Array, seed = 0, start = 0, end = input.length): number {
  const len = end - start
  let i = start
  let acc: number
  if (len >= 16) {
    let v1 = (seed + P1 + P2) >>> 0
    let v2 = (seed + P2) >>> 0
    let v3 = seed >>> 0
    let v4 = (seed - P1) >>> 0
    const limit = end - 16
    while (i <= limit) {
      v1 = round(v1, readU32(input, i))
      v2 = round(v2, readU32(input, i + 4))
      v3 = round(v3, readU32(input, i + 8))
      v4 = round(v4, readU32(input, i + 12))
      i += 16
    }
    acc = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0
  } else {
    acc = (seed + P5) >>> 0
  }
  acc = (acc + len) >>> 0
  while (i + 4 <= end) {
    acc = (acc + Math.imul(readU32(input, i), P3)) >>> 0
    acc = Math.imul(rotl(acc, 17), P4) >>> 0
    i += 4
  }
  while (i < end) {
    acc = (acc + Math.imul(input[i], P5)) >>> 0
    acc = Math.imul(rotl(acc, 11), P1) >>> 0
    i++
  }
  acc ^= acc >>> 15
  acc = Math.imul(acc, P2) >>> 0
  acc ^= acc >>> 13
  acc = Math.imul(acc, P3) >>> 0
  acc ^= acc >>> 16
  return acc >>> 0
}
