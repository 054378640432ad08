/**
 * Records ingested per second through the node's one door: validate (native Ed25519) → store block → index.
 * Records are signed beforehand by several authors, then ingested with many in flight, as gossip and sync deliver them.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { AtelierNode } from '../src/node/atelier-node.ts'
import { silentLogger } from '../src/node/logger.ts'
import { initHome, nativeCrypto } from '../src/identity/index.ts'
import { resolveConfig } from '../src/config.ts'
import { createSigner, issueRecord } from '../src/records/index.ts'
import type { ValidRecord } from '../src/records/types.ts'
import { INGEST_GROUP } from '../src/net/sync/constants.ts'
import { ValidationPool } from '../src/identity/validation-pool.ts'
import { mainThreadProfiler, threadCpu, threadCpuSince, withDaemonFlags } from './util.ts'
import type { ThreadCpu } from './util.ts'

export interface IngestResult {
  records: number
  seconds: number
  recordsPerSecond: number
  validateOnlyPerSecond: number
  /** the validation pool alone on the same records (with `poolCeiling`) */
  poolOnlyPerSecond?: number
  meanRecordBytes: number
  /** CPU per record during the ingest, µs, by kind of thread (Linux; zeros elsewhere) */
  cpuPerRecord: ThreadCpu
}

/** Generate `count` signed records (assets with parents, licenses, attestations) from a few authors */
export function generateRecords (count: number, authors = 8): ValidRecord[] {
  const signers = Array.from({ length: authors }, () => createSigner(new Uint8Array(randomBytes(32)), nativeCrypto))
  const out: ValidRecord[] = []
  const heads = new Map<string, string>()
  const assets: string[] = []
  const content = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
  for (let i = 0; i < count; i++) {
    const signer = signers[i % authors]
    const previous = heads.get(signer.did)
    let rec: ValidRecord
    if (i % 10 === 9 && assets.length > 0) {
      rec = issueRecord('attestation', { record: assets[i % assets.length], claim: 'endorsement' }, { signer, crypto: nativeCrypto, previous })
    } else {
      const parent = assets.length > 0 && i % 3 === 0 ? assets[(i * 7919) % assets.length] : undefined
      rec = issueRecord('asset', {
        id: `ipfs://${content}`,
        mediaType: 'image/png',
        byteSize: 1000 + i,
        title: `Work number ${i}`,
        creators: [{ id: signer.did, role: 'author', share: 10000 }],
        ...(parent != null ? { ingredients: [{ relationship: 'parentOf' as const, record: parent, kind: 'asset' as const }] } : {})
      }, { signer, crypto: nativeCrypto, previous })
      assets.push(rec.cid)
    }
    heads.set(signer.did, rec.cid)
    out.push(rec)
  }
  return out
}

/** Run the ingest benchmark */
export async function benchIngest (options: { records?: number, inFlight?: number, source?: 'import' | 'http', syncAcknowledged?: boolean, groups?: boolean, poolCeiling?: boolean } = {}): Promise<IngestResult> {
  const count = options.records ?? 30_000
  const inFlight = options.inFlight ?? 2048
  const home = await mkdtemp(join(tmpdir(), 'atelier-bench-ingest-'))
  try {
    await initHome(home)
    const config = resolveConfig(home, {
      http: { port: 0 },
      p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      ...(options.syncAcknowledged != null ? { ingest: { syncAcknowledged: options.syncAcknowledged } } : {})
    })
    const source = options.source ?? 'import'
    const node = new AtelierNode({ config, logger: silentLogger(), processMetrics: false })
    await node.start()
    const records = generateRecords(count)
    const payloads = records.map(r => r.bytes)
    const meanRecordBytes = Math.round(payloads.reduce((a, b) => a + b.byteLength, 0) / payloads.length)

    // validation alone, for comparison: warmed up first (schemas compiled, code optimized, as in the workers after
    // their first records), then 10,000 timed, so the limit does not swing with the first second's JIT work
    const { validateRecord } = await import('../src/records/index.ts')
    for (const p of payloads.slice(0, Math.min(1000, payloads.length))) validateRecord(p, { crypto: nativeCrypto })
    const sample = payloads.slice(0, Math.min(10_000, payloads.length))
    const vStart = performance.now()
    for (const p of sample) validateRecord(p, { crypto: nativeCrypto })
    const validateOnlyPerSecond = sample.length / ((performance.now() - vStart) / 1000)

    // the validation pool alone (its workers, its messaging; no store, no index, no admission), for the ceiling of
    // the door on this machine: what ingest would reach if storing and indexing cost nothing
    let poolOnlyPerSecond: number | undefined
    if (options.poolCeiling === true) {
      const pool = new ValidationPool({ maxRecordBytes: config.records.maxBytes, maxWaiting: payloads.length })
      pool.start()
      try {
        await pool.validateMany(sample.slice(0, 2000))
        const pStart = performance.now()
        for (let k = 0; k < payloads.length; k += 4 * INGEST_GROUP) {
          await Promise.all(Array.from({ length: 4 }, async (_, j) => await pool.validateMany(payloads.slice(k + j * INGEST_GROUP, k + (j + 1) * INGEST_GROUP))))
        }
        poolOnlyPerSecond = payloads.length / ((performance.now() - pStart) / 1000)
      } finally {
        await pool.stop()
      }
    }

    // INGEST_BENCH_PROFILE=<file>: a CPU profile of the main thread during the ingest only
    const profiler = await mainThreadProfiler(process.env.INGEST_BENCH_PROFILE)
    const cpuBefore = threadCpu()
    const start = performance.now()
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < payloads.length) {
        const p = payloads[next++]
        await node.records.ingest(p, { source })
      }
    }
    // groups: as a sync session hands records over (RecordService.ingestMany, INGEST_GROUP a group), as many
    // groups in flight as make `inFlight` records
    const groupWorker = async (): Promise<void> => {
      while (next < payloads.length) {
        const group = payloads.slice(next, next + INGEST_GROUP)
        next += group.length
        const outcomes = await node.records.ingestMany(group.map(bytes => ({ bytes })), { source: 'sync' })
        const failed = outcomes.find(o => o instanceof Error)
        if (failed != null) throw failed
      }
    }
    if (options.groups === true) await Promise.all(Array.from({ length: Math.max(1, Math.round(inFlight / INGEST_GROUP)) }, groupWorker))
    else await Promise.all(Array.from({ length: inFlight }, worker))
    const seconds = (performance.now() - start) / 1000
    const cpu = threadCpuSince(cpuBefore)
    await profiler?.stop()
    const indexed = await node.index.count()
    if (indexed !== count) throw new Error(`expected ${count} records indexed, found ${indexed}`)
    await node.stop()
    const cpuPerRecord: ThreadCpu = { main: cpu.main / count, workers: cpu.workers / count, v8: cpu.v8 / count, libuv: cpu.libuv / count, other: cpu.other / count }
    return { records: count, seconds, recordsPerSecond: count / seconds, validateOnlyPerSecond, ...(poolOnlyPerSecond != null ? { poolOnlyPerSecond } : {}), meanRecordBytes, cpuPerRecord }
  } finally {
    await rm(home, { recursive: true, force: true })
  }
}

if (import.meta.main) await withDaemonFlags()
if (import.meta.main && process.argv.includes('--durability')) {
  // what syncing acknowledged batches costs (docs/durability.md): records ingested as HTTP posts are (synced
  // batches, group-committed) and are not, same run, at two levels of concurrency
  const records = Number(process.argv.find(a => /^\d+$/.test(a)) ?? 10_000)
  console.log('| in flight | synced records/s | unsynced records/s | ratio |\n|---|---|---|---|')
  for (const inFlight of [1, 8, 32, 256]) {
    const n = inFlight === 1 ? Math.min(records, 1000) : records
    const synced = await benchIngest({ records: n, inFlight, source: 'http', syncAcknowledged: true })
    const unsynced = await benchIngest({ records: n, inFlight, source: 'http', syncAcknowledged: false })
    console.log(`| ${inFlight} | ${Math.round(synced.recordsPerSecond)} | ${Math.round(unsynced.recordsPerSecond)} | ${(synced.recordsPerSecond / unsynced.recordsPerSecond).toFixed(2)} |`)
  }
} else if (import.meta.main) {
  const r = await benchIngest({ records: Number(process.argv[2] ?? 30_000), groups: process.argv.includes('--groups'), poolCeiling: true })
  const c = r.cpuPerRecord
  const cpu = `${Math.round(c.main + c.workers + c.v8 + c.libuv + c.other)} = ${Math.round(c.main)} / ${Math.round(c.workers)} / ${Math.round(c.v8)} / ${Math.round(c.libuv)}`
  console.log(`| records | seconds | records/s | validate-only/s | ratio | pool alone/s | ratio | mean record bytes | CPU µs/record: all = main / workers / V8 / libuv |\n|---|---|---|---|---|---|---|---|---|\n| ${r.records} | ${r.seconds.toFixed(2)} | ${Math.round(r.recordsPerSecond)} | ${Math.round(r.validateOnlyPerSecond)} | ${(r.recordsPerSecond / r.validateOnlyPerSecond).toFixed(2)}× | ${Math.round(r.poolOnlyPerSecond ?? 0)} | ${((r.poolOnlyPerSecond ?? 0) / r.validateOnlyPerSecond).toFixed(2)}× | ${r.meanRecordBytes} | ${cpu} |`)
}
