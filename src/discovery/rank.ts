/**
 * Ranking for one creator, from the local graph only (issue 13):
 * 1. circle of trust: personalised PageRank by forward push (Andersen–Chung–Lang) from the creator over follows and
 *    memberships, each node passing on at most `cap` of mass in all, so a region of fake identities reached by a few
 *    edges gets at most a few caps' worth, however many identities it holds;
 * 2. endorsements weighted by the endorser's trust (split over what it endorses, as PageRank splits a vote);
 * 3. Pixie-style walks with restart from the creator's own and endorsed works over authorship, endorsements, lineage
 *    and similarity, seeded (deterministic), with multi-hit boosting (sum over seeds of √visits, squared);
 * 4. a blend with recency, flagged works demoted, and a per-author diversity penalty while picking.
 * Reasons (reasons.ts) are read from the direct edges of each picked work, so every one names a real edge.
 */
import {
  DiscoveryGraph, E_AUTHOR, E_DERIVED_BY, E_DERIVES, E_ENDORSE, E_ENDORSED_BY, E_FOLLOW, E_MEMBER, E_SIMILAR,
  NODE_CREATOR, NODE_WORK
} from './graph.ts'
import type { Csr } from './graph.ts'
import { explain } from './reasons.ts'
import type { Reason } from './reasons.ts'

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
  epsilon: 1e-7,
  /** restart probability of a walk step */
  restart: 0.3,
  /** most seed works the walks start from (the newest first) */
  maxSeeds: 64,
  /** candidate pool the diversity pass picks from, as a multiple of the limit */
  pool: 5,
  /** score factor of each further work by an author already picked */
  authorPenalty: 0.7,
  /** score factor of a flagged work (possible unattributed derivative) */
  flaggedFactor: 0.25
})

/** Blend weights: trust-weighted endorsements, walk visits, authors' trust, recency */
const BLEND = { endorse: 0.45, walk: 0.3, author: 0.15, recency: 0.1 }

/** mulberry32: small seeded generator, so rankings are reproducible */
export function rng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const isSocial = (type: number): boolean => type === E_FOLLOW || type === E_MEMBER

/** Personalised PageRank from `self` over social edges by forward push, each other node passing on at most `cap` */
export function circleOfTrust (g: DiscoveryGraph, csr: Csr, self: number, alpha: number, cap: number, epsilon: number): Float64Array {
  const n = g.nodeCount
  const p = new Float64Array(n)
  const r = new Float64Array(n)
  const passed = new Float64Array(n)
  const outW = new Float64Array(n)
  const queued = new Uint8Array(n)
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
    const b = csr.start[u + 1] as number
    let total = outW[u] as number
    if (total === 0) {
      for (let i = a; i < b; i++) if (isSocial(csr.type[i] as number)) total += csr.weight[i] as number
      outW[u] = total === 0 ? -1 : total
    }
    if (total <= 0) { p[u] = (p[u] as number) + share; continue } // a dead end keeps what it would pass
    for (let i = a; i < b; i++) {
      if (!isSocial(csr.type[i] as number)) continue
      const v = csr.to[i] as number
      r[v] = (r[v] as number) + share * (csr.weight[i] as number) / total
      const degree = (csr.start[v + 1] as number) - (csr.start[v] as number)
      if (queued[v] === 0 && (r[v] as number) > epsilon * Math.max(1, degree)) { queued[v] = 1; queue.push(v) }
    }
    if (head > 1 << 20) { queue.splice(0, head); head = 0 } // keep the queue array bounded
  }
  return p
}

/** Own works and endorsed works of `self`, newest first, at most `max` */
export function seedsOf (g: DiscoveryGraph, csr: Csr, self: number, max: number): { own: Set<number>, endorsed: Set<number>, seeds: number[] } {
  const own = new Set<number>()
  const endorsed = new Set<number>()
  for (let i = csr.start[self] as number; i < (csr.start[self + 1] as number); i++) {
    const t = csr.type[i] as number
    const v = csr.to[i] as number
    if (t === E_AUTHOR && g.nodeType[v] === NODE_WORK) own.add(v)
    else if (t === E_ENDORSE) endorsed.add(v)
  }
  const seeds = [...new Set([...own, ...endorsed])].sort((a, b) => (g.time[b] as number) - (g.time[a] as number) || a - b).slice(0, max)
  return { own, endorsed, seeds }
}

const WALK_TYPES = new Set([E_AUTHOR, E_ENDORSE, E_ENDORSED_BY, E_DERIVES, E_DERIVED_BY, E_SIMILAR])

/** Pixie: per seed, walks with restart; a work's score is (Σ_seeds √visits)², so works reached from many seeds win */
export function walkScores (g: DiscoveryGraph, csr: Csr, seeds: number[], steps: number, restart: number, random: () => number): Float64Array {
  const out = new Float64Array(g.nodeCount)
  if (seeds.length === 0) return out
  const per = Math.max(1, Math.floor(steps / seeds.length))
  const visits = new Map<number, number>()
  for (const seed of seeds) {
    visits.clear()
    let at = seed
    for (let s = 0; s < per; s++) {
      const a = csr.start[at] as number
      const b = csr.start[at + 1] as number
      let total = 0
      for (let i = a; i < b; i++) if (WALK_TYPES.has(csr.type[i] as number)) total += csr.weight[i] as number
      if (total === 0 || random() < restart) { at = seed; continue }
      let pick = random() * total
      let next = at
      for (let i = a; i < b; i++) {
        if (!WALK_TYPES.has(csr.type[i] as number)) continue
        pick -= csr.weight[i] as number
        next = csr.to[i] as number
        if (pick <= 0) break
      }
      at = next
      if (g.nodeType[at] === NODE_WORK && at !== seed) visits.set(at, (visits.get(at) ?? 0) + 1)
    }
    for (const [w, c] of visits) out[w] = (out[w] as number) + Math.sqrt(c)
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * (out[i] as number)
  return out
}

/** Rank works for the creator `selfKey`; an unknown creator gets nothing */
export function rank (g: DiscoveryGraph, selfKey: string, o: RankOptions): RankedItem[] {
  const self = g.id(selfKey)
  if (self === undefined || g.nodeType[self] !== NODE_CREATOR) return []
  const opt = { ...RANK_DEFAULTS, ...o }
  const csr = g.adjacency()
  const n = g.nodeCount
  const trust = circleOfTrust(g, csr, self, opt.alpha, opt.cap, opt.epsilon)
  const { own, endorsed, seeds } = seedsOf(g, csr, self, opt.maxSeeds)
  const walks = walkScores(g, csr, seeds, opt.walkSteps, opt.restart, rng(opt.seed))

  // endorsements and authorship, weighted by trust: every creator the circle reaches hands its trust to its works
  const endorse = new Float64Array(n)
  const authored = new Float64Array(n)
  for (let c = 0; c < n; c++) {
    const t = trust[c] as number
    if (t === 0 || c === self || g.nodeType[c] !== NODE_CREATOR) continue
    const a = csr.start[c] as number
    const b = csr.start[c + 1] as number
    let count = 0
    for (let i = a; i < b; i++) if (csr.type[i] === E_ENDORSE) count++
    for (let i = a; i < b; i++) {
      const v = csr.to[i] as number
      if (csr.type[i] === E_ENDORSE) endorse[v] = (endorse[v] as number) + t / count
      else if (csr.type[i] === E_AUTHOR && g.nodeType[v] === NODE_WORK) authored[v] = (authored[v] as number) + t
    }
  }
  let maxE = 0; let maxW = 0; let maxA = 0
  for (let v = 0; v < n; v++) {
    if ((endorse[v] as number) > maxE) maxE = endorse[v] as number
    if ((walks[v] as number) > maxW) maxW = walks[v] as number
    if ((authored[v] as number) > maxA) maxA = authored[v] as number
  }
  const media = opt.kind == null ? -1 : g.mediaClasses.indexOf(opt.kind)
  if (opt.kind != null && media === -1) return []
  let coll = 0
  if (opt.collective != null) {
    const c = g.id(opt.collective)
    if (c === undefined) return []
    coll = c + 1
  }

  const cand: Array<{ v: number, s: number }> = []
  for (let v = 0; v < n; v++) {
    if (g.nodeType[v] !== NODE_WORK || own.has(v) || endorsed.has(v)) continue
    const e = maxE > 0 ? (endorse[v] as number) / maxE : 0
    const w = maxW > 0 ? (walks[v] as number) / maxW : 0
    const au = maxA > 0 ? (authored[v] as number) / maxA : 0
    if (e === 0 && w === 0 && au === 0) continue // nothing ties it to the creator: recency alone does not list it
    if (media !== -1 && g.media[v] !== media) continue
    if (coll !== 0 && g.collectiveOf[v] !== coll) continue
    const age = Math.max(0, opt.now - (g.time[v] as number))
    let s = BLEND.endorse * e + BLEND.walk * w + BLEND.author * au + BLEND.recency * Math.pow(0.5, age / opt.halfLifeMs)
    if (((g.flags[v] as number) & 1) !== 0) s *= opt.flaggedFactor
    cand.push({ v, s })
  }
  cand.sort((a, b) => b.s - a.s || (g.key(a.v) < g.key(b.v) ? -1 : 1))
  const pool = cand.slice(0, opt.limit * opt.pool)

  // diversity: each further work of an author already picked counts `authorPenalty` times less
  const picked: RankedItem[] = []
  const perAuthor = new Map<number, number>()
  const authorOf = (v: number): number => {
    for (let i = csr.start[v] as number; i < (csr.start[v + 1] as number); i++) if (csr.type[i] === E_AUTHOR) return csr.to[i] as number
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
    picked.push({ key: g.key(v), score: Math.round(bestS * 1e6) / 1e6, reasons: explain(g, csr, self, v, { own, endorsed, trust }) })
  }
  return picked
}

