/**
 * The fuzz suite's long run (issue 10): the drivers of test/fuzz/ against one real daemon, at sizes the test suite
 * cannot afford: 100,000 gossip messages, 10,000 sync frames (records in sessions, and malformed sessions), 10,000
 * HTTP requests (mutated records, and malformed requests). After each phase: the daemon is alive, /healthz answers,
 * the index gained only valid in-scope records; its RSS is sampled throughout.
 *
 *   npm run fuzz:long                  (node bench/fuzz.ts [--quick | --scale k] [--rounds N] [--write]; --write puts the section into
 *                                      docs/benchmarks.md; --scale multiplies every count (--quick: 0.05); --rounds: repeats of gossip and
 *                                      sync load after the phases, to see RSS level off, default 3)
 *   ATELIER_FUZZ_SEED=<n> replays a run.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fuzzGossipRecords, fuzzHttpRecords, fuzzSyncRecords } from '../test/fuzz/records.ts'
import { fuzzSyncFrames, honestCatchUp } from '../test/fuzz/frames.ts'
import { fuzzHttpRequests } from '../test/fuzz/requests.ts'
import { healthzMs, indexCids, ingestCounters, rssOf, settle, startTarget } from '../test/fuzz/target.ts'
import type { FuzzTarget } from '../test/fuzz/target.ts'
import { breakdownTable, formatBreakdown, memoryBreakdown } from './memory.ts'
import type { MemoryBreakdown } from './memory.ts'

export interface FuzzPhase { name: string, count: string, seconds: number, outcome: string, invalidStored: number, healthzMs: number, rssMiB: number, heapMiB: number }
export interface FuzzResult { seed: number, quick: boolean, scale: number, phases: FuzzPhase[], rssStartMiB: number, rssPeakMiB: number, rssEndMiB: number, crashed: boolean, failure?: string, rounds: FuzzRound[], memory: Array<{ at: string, b: MemoryBreakdown }>, load: { start: number[], end: number[] } }
/** One more round of gossip and sync records after the phases: whether RSS levels off or keeps growing */
export interface FuzzRound { rssMiB: number, heapMiB: number, heapTotalMiB: number }

/** The daemon's V8 heap in use (or its total size), MiB, from its /metrics (prom-client's default process metrics) */
async function heapUsedMiB (t: FuzzTarget, metric = 'atelier_nodejs_heap_size_used_bytes'): Promise<number> {
  const text = await (await fetch(`${t.d.url}/metrics`)).text()
  const m = new RegExp(`^${metric} (\\S+)`, 'm').exec(text)
  return m != null ? Number(m[1]) / 1024 / 1024 : NaN
}

export async function benchFuzz (options: { quick?: boolean, scale?: number, seed?: number, rounds?: number, log?: (line: string) => void } = {}): Promise<FuzzResult> {
  const quick = options.quick === true
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31)
  const log = options.log ?? (() => {})
  const k = quick ? 0.05 : options.scale ?? 1
  const loadStart = loadavg()
  const t: FuzzTarget = await startTarget()
  const phases: FuzzPhase[] = []
  const rounds: FuzzRound[] = []
  const rssStartMiB = rssOf(t.d).rss
  let held = await indexCids(t.d)
  let rssPeakMiB = rssStartMiB
  // where the memory is, by component: at the start, after each phase, and whenever RSS passes its peak by 8 MiB
  const memory: FuzzResult['memory'] = []
  let peakAt: { at: string, b: MemoryBreakdown } | undefined
  let breaking = false
  let stage = 'start'
  const breakdown = async (at: string): Promise<MemoryBreakdown | undefined> => {
    try { return await memoryBreakdown(t.d.pid ?? 0, t.d.url) } catch { return undefined }
  }
  const first = await breakdown('start')
  if (first != null) { memory.push({ at: 'start', b: first }); log(`memory at the start: ${formatBreakdown(first)}`) }
  const sampler = setInterval(() => {
    try { rssPeakMiB = Math.max(rssPeakMiB, rssOf(t.d).rss) } catch {}
    if (breaking || rssPeakMiB < (peakAt?.b.rss ?? rssStartMiB) + 8) return
    breaking = true
    void breakdown(stage).then(b => { if (b != null && b.rss > (peakAt?.b.rss ?? 0)) peakAt = { at: `peak so far, during ${stage}`, b } }).finally(() => { breaking = false })
  }, 500)
  let crashed = false
  let failure: string | undefined
  const phase = async (name: string, count: string, run: () => Promise<{ outcome: string, valid: Set<string> }>): Promise<void> => {
    log(`fuzz: ${name} (${count}) …`)
    stage = name
    const started = performance.now()
    const { outcome, valid } = await run()
    const seconds = (performance.now() - started) / 1000
    if (!t.d.running) crashed = true
    const now = await indexCids(t.d)
    const invalidStored = [...now].filter(c => !held.has(c) && !valid.has(c)).length
    held = now
    const heapMiB = await heapUsedMiB(t)
    const rssMiB = rssOf(t.d).rss
    phases.push({ name, count, seconds, outcome, invalidStored, healthzMs: await healthzMs(t.d), rssMiB, heapMiB })
    log(`  ${seconds.toFixed(1)} s: ${outcome}; invalid stored ${invalidStored}; RSS ${Math.round(rssMiB)} MiB, heap used ${Math.round(heapMiB)} MiB`)
    const b = await breakdown(name)
    if (b != null) { memory.push({ at: `after ${name}`, b }); log(`  memory: ${formatBreakdown(b)}`) }
  }
  try {
    const httpRecords = Math.round(5_000 * k)
    await phase('HTTP: mutated records, POST /v1/records', `${httpRecords.toLocaleString('en')} requests`, async () => {
      const r = await fuzzHttpRecords(t, httpRecords, seed)
      return { outcome: `statuses ${Object.entries(r.statuses).map(([s, n]) => `${s}: ${n.toLocaleString('en')}`).join(', ')}; ${r.valid.size} valid; ${r.retried} client retries`, valid: r.valid }
    })
    const httpRaw = Math.round(5_000 * k)
    await phase('HTTP: malformed requests, raw sockets', `${httpRaw.toLocaleString('en')} requests`, async () => {
      const r = await fuzzHttpRequests(t, httpRaw, seed + 4)
      return { outcome: `statuses ${Object.entries(r.statuses).map(([s, n]) => `${s}: ${n.toLocaleString('en')}`).join(', ')} (none: closed unanswered); 0 5xx`, valid: new Set() }
    })
    const gossip = Math.round(100_000 * k)
    await phase('gossip: mutated records from raw peers', `${gossip.toLocaleString('en')} messages`, async () => {
      const before = await ingestCounters(t.d, 'gossip')
      const r = await fuzzGossipRecords(t, gossip, seed + 1, 100)
      const after = await settle(async () => await ingestCounters(t.d, 'gossip'), 2_000, 60_000)
      return { outcome: `${r.peers.toLocaleString('en')} raw peers; ${r.valid.size.toLocaleString('en')} valid in scope; node ingested ${(after.ingested - before.ingested).toLocaleString('en')}, rejected ${(after.rejected - before.rejected).toLocaleString('en')} (the rest: repeats, or dropped from peers it had graylisted)`, valid: r.valid }
    })
    const syncRecords = Math.round(7_500 * k)
    await phase('sync: mutated records in sessions', `${syncRecords.toLocaleString('en')} RECORD frames`, async () => {
      const before = await ingestCounters(t.d, 'sync')
      const r = await fuzzSyncRecords(t, syncRecords, seed + 2)
      const after = await settle(async () => await ingestCounters(t.d, 'sync'), 1_000, 30_000)
      return { outcome: `${r.sessions} sessions (ended by the node: ${JSON.stringify(r.errors)}); ${r.valid.size} valid; node ingested ${after.ingested - before.ingested}, rejected ${after.rejected - before.rejected}`, valid: r.valid }
    })
    const sessions = Math.round(800 * k)
    await phase('sync: malformed sessions', `${sessions.toLocaleString('en')} sessions`, async () => {
      const r = await fuzzSyncFrames(t, sessions, seed + 3)
      const honest = await honestCatchUp(t)
      return { outcome: `${r.frames.toLocaleString('en')} chunks; outcomes ${Object.entries(r.outcomes).map(([o, n]) => `${o}: ${n}`).join(', ')}; then an honest catch-up took ${honest} records`, valid: new Set() }
    })
    // the same load again and again: a bounded node levels off (the phases above leave it at its high-water mark)
    for (let i = 0; i < (options.rounds ?? 0); i++) {
      stage = `repeat round ${i + 1}`
      await fuzzGossipRecords(t, Math.round(25_000 * k), seed + 10 + i, 100)
      await fuzzSyncRecords(t, Math.round(3_000 * k), seed + 20 + i)
      await new Promise(resolve => setTimeout(resolve, 3_000))
      rounds.push({ rssMiB: rssOf(t.d).rss, heapMiB: await heapUsedMiB(t), heapTotalMiB: await heapUsedMiB(t, 'atelier_nodejs_heap_size_total_bytes') })
      log(`  repeat round ${i + 1}: RSS ${Math.round(rounds[i].rssMiB)} MiB, heap used ${Math.round(rounds[i].heapMiB)} of ${Math.round(rounds[i].heapTotalMiB)} MiB`)
      const b = await breakdown(stage)
      if (b != null) { memory.push({ at: `after repeat round ${i + 1}`, b }); log(`  memory: ${formatBreakdown(b)}`) }
    }
  } catch (err: any) {
    // a property that failed (a 5xx, an invalid record accepted) is a finding: reported with its seed, not hidden
    failure = String(err?.message ?? err).slice(0, 2_000)
    log(`  FAILED: ${failure}`)
  }
  clearInterval(sampler)
  while (breaking) await new Promise(resolve => setTimeout(resolve, 50))
  if (peakAt != null) { memory.push(peakAt); log(`  memory at the highest RSS sampled (${peakAt.at}): ${formatBreakdown(peakAt.b)}`) }
  crashed ||= !t.d.running
  const rssEndMiB = t.d.running ? rssOf(t.d).rss : NaN
  if (t.d.running) rssPeakMiB = Math.max(rssPeakMiB, rssOf(t.d).peak)
  await t.d.destroy()
  return { seed, quick, scale: k, phases, rssStartMiB, rssPeakMiB, rssEndMiB, crashed, failure, rounds, memory, load: { start: loadStart, end: loadavg() } }
}

export function fuzzSection (r: FuzzResult): string {
  const rows = r.phases.map(p => `| ${p.name} | ${p.count} | ${p.seconds.toFixed(1)} s | ${p.invalidStored} | ${p.healthzMs.toFixed(1)} ms | ${Math.round(p.rssMiB)} / ${Math.round(p.heapMiB)} MiB | ${p.outcome} |`).join('\n')
  return `## Fuzz, long run (issue 10)

\`npm run fuzz:long\` (\`bench/fuzz.ts\`${r.quick ? ' --quick' : r.scale !== 1 ? ` --scale ${r.scale}` : ''}, seed ${r.seed}): the drivers of the fuzz suite (\`test/fuzz/\`) against
one real daemon process on loopback, in this order: records of every kind mutated member by member from the JSON
Schemas and posted over HTTP; malformed HTTP requests on raw sockets; the same kind of records published on the
collective's gossip topic by raw libp2p peers (100 messages each, replaced when the node hangs up on them); records
pushed in sync sessions written from protocols/sync.md (50 per session); malformed sync sessions (garbage, truncated,
oversize and non-minimal length prefixes, frames out of order), then an honest catch-up. "Invalid stored" counts
records the index gained that are not valid (and, from gossip and sync, not of the collective): it must be 0.
${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, shared with other work: load average ${r.load.start.map(x => x.toFixed(1)).join(' / ')} (1 / 5 / 15 min) at the start,
${r.load.end.map(x => x.toFixed(1)).join(' / ')} at the end.

| phase | size | time | invalid stored | /healthz after | RSS / heap used after | what the node did |
|---|---|---|---|---|---|---|
${rows}

${r.failure != null ? `**A property failed** (seed ${r.seed}): ${r.failure.split('\n')[0]}\n\n` : ''}Crashes: ${r.crashed ? '**the daemon exited**' : '0'}. Daemon RSS: ${Math.round(r.rssStartMiB)} MiB at the start, ${Math.round(r.rssPeakMiB)} MiB peak, ${Number.isFinite(r.rssEndMiB) ? `${Math.round(r.rssEndMiB)} MiB` : 'n/a'} at the end (the suite's bound: 512 MiB).
${r.rounds.length > 0 ? `\nThen ${r.rounds.length} more rounds of the same load (${Math.round(25_000 * r.scale).toLocaleString('en')} gossip messages and ${Math.round(3_000 * r.scale).toLocaleString('en')} sync RECORD frames each), RSS / heap used / heap total after each: ${r.rounds.map(x => `${Math.round(x.rssMiB)} / ${Math.round(x.heapMiB)} / ${Math.round(x.heapTotalMiB)} MiB`).join('; ')}. A node that leaked would grow by about the same amount each round.\n` : ''}
Where the daemon's memory was (MiB; from its /proc/<pid>/smaps and its /metrics: V8's figures for the main thread and
each validation worker, LevelDB's own estimate; "rest" is anonymous memory outside the V8 heaps: malloc arenas,
Buffers, LevelDB, thread stacks):

${breakdownTable(r.memory)}
`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seed = process.env.ATELIER_FUZZ_SEED != null ? Number(process.env.ATELIER_FUZZ_SEED) : undefined
  const roundsArg = process.argv.indexOf('--rounds')
  const rounds = roundsArg >= 0 ? Number(process.argv[roundsArg + 1]) : 3
  const scaleArg = process.argv.indexOf('--scale')
  const scale = scaleArg >= 0 ? Number(process.argv[scaleArg + 1]) : undefined
  const result = await benchFuzz({ quick: process.argv.includes('--quick'), scale, seed, rounds, log: line => { process.stderr.write(line + '\n') } })
  const section = fuzzSection(result)
  process.stdout.write(section)
  if (process.argv.includes('--write')) {
    const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'benchmarks.md')
    const doc = await readFile(path, 'utf8')
    const start = doc.indexOf('## Fuzz, long run')
    const next = start < 0 ? -1 : doc.indexOf('\n## ', start + 1)
    const updated = start < 0 ? `${doc.trimEnd()}\n\n${section}` : `${doc.slice(0, start)}${section}${next < 0 ? '' : doc.slice(next)}`
    await writeFile(path, updated)
  }
  // a phase that failed can leave a raw peer or a socket open that would keep this process alive: the run is over
  process.exit(result.crashed || result.failure != null || result.phases.some(p => p.invalidStored > 0) ? 1 : 0)
}
