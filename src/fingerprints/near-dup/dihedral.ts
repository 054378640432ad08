/**
 * PDQ's rotations and flips at query time: a work turned or mirrored has a PDQ hash far from the original's, but
 * one of the eight dihedral variants of its hash (src/fingerprints/pdq.ts, exact from the DCT) is near it. The
 * index holds each work's plain hash once; a query runs once per variant and keeps, per id, the nearest variant.
 */
import { PDQ_VARIANTS, type PdqVariant } from '../pdq.ts'
import type { NearDupIndex, NearDupQueryOptions } from './near-dup-index.ts'

export interface DihedralMatch {
  id: string
  distance: number
  /** The variant of the query that came nearest (the first in PDQ_VARIANTS order on a tie) */
  variant: PdqVariant
}

export interface DihedralResult {
  matches: DihedralMatch[]
  /** Some variant's query hit the candidate cap */
  truncated: boolean
  candidates: number
}

/** Every id within `radius` of any of the query's variants, with its least distance, nearest first */
export function queryDihedral (index: NearDupIndex, variants: Partial<Record<PdqVariant, Uint8Array>>, radius: number, options: NearDupQueryOptions = {}): DihedralResult {
  const best = new Map<string, DihedralMatch>()
  let truncated = false
  let candidates = 0
  for (const variant of PDQ_VARIANTS) {
    const code = variants[variant]
    if (code === undefined) continue
    const r = index.query(code, radius, { maxCandidates: options.maxCandidates })
    truncated ||= r.truncated
    candidates += r.candidates
    for (const m of r.matches) {
      const seen = best.get(m.id)
      if (seen === undefined || m.distance < seen.distance) best.set(m.id, { id: m.id, distance: m.distance, variant })
    }
  }
  const matches = [...best.values()].sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return { matches: options.limit !== undefined ? matches.slice(0, Math.max(0, options.limit)) : matches, truncated, candidates }
}

/** Byte and bit of DCT coefficient (row i, column j) in a PDQ hash, as pdqBits lays them out */
function bitAt (i: number, j: number): [number, number] {
  return [(15 - i) * 2 + (j < 8 ? 1 : 0), j & 7]
}

/**
 * The eight variants of a PDQ hash derived from the hash alone (for a work known only by its record's code, not
 * its pixels): the variant's DCT is the original's transposed and with some signs changed, so its bits are the
 * original's moved, and inverted where the sign changes. Approximate: a coefficient's bit says it is above the
 * median, and the median of the changed coefficients is near, not at, zero (measured in the tests).
 */
export function pdqVariantsFromHash (hash: Uint8Array): Record<PdqVariant, Uint8Array> {
  const out = {} as Record<PdqVariant, Uint8Array>
  for (const variant of PDQ_VARIANTS) {
    const b = new Uint8Array(32)
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        const [byte, bit] = bitAt(i, j)
        let v = (hash[byte] >> bit) & 1
        let ti = i
        let tj = j
        let negate = false
        switch (variant) {
          case 'original': break
          case 'rotate90': ti = j; tj = i; negate = (j & 1) === 0; break
          case 'rotate180': negate = ((i + j) & 1) !== 0; break
          case 'rotate270': ti = j; tj = i; negate = (i & 1) === 0; break
          case 'flipX': negate = (i & 1) === 0; break
          case 'flipY': negate = (j & 1) === 0; break
          case 'flipPlus1': ti = j; tj = i; break
          case 'flipMinus1': ti = j; tj = i; negate = ((i + j) & 1) !== 0; break
        }
        if (negate) v ^= 1
        const [tb, tbit] = bitAt(ti, tj)
        b[tb] |= v << tbit
      }
    }
    out[variant] = b
  }
  return out
}
