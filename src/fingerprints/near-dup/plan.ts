/**
 * How a code is cut into substrings, and how far each substring table is searched (Norouzi, Punjani and Fleet,
 * "Fast Exact Search in Hamming Space with Multi-Index Hashing", PAMI 2014).
 *
 * Pigeonhole, sharpened (their Proposition 2): cut a code into m substrings and write the radius r = s·m + a with
 * 0 ≤ a < m. If two codes are within r, then either one of the first a + 1 substrings is within s, or one of the
 * others is within s − 1 (otherwise the distance would be at least (a+1)(s+1) + (m−a−1)·s = r + 1). So the first
 * a + 1 tables are probed with every key within s of the query's substring and the rest within s − 1 (a table with
 * −1 is not probed at all), and every candidate found is verified with its full distance: the answer is exact.
 */
import { ballSize } from './bits.ts'
import { MAX_SUBSTRING_BITS, PROBE_COST, SCAN_BASE, SCAN_WORD, VERIFY_BASE, VERIFY_WORD } from './constants.ts'

export interface Substring {
  start: number
  len: number
}

/** `m` contiguous substrings of a `bits`-bit code, the longer ones first (lengths differ by at most one) */
export function substrings (bits: number, m: number): Substring[] {
  const out: Substring[] = []
  const base = Math.floor(bits / m)
  const longer = bits % m
  let start = 0
  for (let t = 0; t < m; t++) {
    const len = base + (t < longer ? 1 : 0)
    out.push({ start, len })
    start += len
  }
  return out
}

/** The search radius of each table for a query radius (−1: the table need not be probed) */
export function tableRadii (m: number, radius: number): number[] {
  const s = Math.floor(radius / m)
  const a = radius % m
  return Array.from({ length: m }, (_, t) => t <= a ? s : s - 1)
}

/** Expected work of a query (in probe units, constants.ts): probes, plus candidates as if the codes were uniform random */
export function estimateCost (parts: Substring[], radius: number, n: number, words: number): { probes: number, candidates: number, cost: number } {
  const radii = tableRadii(parts.length, radius)
  let probes = 0
  let candidates = 0
  parts.forEach((p, t) => {
    if (radii[t] < 0) return
    const ball = ballSize(p.len, radii[t])
    probes += ball
    candidates += n * ball / 2 ** p.len
  })
  return { probes, candidates, cost: probes * PROBE_COST + Math.min(n, candidates) * (VERIFY_BASE + VERIFY_WORD * words) }
}

/** Cost of checking all n codes one by one */
export function linearCost (n: number, words: number): number {
  return n * (SCAN_BASE + SCAN_WORD * words)
}

/**
 * The number of substrings for `n` codes of `bits` bits searched at `radius`: the m of least estimated cost among
 * those whose substrings fit 32-bit keys (more than radius + 1 substrings never helps: the extra tables are not
 * probed). Null when checking every code is cheaper than any table layout (small n).
 */
export function chooseSubstrings (bits: number, radius: number, n: number): number | null {
  const words = bits / 32
  const lo = Math.ceil(bits / MAX_SUBSTRING_BITS)
  const hi = Math.min(bits, Math.max(lo, radius + 1))
  let best: number | null = null
  let bestCost = linearCost(n, words)
  for (let m = lo; m <= hi; m++) {
    const { cost } = estimateCost(substrings(bits, m), radius, n, words)
    if (cost < bestCost) { best = m; bestCost = cost }
  }
  return best
}
