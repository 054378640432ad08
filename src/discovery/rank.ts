/**
 * Ranking for one creator, from the local graph only (issue 13):
 * 1. circle of trust: personalised PageRank by forward push (Andersen–Chung–Lang) from the creator over follows and
 *    memberships, each node passing on at most `cap` of mass in all, so a region of fake identities reached by a few
 *    edges gets at most a few caps' worth, however many identities it holds;
 * 2. endorsements weighted by the endorser's trust (split over what it endorses, as PageRank splits a vote);
 * 3. Pixie-style walks with restart from the creator's own and endorsed works over authorship, endorsements, lineage
 *    and similarity, only through creators the circle reached, seeded (deterministic), with multi-hit boosting (sum
 *    over seeds of √visits, squared);
 * 4. a blend with recency, flagged works demoted, and a per-author diversity penalty while picking.
 * Reasons (reasons.ts) are read from the direct edges of each picked work, so every one names a real edge.
 */
import {
  DiscoveryGraph, E_AUTHOR, E_ENDORSE, NODE_CREATOR, NODE_WORK
} from './graph.ts'
import type { Csr } from './graph.ts'
import { explain } from './reasons.ts'
import type { Reason } from './reasons.ts'
import { seededRandom } from '../seeded-random.ts'

export interface RankOptions {
  /** items wanted. @default 20 */
  limit?: number
  /** media class of the works wanted (`image`, `audio`, `text`…) */
  kind?: string
  /** only works published in this collective (its node key: the charter CID) */
  collective?: string
  /** epoch ms the recency is measured from */
  now: number
  /** seed of the walks. @default 1 */
  seed?: number
  /** teleport probability of the personalised PageRank. @default 0.15 */
  alpha?: number
  /** most mass any node but the creator passes on, as a share of the total (Sybil resistance). @default 0.02 */
  cap?: number
  /** total walk steps. @default 20,000 */
  walkSteps?: number
  /** half-life of the recency term, ms. @default 30 days */
  halfLifeMs?: number
  /** weights of trust-weighted endorsements, walks and authors' trust, and the share recency scales (bench, tests) */
  blend?: { endorse: number, walk: number, author: number, recency: number }
}

export interface RankedItem {
  /** the work's node key (its asset record CID) */
  key: string
  score: number
  reasons: Reason[]
}

export const RANK_DEFAULTS = Object.freeze({
  limit: 20, seed: 1, alpha: 0.15, cap: 0.02, walkSteps: 20_000, halfLifeMs: 30 * 86_400_000,
  /** residual below which a node is not pushed (per unit of out-degree) */
  epsilon: 1e-5,
  /** restart probability of a walk step (0.15: longer walks reach works endorsed by the endorsers of one's endorsed works) */
  restart: 0.15,
  /** most seed works the walks start from (the newest first) */
  maxSeeds: 64,
  /** candidate pool the diversity pass picks from, as a multiple of the limit */
  pool: 5,
  /** score factor of each further work by an author already picked */
  authorPenalty: 0.7,
  /** score factor of a flagged work (possible unattributed derivative) */
  flaggedFactor: 0.25
})

/**
 * Blend weights: trust-weighted endorsements, walk visits, authors' trust; recency scales the sum (a work at the
 * half-life keeps 1 − recency/2 of it) rather than adding to it, so a fresh work with a weak tie — what a Sybil region
 * can make cheaply — is not lifted by its freshness alone. The walks weigh most: they find taste inside a community
 * (works endorsed by those who endorse what one endorses), which the circle's endorsements, counted over the whole
 * community, do not (leave-one-out with taste groups in docs/benchmarks.md: tuned on seeds other than those reported)
 */
const BLEND = { endorse: 0.2, walk: 0.7, author: 0.1, recency: 0.3 }

/**
 * Per-node working arrays, kept per graph and reused: a ranking touches a few thousand nodes of a graph of 10^5, so
 * allocating (and zeroing) a dozen node-sized arrays each time would cost more than the ranking, and feed the GC.
 * Every user puts back the zeros it touched.
 */
export class Scratch {
  readonly size: number
  readonly p: Float64Array; readonly r: Float64Array; readonly passed: Float64Array
  readonly queued: Uint8Array; readonly seen: Uint8Array; readonly mark: Uint8Array
  readonly score: Float64Array; readonly visits: Uint32Array; readonly endorse: Float64Array; readonly authored: Float64Array
  constructor (size: number) {
    this.size = size
    this.p = new Float64Array(size); this.r = new Float64Array(size); this.passed = new Float64Array(size)
    this.queued = new Uint8Array(size); this.seen = new Uint8Array(size); this.mark = new Uint8Array(size)
    this.score = new Float64Array(size); this.visits = new Uint32Array(size)
    this.endorse = new Float64Array(size); this.authored = new Float64Array(size)
  }
}
const scratches = new WeakMap<DiscoveryGraph, Scratch>()
function scratchFor (g: DiscoveryGraph): Scratch {
  let s = scratches.get(g)
  if (s == null || s.size < g.nodeCount) { s = new Scratch(Math.max(g.nodeCount, 2 * (s?.size ?? 0), 1024)); scratches.set(g, s) }
  return s
}

/** The circle of trust: mass per node, and the nodes that hold any (so later passes skip the rest of the graph) */
export interface Trust { p: Float64Array, touched: number[] }

/** Personalised PageRank from `self` over social edges by forward push, each other node passing on at most `cap` */
export function circleOfTrust (g: DiscoveryGraph, csr: Csr, self: number, alpha: number, cap: number, epsilon: number, s: Scratch = new Scratch(g.nodeCount)): Trust {
  const { p, r, passed, queued, seen } = s
  const touched: number[] = [self]
  seen[self] = 1
  const queue: number[] = [self]
  r[self] = 1
  queued[self] = 1
  let head = 0
  while (head < queue.length) {
    const u = queue[head++] as number
    queued[u] = 0
    const ru = r[u] as number
    r[u] = 0
    p[u] = (p[u] as number) + alpha * ru
    let share = (1 - alpha) * ru
    if (u !== self) {
      const room = cap - (passed[u] as number)
      if (share > room) share = Math.max(0, room) // the rest is dropped: no node can hand on more than `cap`
      passed[u] = (passed[u] as number) + share
    }
    if (share <= 0) continue
    const a = csr.start[u] as number
    const b = csr.social[u] as number
    let total = 0
    for (let i = a; i < b; i++) total += csr.weight[i] as number
    if (total <= 0) { p[u] = (p[u] as number) + share; continue } // a dead end keeps what it would pass
    for (let i = a; i < b; i++) {
      const v = csr.to[i] as number
      r[v] = (r[v] as number) + share * (csr.weight[i] as number) / total
      if (seen[v] === 0) { seen[v] = 1; touched.push(v) }
      const degree = (csr.social[v] as number) - (csr.start[v] as number)
      if (queued[v] === 0 && (r[v] as number) > epsilon * Math.max(1, degree)) { queued[v] = 1; queue.push(v) }
    }
    if (head > 1 << 16) { queue.splice(0, head); head = 0 } // keep the queue array bounded
  }
  return { p, touched }
}

/** Own works and endorsed works of `self`, newest first, at most `max` */
export function seedsOf (g: DiscoveryGraph, csr: Csr, self: number, max: number): { own: Set<number>, endorsed: Set<number>, seeds: number[] } {
  const own = new Set<number>()
  const endorsed = new Set<number>()
  for (let i = csr.social[self] as number; i < (csr.walked[self] as number); i++) {
    const t = csr.type[i] as number
    const v = csr.to[i] as number
    if (t === E_AUTHOR && g.nodeType[v] === NODE_WORK) own.add(v)
    else if (t === E_ENDORSE) endorsed.add(v)
  }
  const seeds = [...new Set([...own, ...endorsed])].sort((a, b) => (g.time[b] as number) - (g.time[a] as number) || a - b).slice(0, max)
  return { own, endorsed, seeds }
}

/**
 * Pixie: per seed, walks with restart over the walked edges (authorship, endorsements, lineage, similarity); a work's
 * score is (Σ_seeds √visits)², so works reached from many seeds win. A step is one binary search in the running
 * weights. Returns the scores and the works visited.
 */
export function walkScores (
  g: DiscoveryGraph, csr: Csr, seeds: number[], steps: number, restart: number, random: () => number,
  sc: Scratch = new Scratch(g.nodeCount), trust?: Float64Array
): { score: Float64Array, touched: number[] } {
  const { score, visits } = sc
  const touched: number[] = []
  if (seeds.length === 0) return { score, touched }
  const per = Math.max(1, Math.floor(steps / seeds.length))
  const hit: number[] = []
  for (const seed of seeds) {
    let at = seed
    for (let s = 0; s < per; s++) {
      const a = csr.social[at] as number
      const b = csr.walked[at] as number
      if (a === b || random() < restart) { at = seed; continue }
      const pick = random() * (csr.cum[b - 1] as number)
      let lo = a; let hi = b - 1
      while (lo < hi) { const mid = (lo + hi) >>> 1; if ((csr.cum[mid] as number) < pick) lo = mid + 1; else hi = mid }
      at = csr.to[lo] as number
      // a walk goes on only through creators in the circle of trust: identities no one trusted (a Sybil region
      // endorsing the creator's works to be walked into) are a wall, not a way
      if (trust != null && g.nodeType[at] === NODE_CREATOR && trust[at] === 0) { at = seed; continue }
      if (g.nodeType[at] === NODE_WORK && at !== seed) {
        if (visits[at] === 0) hit.push(at)
        visits[at] = (visits[at] as number) + 1
      }
    }
    for (const w of hit) {
      if (score[w] === 0) touched.push(w)
      score[w] = (score[w] as number) + Math.sqrt(visits[w] as number)
      visits[w] = 0
    }
    hit.length = 0
  }
  for (const w of touched) score[w] = (score[w] as number) * (score[w] as number)
  return { score, touched }
}

/** Rank works for the creator `selfKey`; an unknown creator gets nothing */
export function rank (g: DiscoveryGraph, selfKey: string, o: RankOptions): RankedItem[] {
  const self = g.id(selfKey)
  if (self === undefined || g.nodeType[self] !== NODE_CREATOR) return []
  const opt = { ...RANK_DEFAULTS, ...o }
  const media = opt.kind == null ? -1 : g.mediaClasses.indexOf(opt.kind)
  if (opt.kind != null && media === -1) return []
  let coll = 0
  if (opt.collective != null) {
    const c = g.id(opt.collective)
    if (c === undefined) return []
    coll = c + 1
  }
  const csr = g.adjacency()
  const sc = scratchFor(g)
  const trust = circleOfTrust(g, csr, self, opt.alpha, opt.cap, opt.epsilon, sc)
  const { own, endorsed, seeds } = seedsOf(g, csr, self, opt.maxSeeds)
  const walks = walkScores(g, csr, seeds, opt.walkSteps, opt.restart, seededRandom(opt.seed), sc, trust.p)
  try {
    return pick(g, csr, self, opt, media, coll, trust, own, endorsed, walks, sc)
  } finally {
    for (const v of trust.touched) { sc.p[v] = 0; sc.r[v] = 0; sc.passed[v] = 0; sc.seen[v] = 0; sc.queued[v] = 0 }
    for (const v of walks.touched) sc.score[v] = 0
  }
}

/** Score the works the circle and the walks reached, then pick with diversity */
function pick (
  g: DiscoveryGraph, csr: Csr, self: number, opt: RankOptions & Record<keyof typeof RANK_DEFAULTS, number>, media: number, coll: number,
  trust: Trust, own: Set<number>, endorsed: Set<number>, walks: { score: Float64Array, touched: number[] }, sc: Scratch
): RankedItem[] {
  // endorsements and authorship, weighted by trust: every creator the circle reaches hands its trust to its works
  const { endorse, authored, mark } = sc
  const B = opt.blend ?? BLEND
  const works: number[] = []
  const touch = (v: number): void => { if (mark[v] === 0) { mark[v] = 1; works.push(v) } }
  for (const c of trust.touched) {
    const t = trust.p[c] as number
    if (t === 0 || c === self || g.nodeType[c] !== NODE_CREATOR) continue
    const a = csr.social[c] as number
    const b = csr.walked[c] as number
    let count = 0
    for (let i = a; i < b; i++) if (csr.type[i] === E_ENDORSE) count++
    for (let i = a; i < b; i++) {
      const v = csr.to[i] as number
      if (csr.type[i] === E_ENDORSE) { endorse[v] = (endorse[v] as number) + t / count; touch(v) } else if (csr.type[i] === E_AUTHOR && g.nodeType[v] === NODE_WORK) { authored[v] = (authored[v] as number) + t; touch(v) }
    }
  }
  for (const v of walks.touched) touch(v)
  let maxE = 0; let maxW = 0; let maxA = 0
  for (const v of works) {
    if ((endorse[v] as number) > maxE) maxE = endorse[v] as number
    if ((walks.score[v] as number) > maxW) maxW = walks.score[v] as number
    if ((authored[v] as number) > maxA) maxA = authored[v] as number
  }

  // score every work tied to the creator (a work nothing ties to it is not listed: recency alone does not list it)
  const ids: number[] = []
  const scores: number[] = []
  for (const v of works) {
    const e = maxE > 0 ? (endorse[v] as number) / maxE : 0
    const w = maxW > 0 ? (walks.score[v] as number) / maxW : 0
    const au = maxA > 0 ? (authored[v] as number) / maxA : 0
    endorse[v] = 0; authored[v] = 0; mark[v] = 0 // put the scratch back as found
    if (own.has(v) || endorsed.has(v)) continue
    if (media !== -1 && g.media[v] !== media) continue
    if (coll !== 0 && g.collectiveOf[v] !== coll) continue
    const age = Math.max(0, opt.now - (g.time[v] as number))
    let s = (B.endorse * e + B.walk * w + B.author * au) * (1 - B.recency + B.recency * Math.pow(0.5, age / opt.halfLifeMs))
    if (((g.flags[v] as number) & 1) !== 0) s *= opt.flaggedFactor
    ids.push(v); scores.push(s)
  }
  // the pool: scores at or above the pool size's best, found by one native numeric sort, then ordered with ties by key
  const size = opt.limit * opt.pool
  let floor = -Infinity
  if (scores.length > size) floor = (Float64Array.from(scores).sort()[scores.length - size]) as number
  const cand: Array<{ v: number, s: number }> = []
  for (let i = 0; i < ids.length; i++) if ((scores[i] as number) >= floor) cand.push({ v: ids[i] as number, s: scores[i] as number })
  cand.sort((a, b) => b.s - a.s || (g.key(a.v) < g.key(b.v) ? -1 : 1))
  const pool = cand.slice(0, size)

  // diversity: each further work of an author already picked counts `authorPenalty` times less
  const picked: RankedItem[] = []
  const perAuthor = new Map<number, number>()
  const authorOf = (v: number): number => {
    for (let i = csr.social[v] as number; i < (csr.walked[v] as number); i++) if (csr.type[i] === E_AUTHOR) return csr.to[i] as number
    return -1
  }
  const authors = pool.map(c => authorOf(c.v))
  const taken = new Uint8Array(pool.length)
  while (picked.length < opt.limit && picked.length < pool.length) {
    let best = -1; let bestS = -1
    for (let i = 0; i < pool.length; i++) {
      if (taken[i] === 1) continue
      const s = (pool[i] as { s: number }).s * Math.pow(opt.authorPenalty, perAuthor.get(authors[i] as number) ?? 0)
      if (s > bestS) { best = i; bestS = s }
    }
    if (best === -1) break
    taken[best] = 1
    const v = (pool[best] as { v: number }).v
    perAuthor.set(authors[best] as number, (perAuthor.get(authors[best] as number) ?? 0) + 1)
    picked.push({ key: g.key(v), score: Math.round(bestS * 1e6) / 1e6, reasons: explain(g, csr, self, v, { own, endorsed, trust: trust.p }) })
  }
  return picked
}
