/**
 * Discovery (issue 13): ranking latency at 100,000 works and ~1,000,000 edges, ingest rate and bytes per edge, each
 * beside a limit measured in the same run (plain typed-array passes over the same edges), and leave-one-out on
 * endorsements against three baselines (popularity, global PageRank, follows-of-follows) on planted communities.
 * Latency is printed as wall time and as the main thread's CPU time: on a shared machine the wall time mostly
 * measures the other processes (the load average is printed with it).
 * Run: ./node_modules/.bin/node --expose-gc bench/discovery.ts [--communities 50] [--rankings 100] [--samples 2000]
 *   [--seeds 1,2,3] [--loo-only] [--opts '{"restart":0.5}'] (the last two for tuning, on other seeds than reported)
 */
import { availableParallelism, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { planted } from '../src/discovery/planted.ts'
import { rank } from '../src/discovery/rank.ts'
import type { RankOptions } from '../src/discovery/rank.ts'
import { DiscoveryGraph, NODE_WORK } from '../src/discovery/graph.ts'
import { report } from './discovery-loo.ts'
import type { Shape } from './discovery-loo.ts'

const { values: args } = parseArgs({
  options: {
    communities: { type: 'string', default: '50' },
    rankings: { type: 'string', default: '100' },
    samples: { type: 'string', default: '2000' },
    /** generator seeds of the leave-one-out graphs (tune on others than the ones reported) */
    seeds: { type: 'string', default: '1,2,3' },
    /** rank options for the leave-one-out, as JSON (tuning) */
    opts: { type: 'string', default: '{}' },
    /** which leave-one-out graph shapes (indices) */
    shapes: { type: 'string', default: '0,1,2' },
    'loo-only': { type: 'boolean', default: false }
  }
})
const NOW = Date.UTC(2026, 11, 1)
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number }
const gc = (): void => { (globalThis as { gc?: () => void }).gc?.() }
const cpu = (): number => { const u = process.threadCpuUsage(); return (u.user + u.system) / 1000 }
const f = (x: number, d = 1): string => x.toFixed(d)

if (!args['loo-only']) scale()

function scale (): void {
  // ---- scale: 100,000 works (50 communities of 400 creators with 5 works each), ~1.2 million edges
  const communities = Number(args.communities)
  const big = planted({ communities, creatorsPer: 400, worksPer: 5, follows: 12, endorsements: 18, cross: 0.05, seed: 1, now: NOW })
  const g = big.graph
  const edges = g.edgeTotal
  const works = [...Array(g.nodeCount).keys()].filter(v => g.nodeType[v] === NODE_WORK).length

  // ingest: the same nodes and edges into a fresh graph, two edges per record key as records add them (dedup, keys)
  const { src, dst, type } = g.edgeArrays()
  gc()
  const mem = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
  const before = mem()
  let t = performance.now()
  const fresh = new DiscoveryGraph()
  for (let v = 0; v < g.nodeCount; v++) fresh.node(g.key(v), g.nodeType[v] as 0 | 1 | 2)
  for (let e = 0; e < edges; e++) fresh.addEdge(src[e] as number, dst[e] as number, type[e] as number, undefined, `r${e >> 1}`)
  const ingestMs = performance.now() - t
  t = performance.now()
  fresh.adjacency()
  const csrMs = performance.now() - t
  gc()
  const grown = mem() - before
  // limit: the same edges copied into preallocated typed arrays
  t = performance.now()
  const s2 = new Uint32Array(edges); const d2 = new Uint32Array(edges); const t2 = new Uint8Array(edges)
  for (let e = 0; e < edges; e++) { s2[e] = src[e] as number; d2[e] = dst[e] as number; t2[e] = type[e] as number }
  const plainIngestMs = performance.now() - t

  // ranking, and its limit: one plain pass over every edge of the adjacency (read target and weight)
  const csr = g.adjacency()
  // the thread's CPU clock ticks coarsely (a few ms), so CPU time is taken over each whole batch and divided
  const passWall: number[] = []
  let sink = 0
  let c0 = cpu()
  for (let i = 0; i < 30; i++) {
    t = performance.now()
    for (let e = 0; e < csr.to.length; e++) sink += (csr.weight[e] as number) * ((csr.to[e] as number) & 1)
    passWall.push(performance.now() - t)
  }
  const passCpu = (cpu() - c0) / 30
  const wall: number[] = []
  const selves = big.creators.flatMap(c => c.slice(0, 4))
  const rankings = Number(args.rankings)
  c0 = cpu()
  for (let i = 0; i < rankings; i++) {
    t = performance.now()
    rank(g, selves[(i * 37) % selves.length] as string, { limit: 20, now: NOW, seed: i + 1 })
    wall.push(performance.now() - t)
  }
  const rankCpu = (cpu() - c0) / rankings
  const load = loadavg()[0] as number
  const pw = pct(passWall, 0.5); const pc = Math.max(passCpu, 0.001)
  console.log(`graph: ${g.nodeCount.toLocaleString()} nodes, ${works.toLocaleString()} works, ${edges.toLocaleString()} edges; load average ${f(load)} on ${availableParallelism()} cores`)
  console.log(`ranking (${wall.length}): wall p50 ${f(pct(wall, 0.5))} ms, p99 ${f(pct(wall, 0.99))} ms (target p99 ≤ 50 ms); main-thread CPU ${f(rankCpu)} ms a ranking (mean over the batch)`)
  console.log(`  limit: one plain pass over all ${csr.to.length.toLocaleString()} edges, wall p50 ${f(pw, 2)} ms, CPU ${f(pc, 2)} ms; ranking / pass: wall p99 ${f(pct(wall, 0.99) / pw)}x, wall p50 ${f(pct(wall, 0.5) / pw)}x, CPU ${f(rankCpu / pc)}x`)
  console.log(`  adjacency rebuild after a change (paid by the next ranking): ${f(csrMs)} ms = ${f(csrMs / pw)}x the plain pass`)
  console.log(`ingest: ${Math.round(edges / ingestMs * 1000).toLocaleString()} edges/s; limit: plain typed-array copy ${Math.round(edges / plainIngestMs * 1000).toLocaleString()} edges/s; ratio ${f(plainIngestMs / ingestMs, 3)}x`)
  console.log(`bytes per edge: typed arrays ${f(fresh.typedBytes / edges)}, heap growth ${f(grown / edges)} (with the dedup map, record keys and node keys); limit: 9 bytes (src + dst + type); ratio ${f(grown / edges / 9)}x`)
  if (sink === -1) console.log('')
}

// ---- leave-one-out on endorsements (bench/discovery-loo.ts): per seed, then pooled with bootstrap intervals
const shapes: Shape[] = [
  { label: '10 communities × 60 creators, 5 % of edges cross', options: { communities: 10, creatorsPer: 60, worksPer: 4, follows: 8, endorsements: 10, cross: 0.05 } },
  { label: '20 communities × 50 creators, 15 % of edges cross', options: { communities: 20, creatorsPer: 50, worksPer: 4, follows: 8, endorsements: 10, cross: 0.15 } },
  // the same with taste inside communities (planted.ts): 5 groups of 10 creators, 70 % of in-community edges in the group
  { label: '20 communities × 50 creators, 15 % cross, 5 taste groups (70 %)', options: { communities: 20, creatorsPer: 50, worksPer: 4, follows: 8, endorsements: 10, cross: 0.15, tastes: 5, taste: 0.7 } }
]
const t0 = performance.now()
report(shapes.filter((_, i) => args.shapes.split(',').map(Number).includes(i)), args.seeds.split(',').map(Number), Number(args.samples), NOW, JSON.parse(args.opts) as Partial<RankOptions>)
console.log(`leave-one-out took ${f((performance.now() - t0) / 1000)} s; load average ${f(loadavg()[0] as number)}`)
