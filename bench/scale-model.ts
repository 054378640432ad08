/**
 * A model of scale (docs/scale-model.md): what a collective of 50, 1,000 and 10,000 members costs with the mesh
 * degree in use (src/net/gossip/constants.ts MESH) and the sync parameters of protocols/sync.md.
 * - gossip: hops and delivery time over a random mesh of degree D, links of 50–200 ms and 1 % loss (the lab's
 *   lossy scenario), counting the members the mesh misses (left to IHAVE gossip and sync);
 * - sync: the real reconciler (`simulate`, src/net/sync/reconcile.ts) between two sets of n records that differ by
 *   d, its control bytes and rounds;
 * - replication: the time to rank the members for one work (holders.ts) against the replication round.
 * Run: node bench/scale-model.ts [--latency lo-hi] [--loss p] [members…] (defaults 50-200 ms, 0.01, 50 1000 10000);
 * `--latency 0.7-0.7 --loss 0 10` models bench/gossip.ts (loopback: a hop costs one validation, ≈ 0.7 ms).
 * Seeded, so a run prints the same hop figures every time.
 */
import { createSyncItems } from '../src/net/sync/index.ts'
import { simulate } from '../src/net/sync/reconcile.ts'
import { MESH } from '../src/net/gossip/constants.ts'
import { holdersOf } from '../src/replication/holders.ts'
import { createHash } from 'node:crypto'
import defaults from '../config/default.json' with { type: 'json' }

const args = process.argv.slice(2)
const option = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : undefined }
const latencyArg = option('--latency')
const lossArg = option('--loss')
const sizes = args.map(Number).filter(n => n > 1)
const MEMBERS = sizes.length > 0 ? sizes : [50, 1_000, 10_000]
const LOSS = lossArg != null ? Number(lossArg) : 0.01
const LATENCY_MS = (latencyArg != null ? latencyArg.split('-').map(Number) : [50, 200]) as [number, number]
if (!(LOSS >= 0 && LOSS < 1) || LATENCY_MS.length !== 2 || !LATENCY_MS.every(x => x >= 0) || LATENCY_MS[0] > LATENCY_MS[1]) {
  console.error('usage: node bench/scale-model.ts [--latency lo-hi] [--loss p] [members…]')
  process.exit(2)
}

/** mulberry32: a small seeded generator, so the model is the same on every run */
function rng (seed: number): () => number {
  return () => {
    seed |= 0; seed = seed + 0x6D2B79F5 | 0
    let t = Math.imul(seed ^ seed >>> 15, 1 | seed)
    t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t
    return ((t ^ t >>> 14) >>> 0) / 4294967296
  }
}

/** A random mesh: each node grafts D peers at random (links are both ways, so degrees fall between D and Dhi mostly) */
function mesh (n: number, rand: () => number): number[][] {
  const adj: Array<Set<number>> = Array.from({ length: n }, () => new Set())
  for (let i = 0; i < n; i++) {
    let guard = 0
    while (adj[i].size < Math.min(MESH.D, n - 1) && guard++ < 100) {
      const j = Math.floor(rand() * n)
      if (j === i || adj[j].size >= MESH.Dhi) continue
      adj[i].add(j); adj[j].add(i)
    }
  }
  return adj.map(s => [...s])
}

const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]

/** One publish from node 0: hops (BFS) and arrival times (Dijkstra over lossy, delayed links) */
function publish (adj: number[][], rand: () => number): { hops: number[], times: number[], missed: number } {
  const n = adj.length
  const hops = new Array<number>(n).fill(-1); hops[0] = 0
  const queue = [0]
  for (let q = 0; q < queue.length; q++) for (const j of adj[queue[q]]) if (hops[j] < 0) { hops[j] = hops[queue[q]] + 1; queue.push(j) }
  const time = new Array<number>(n).fill(Infinity); time[0] = 0
  const done = new Uint8Array(n)
  // n is at most a few tens of thousands: a simple O(n²) pick of the next node is fast enough and obviously right
  for (let round = 0; round < n; round++) {
    let u = -1
    for (let i = 0; i < n; i++) if (done[i] === 0 && time[i] < Infinity && (u < 0 || time[i] < time[u])) u = i
    if (u < 0) break
    done[u] = 1
    for (const v of adj[u]) {
      if (rand() < LOSS) continue
      const t = time[u] + LATENCY_MS[0] + rand() * (LATENCY_MS[1] - LATENCY_MS[0])
      if (t < time[v]) time[v] = t
    }
  }
  const reached = time.filter(t => t < Infinity).sort((a, b) => a - b)
  return { hops: hops.filter(h => h >= 0).sort((a, b) => a - b), times: reached, missed: n - reached.length }
}

console.log(`## Gossip: one record published, mesh degree D=${MESH.D} (Dlo ${MESH.Dlo}, Dhi ${MESH.Dhi}), links ${LATENCY_MS[0]}–${LATENCY_MS[1]} ms, ${LOSS * 100} % loss\n`)
console.log('| members | hops p50 | hops p99 | hops max | ln(n)/ln(D−1) | arrival p50 | arrival p99 | missed by the mesh | copies received per member |')
console.log('|---|---|---|---|---|---|---|---|---|')
for (const n of MEMBERS) {
  const rand = rng(n)
  const adj = mesh(n, rand)
  const r = publish(adj, rand)
  const degree = adj.reduce((s, a) => s + a.length, 0) / n
  const ms = (t: number): string => t >= 10 ? `${Math.round(t)} ms` : `${t.toFixed(1)} ms`
  console.log(`| ${n.toLocaleString('en')} | ${pct(r.hops, 0.5)} | ${pct(r.hops, 0.99)} | ${r.hops[r.hops.length - 1]} | ${(Math.log(n) / Math.log(MESH.D - 1)).toFixed(1)} | ${ms(pct(r.times, 0.5))} | ${ms(pct(r.times, 0.99))} | ${r.missed} | ${(degree - 1).toFixed(1)} (mean degree ${degree.toFixed(1)}) |`)
}

console.log('\n## Sync: the real reconciler between two sets of n records differing by d (B=16, T=32)\n')
console.log('| n | d | rounds | control bytes | control bytes per differing record | limit: d × 32-byte ids ×2 | ratio |')
console.log('|---|---|---|---|---|---|---|')
for (const n of [10_000, 100_000]) {
  const rand = rng(7)
  const items = Array.from({ length: n }, (_, i) => ({ timestamp: 1_700_000_000_000 + i * 1000, id: Uint8Array.from({ length: 32 }, () => Math.floor(rand() * 256)) }))
  for (const d of [0, 1, 10, 100, 1_000]) {
    // b lacks d records spread evenly over time (the worst case for ranges: no two in one bucket)
    const step = d === 0 ? Infinity : Math.floor(n / d)
    const b = items.filter((_, i) => d === 0 || i % step !== 0 || i / step >= d)
    const ex = simulate(createSyncItems(items), createSyncItems(b))
    const per = d === 0 ? '—' : Math.round(ex.controlBytes / d).toLocaleString('en')
    // the floor of any exchange that names the missing ids both ways
    const limit = Math.max(1, d) * 64
    console.log(`| ${n.toLocaleString('en')} | ${d.toLocaleString('en')} | ${ex.rounds} | ${ex.controlBytes.toLocaleString('en')} | ${per} | ${limit.toLocaleString('en')} | ${(ex.controlBytes / limit).toFixed(1)}x |`)
  }
}

console.log('\n## Replication: ranking the members for one work (rendezvous, holders.ts)\n')
console.log('Limit: node:crypto sha256 over the same (work, did) inputs, measured in this run (the hashing floor of the rule).')
console.log(`A full ranking pass (at start and after a membership change) ranks every work; the other rounds, every ${defaults.replication.intervalMs / 1000} s by default, reuse each work's cached rank prefix.\n`)
console.log('| members | one work | floor (native sha256) | ratio | full pass over 10,000 works |')
console.log('|---|---|---|---|---|')
for (const n of MEMBERS) {
  const members = Array.from({ length: n }, (_, i) => `did:key:z6Mkmember${i}`)
  const works = Math.max(5, Math.floor(200_000 / n))
  holdersOf('bafkreiwarm', members, 3)
  let t = performance.now()
  for (let w = 0; w < works; w++) holdersOf(`bafkreiwork${w}`, members, 3)
  const per = (performance.now() - t) / works
  t = performance.now()
  for (let w = 0; w < works; w++) for (const did of members) createHash('sha256').update(`atelier/replication/1\u0000bafkreiwork${w}\u0000${did}`).digest()
  const floor = (performance.now() - t) / works
  console.log(`| ${n.toLocaleString('en')} | ${per.toFixed(2)} ms | ${floor.toFixed(2)} ms | ${(per / floor).toFixed(1)}x | ${(per * 10).toFixed(1)} s |`)
}
