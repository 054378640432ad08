/**
 * Leave-one-out on endorsements (issue 13), for bench/discovery.ts: hold one endorsement out, rank for its creator
 * with the ranker and three baselines, see whether and where the held-out work comes back in the top 10. Kept per
 * held-out sample, so the relative gains get a paired, seed-stratified bootstrap interval: at hit rates near 0.05 a
 * few hundred samples leave ±20 % of noise, which is the size of the effect asked for.
 *
 * Also a ceiling from the same samples: the planted generator draws an endorsement uniformly from the creator's own
 * community's works (or its taste group's, or, with the cross chance, from any community), so no ranker can expect
 * more than one told each creator's group and listing the group's candidate works in a random order (then the rest
 * of its community's, if the group has fewer than 10): 10 / n per sample whose work is among those n candidates,
 * 0 otherwise (candidates: works the creator neither made nor endorsed). Its figures are expected values.
 */
import { planted } from '../src/discovery/planted.ts'
import type { Planted, PlantedOptions } from '../src/discovery/planted.ts'
import { rank } from '../src/discovery/rank.ts'
import { seededRandom as rng } from '../src/seeded-random.ts'
import type { RankOptions } from '../src/discovery/rank.ts'
import { E_AUTHOR, E_ENDORSE, E_ENDORSED_BY, E_FOLLOW, NODE_WORK } from '../src/discovery/graph.ts'

export const K = 10
export const RANKERS = ['discovery', 'popularity', 'global PageRank', 'follows-of-follows', 'ceiling'] as const
export type RankerName = typeof RANKERS[number]
/** Per ranker, per held-out sample: 1/0 hit and NDCG (expected values for the ceiling) */
export type Outcome = Record<RankerName, { hit: number[], ndcg: number[] }>

type Ranker = (self: string) => string[]

export function evaluate (p: Planted, samples: number, now: number, opts: Partial<RankOptions> = {}): Outcome {
  const sg = p.graph
  const excluded = (u: number): Set<number> => {
    const c = sg.adjacency(); const out = new Set<number>()
    for (let i = c.start[u] as number; i < (c.start[u + 1] as number); i++) if (c.type[i] === E_AUTHOR || c.type[i] === E_ENDORSE) out.add(c.to[i] as number)
    return out
  }
  const topBy = (self: string, score: Float64Array): string[] => {
    const ex = excluded(sg.id(self) as number)
    const cand: number[] = []
    for (let v = 0; v < sg.nodeCount; v++) if (sg.nodeType[v] === NODE_WORK && !ex.has(v) && (score[v] as number) > 0) cand.push(v)
    cand.sort((a, b) => (score[b] as number) - (score[a] as number) || a - b)
    return cand.slice(0, K).map(v => sg.key(v))
  }
  const endorsedBy = (score: (creator: number) => number): Float64Array => {
    const c = sg.adjacency(); const s = new Float64Array(sg.nodeCount)
    for (let v = 0; v < sg.nodeCount; v++) {
      if (sg.nodeType[v] !== NODE_WORK) continue
      for (let i = c.start[v] as number; i < (c.start[v + 1] as number); i++) if (c.type[i] === E_ENDORSED_BY) s[v] = (s[v] as number) + score(c.to[i] as number)
    }
    return s
  }
  // global PageRank of creators over follows (power iteration, uniform teleport); held-out endorsements do not move it
  const pr = new Float64Array(sg.nodeCount).fill(1 / sg.nodeCount)
  {
    const c = sg.adjacency()
    for (let it = 0; it < 40; it++) {
      const next = new Float64Array(sg.nodeCount).fill(0.15 / sg.nodeCount)
      for (let u = 0; u < sg.nodeCount; u++) {
        let out = 0
        for (let i = c.start[u] as number; i < (c.start[u + 1] as number); i++) if (c.type[i] === E_FOLLOW) out++
        if (out === 0) { next[u] = (next[u] as number) + 0.85 * (pr[u] as number); continue }
        for (let i = c.start[u] as number; i < (c.start[u + 1] as number); i++) if (c.type[i] === E_FOLLOW) next[c.to[i] as number] = (next[c.to[i] as number] as number) + 0.85 * (pr[u] as number) / out
      }
      pr.set(next)
    }
  }
  const rankers: Array<[RankerName, Ranker]> = [
    ['discovery', (self) => rank(sg, self, { limit: K, now, ...opts }).map(i => i.key)],
    ['popularity', (self) => topBy(self, endorsedBy(() => 1))],
    ['global PageRank', (self) => topBy(self, endorsedBy(c => pr[c] as number))],
    ['follows-of-follows', (self) => {
      const c = sg.adjacency(); const u = sg.id(self) as number; const ring = new Set<number>()
      for (let i = c.start[u] as number; i < (c.start[u + 1] as number); i++) {
        if (c.type[i] !== E_FOLLOW) continue
        const x = c.to[i] as number; ring.add(x)
        for (let j = c.start[x] as number; j < (c.start[x + 1] as number); j++) if (c.type[j] === E_FOLLOW) ring.add(c.to[j] as number)
      }
      ring.delete(u)
      return topBy(self, endorsedBy(x => ring.has(x) ? 1 : 0))
    }]
  ]
  const out = Object.fromEntries(RANKERS.map(n => [n, { hit: [] as number[], ndcg: [] as number[] }])) as Outcome
  // every k-th endorsement, so the sample is spread over creators and reproducible
  const step = Math.max(1, Math.floor(p.endorsements.length / samples))
  const held = p.endorsements.filter((_, i) => i % step === 0).slice(0, samples)
  for (const [creator, work, key] of held) {
    sg.removeRecord(key)
    const u = sg.id(creator) as number; const w = sg.id(work) as number
    // the held-out endorsement is gone from the adjacency every ranker reads (both directions)
    const c = sg.adjacency()
    for (let i = c.start[u] as number; i < (c.start[u + 1] as number); i++) if (c.to[i] === w && c.type[i] === E_ENDORSE) throw new Error(`held-out ${key} still live`)
    for (let i = c.start[w] as number; i < (c.start[w + 1] as number); i++) if (c.to[i] === u && c.type[i] === E_ENDORSED_BY) throw new Error(`held-out ${key} still live back`)
    for (const [name, r] of rankers) {
      const at = r(creator).indexOf(work)
      out[name].hit.push(at === -1 ? 0 : 1)
      out[name].ndcg.push(at === -1 ? 0 : 1 / Math.log2(at + 2))
    }
    // the ceiling: the creator's group's candidates in a random order, then (if fewer than 10) its community's
    out.ceiling.hit.push(0); out.ceiling.ndcg.push(0)
    const ex = excluded(u)
    const community = p.communityOf.get(creator) as number
    const group = p.groupOf.get(creator) as number
    let ng = 0; let nc = 0
    for (const c2 of p.creators[community] as string[]) {
      for (const wk of worksOf(p, c2)) if (!ex.has(sg.id(wk) as number)) { nc++; if (p.groupOf.get(wk) === group) ng++ }
    }
    if (!ex.has(w) && p.workCommunity.get(work) === community) {
      const inGroup = p.groupOf.get(work) === group
      // places [a, b) of the list are shared evenly by the n candidates the work is among
      const [a, b, n] = inGroup ? [0, Math.min(K, ng), ng] : [Math.min(K, ng), Math.min(K, nc), nc - ng]
      let disc = 0
      for (let i = a; i < b; i++) disc += 1 / Math.log2(i + 2)
      out.ceiling.hit[out.ceiling.hit.length - 1] = (b - a) / n
      out.ceiling.ndcg[out.ceiling.ndcg.length - 1] = disc / n
    }
    sg.link(u, w, E_ENDORSE, E_ENDORSED_BY, key)
  }
  return out
}

const worksCache = new WeakMap<Planted, Map<string, string[]>>()
/** The works a creator made, read from the planted graph's authorship edges */
function worksOf (p: Planted, creator: string): string[] {
  let m = worksCache.get(p)
  if (m == null) { m = new Map(); worksCache.set(p, m) }
  let list = m.get(creator)
  if (list == null) {
    const g = p.graph; const c = g.adjacency(); const u = g.id(creator) as number
    list = []
    for (let i = c.start[u] as number; i < (c.start[u + 1] as number); i++) if (c.type[i] === E_AUTHOR && g.nodeType[c.to[i] as number] === NODE_WORK) list.push(g.key(c.to[i] as number))
    m.set(creator, list)
  }
  return list
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)

/**
 * Relative gain Σours / Σbase − 1 with a 95 % percentile interval from a paired bootstrap, resampling held-out
 * samples within each seed (strata), so every resample keeps each seed's weight
 */
export function gain (ours: number[][], base: number[][], reps = 2000, seed = 7): { point: number, lo: number, hi: number } {
  const point = sum(ours.map(sum)) / sum(base.map(sum)) - 1
  const random = rng(seed)
  const gains: number[] = []
  for (let r = 0; r < reps; r++) {
    let a = 0; let b = 0
    for (let s = 0; s < ours.length; s++) {
      const o = ours[s] as number[]; const q = base[s] as number[]
      for (let i = 0; i < o.length; i++) { const j = Math.floor(random() * o.length); a += o[j] as number; b += q[j] as number }
    }
    gains.push(b === 0 ? Infinity : a / b - 1)
  }
  gains.sort((x, y) => x - y)
  return { point, lo: gains[Math.floor(0.025 * reps)] as number, hi: gains[Math.floor(0.975 * reps)] as number }
}

export interface Shape { label: string, options: Omit<PlantedOptions, 'seed' | 'now'> }

/** Evaluate every shape on every seed; print per-seed figures and the pooled gains with their intervals */
export function report (shapes: Shape[], seeds: number[], samples: number, now: number, opts: Partial<RankOptions> = {}, print = console.log): Map<string, Map<RankerName, { hit: number, ndcg: number, gainHit?: ReturnType<typeof gain>, gainNdcg?: ReturnType<typeof gain> }>> {
  const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)} %`
  const result = new Map()
  for (const [si, shape] of shapes.entries()) {
    const runs: Outcome[] = []
    for (const seed of seeds) {
      const p = planted({ ...shape.options, seed: seed * 10 + si, now })
      const o = evaluate(p, samples, now, opts)
      runs.push(o)
      const d = o.discovery
      print(`  ${shape.label}, seed ${seed}: ${d.hit.length} held out; ` + RANKERS.map(n => `${n} ${mean(o[n].hit).toFixed(3)}/${mean(o[n].ndcg).toFixed(3)}`).join(', ') +
        `; discovery vs follows-of-follows ${pct(sum(d.hit) / sum(o['follows-of-follows'].hit) - 1)} / ${pct(sum(d.ndcg) / sum(o['follows-of-follows'].ndcg) - 1)}`)
    }
    const rows = new Map()
    const ours = runs.map(o => o.discovery)
    print(`leave-one-out, ${shape.label}: ${seeds.length} seeds × ${ours[0]?.hit.length ?? 0} held-out endorsements (hit@10 / NDCG@10; gain of discovery, 95 % paired bootstrap interval; target ≥ +20 %)`)
    for (const n of RANKERS) {
      const them = runs.map(o => o[n])
      const hit = mean(them.flatMap(t => t.hit)); const ndcg = mean(them.flatMap(t => t.ndcg))
      const row: Record<string, unknown> = { hit, ndcg }
      let rel = ''
      if (n !== 'discovery') {
        const gh = gain(ours.map(o => o.hit), them.map(t => t.hit)); const gn = gain(ours.map(o => o.ndcg), them.map(t => t.ndcg))
        row.gainHit = gh; row.gainNdcg = gn
        rel = `  discovery ${pct(gh.point)} [${pct(gh.lo)}, ${pct(gh.hi)}] / ${pct(gn.point)} [${pct(gn.lo)}, ${pct(gn.hi)}]`
      }
      rows.set(n, row)
      print(`  ${n.padEnd(19)} hit@10 ${hit.toFixed(4)}  NDCG@10 ${ndcg.toFixed(4)}${rel}`)
    }
    result.set(shape.label, rows)
  }
  return result
}
