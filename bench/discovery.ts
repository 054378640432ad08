/**
 * Discovery (issue 13): ranking latency at 100,000 works and ~1,000,000 edges, ingest rate and bytes per edge, each
 * beside a limit measured in the same run (a plain typed-array pass over the same edges), and leave-one-out on
 * endorsements against three baselines (popularity, global PageRank, follows-of-follows).
 * Run: ./node_modules/.bin/node --expose-gc bench/discovery.ts
 */
import { performance } from 'node:perf_hooks'
import { planted } from '../src/discovery/planted.ts'
import { rank, circleOfTrust } from '../src/discovery/rank.ts'
import { DiscoveryGraph, E_ENDORSE, E_ENDORSED_BY, E_FOLLOW, E_AUTHOR, NODE_CREATOR, NODE_WORK } from '../src/discovery/graph.ts'

const NOW = Date.UTC(2026, 11, 1)
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number }
const gc = (): void => { (globalThis as any).gc?.() }

// ---- scale: 100,000 works, ~1,000,000 edges
gc()
const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
let t = performance.now()
const big = planted({ communities: 50, creatorsPer: 400, worksPer: 5, follows: 12, endorsements: 18, cross: 0.05, seed: 1, now: NOW })
const ingestMs = performance.now() - t
gc()
const heap1 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
const g = big.graph
const edges = g.edgeTotal
t = performance.now()
const csr = g.adjacency()
const csrMs = performance.now() - t
// limit for ingest: writing the same number of edges into preallocated typed arrays
const { src, dst, type } = g.edgeArrays()
t = performance.now()
const s2 = new Uint32Array(edges); const d2 = new Uint32Array(edges); const t2 = new Uint8Array(edges)
for (let e = 0; e < edges; e++) { s2[e] = src[e] as number; d2[e] = dst[e] as number; t2[e] = type[e] as number }
const plainIngestMs = performance.now() - t
// limit for a ranking: one plain pass over every edge of the adjacency (read target and weight)
const passes: number[] = []
let sink = 0
for (let i = 0; i < 20; i++) {
  t = performance.now()
  for (let e = 0; e < csr.to.length; e++) sink += (csr.weight[e] as number) * ((csr.to[e] as number) & 1)
  passes.push(performance.now() - t)
}
const times: number[] = []
const selves = big.creators.map(c => c[0] as string)
for (let i = 0; i < 100; i++) {
  t = performance.now()
  rank(g, selves[i % selves.length] as string, { limit: 20, now: NOW, seed: i + 1 })
  times.push(performance.now() - t)
}
const works = [...Array(g.nodeCount).keys()].filter(v => g.nodeType[v] === NODE_WORK).length
const p99 = pct(times, 0.99); const p50 = pct(times, 0.5); const pass = pct(passes, 0.5)
console.log(`graph: ${g.nodeCount.toLocaleString()} nodes, ${works.toLocaleString()} works, ${edges.toLocaleString()} edges (each edge type stored with its reverse where walked both ways)`)
console.log(`ranking: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (target ≤ 50 ms); limit: one plain pass over the edges ${pass.toFixed(2)} ms; p99/limit ${(p99 / pass).toFixed(1)}x`)
console.log(`ingest: ${(edges / ingestMs * 1000).toFixed(0)} edges/s building the graph (with generation); limit: plain typed-array copy ${(edges / plainIngestMs * 1000).toFixed(0)} edges/s; ratio ${(plainIngestMs / ingestMs).toFixed(3)}x; adjacency rebuild ${csrMs.toFixed(1)} ms`)
console.log(`bytes per edge: typed arrays ${(g.typedBytes / edges).toFixed(1)}, whole heap growth ${((heap1 - heap0) / edges).toFixed(1)} (incl. the dedup map and node keys); limit: 9 bytes (src+dst+type, no weight); ratio ${((heap1 - heap0) / edges / 9).toFixed(1)}x`)
void sink

// ---- leave-one-out on endorsements
const small = planted({ communities: 10, creatorsPer: 60, worksPer: 4, follows: 8, endorsements: 10, cross: 0.05, seed: 5, now: NOW })
const sg = small.graph
const SAMPLES = 300
const K = 10
type Ranker = (self: string) => string[]

function excludedOf (gr: DiscoveryGraph, self: number): Set<number> {
  const c = gr.adjacency(); const out = new Set<number>()
  for (let i = c.start[self] as number; i < (c.start[self + 1] as number); i++) if (c.type[i] === E_AUTHOR || c.type[i] === E_ENDORSE) out.add(c.to[i] as number)
  return out
}
function topBy (gr: DiscoveryGraph, self: string, score: Float64Array): string[] {
  const ex = excludedOf(gr, gr.id(self) as number)
  const cand: number[] = []
  for (let v = 0; v < gr.nodeCount; v++) if (gr.nodeType[v] === NODE_WORK && !ex.has(v) && (score[v] as number) > 0) cand.push(v)
  cand.sort((a, b) => (score[b] as number) - (score[a] as number) || a - b)
  return cand.slice(0, K).map(v => gr.key(v))
}
const popularity: Ranker = (self) => {
  const c = sg.adjacency(); const s = new Float64Array(sg.nodeCount)
  for (let v = 0; v < sg.nodeCount; v++) if (sg.nodeType[v] === NODE_WORK) for (let i = c.start[v] as number; i < (c.start[v + 1] as number); i++) if (c.type[i] === E_ENDORSED_BY) s[v] = (s[v] as number) + 1
  return topBy(sg, self, s)
}
const globalPageRank: Ranker = (self) => {
  const c = sg.adjacency(); const s = new Float64Array(sg.nodeCount); const trust = new Float64Array(sg.nodeCount)
  // global PageRank of creators over follows: the sum of personalised ones from every creator (uniform teleport)
  for (let u = 0; u < sg.nodeCount; u += 1) if (sg.nodeType[u] === NODE_CREATOR) { const p = circleOfTrust(sg, c, u, 0.15, 1, 1e-5); for (let i = 0; i < p.length; i++) trust[i] = (trust[i] as number) + (p[i] as number) }
  for (let v = 0; v < sg.nodeCount; v++) if (sg.nodeType[v] === NODE_WORK) for (let i = c.start[v] as number; i < (c.start[v + 1] as number); i++) if (c.type[i] === E_ENDORSED_BY) s[v] = (s[v] as number) + (trust[c.to[i] as number] as number)
  return topBy(sg, self, s)
}
const followsOfFollows: Ranker = (self) => {
  const c = sg.adjacency(); const s = new Float64Array(sg.nodeCount); const u = sg.id(self) as number
  const ring = new Set<number>()
  for (let i = c.start[u] as number; i < (c.start[u + 1] as number); i++) if (c.type[i] === E_FOLLOW) { const f = c.to[i] as number; ring.add(f); for (let j = c.start[f] as number; j < (c.start[f + 1] as number); j++) if (c.type[j] === E_FOLLOW) ring.add(c.to[j] as number) }
  ring.delete(u)
  for (const f of ring) for (let i = c.start[f] as number; i < (c.start[f + 1] as number); i++) if (c.type[i] === E_ENDORSE) s[c.to[i] as number] = (s[c.to[i] as number] as number) + 1
  return topBy(sg, self, s)
}
const ours: Ranker = (self) => rank(sg, self, { limit: K, now: NOW }).map(i => i.key)

const rankers: Array<[string, Ranker]> = [['discovery', ours], ['popularity', popularity], ['global PageRank', globalPageRank], ['follows-of-follows', followsOfFollows]]
const totals = new Map(rankers.map(([n]) => [n, { hit: 0, ndcg: 0 }]))
// held-out endorsements: every 7th, so the sample is spread and reproducible
const held = small.endorsements.filter((_, i) => i % 7 === 0).slice(0, SAMPLES)
let gprCache: Map<string, string[]> | undefined
for (const [creator, work, key] of held) {
  sg.removeRecord(key)
  for (const [name, r] of rankers) {
    if (name === 'global PageRank' && gprCache == null) gprCache = new Map()
    const top = r(creator)
    const at = top.indexOf(work)
    const tt = totals.get(name) as { hit: number, ndcg: number }
    if (at !== -1) { tt.hit++; tt.ndcg += 1 / Math.log2(at + 2) }
  }
  sg.link(sg.id(creator) as number, sg.id(work) as number, E_ENDORSE, E_ENDORSED_BY, key)
}
const ourT = totals.get('discovery') as { hit: number, ndcg: number }
console.log(`leave-one-out: ${held.length} held-out endorsements, ${small.graph.nodeCount} nodes, ${small.graph.edgeTotal} edges`)
for (const [name] of rankers) {
  const tt = totals.get(name) as { hit: number, ndcg: number }
  const hr = tt.hit / held.length; const nd = tt.ndcg / held.length
  const rel = name === 'discovery' ? '' : `; discovery is ${(((ourT.hit / Math.max(tt.hit, 1e-9)) - 1) * 100).toFixed(0)}% / ${(((ourT.ndcg / Math.max(tt.ndcg, 1e-9)) - 1) * 100).toFixed(0)}% better`
  console.log(`  ${name.padEnd(20)} hit@10 ${hr.toFixed(3)}  NDCG@10 ${nd.toFixed(3)}${rel}`)
}
