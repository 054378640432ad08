/**
 * Sync benchmark: two real libp2p nodes on 127.0.0.1 (TCP, Noise, Yamux) running `/atelier/sync/1.0.0` between
 * in-memory sources.
 *
 *   (a) a late joiner catches up N records from a peer that holds them all: records/s, and wire bytes over the
 *       records' own bytes;
 *   (b) two replicas of N records that differ by D (D/2 only on each side): bytes exchanged, round trips, and
 *       that as a share of a full transfer.
 *
 * Records are random bytes of realistic size (1,000–1,200 bytes, like a signed asset record) whose sha-256 is the
 * id, with the timestamp in their first 8 bytes. Ingest here is CHEAP (hash and keep): the real node validates
 * every record (~3,700 records/s on the reference machine, see docs/benchmarks.md), which would bound (a) at that
 * rate; this measures sync itself. Bytes are counted at the stream level (every frame with its length prefix, both
 * ways), not including Noise and Yamux framing.
 *
 *   node bench/sync.ts [records] [difference]     (defaults 100000 and 100)
 */
import { createHash, randomBytes } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { buildLibp2pOptions } from '../src/net/libp2p-config.ts'
import { sync } from '../src/net/sync/index.ts'
import { createSyncItems, idKey, recordIdOf } from '../src/net/sync/items.ts'
import type { IngestResult, SyncProtocol, SyncSource, SyncStats } from '../src/net/sync/index.ts'
import type { SyncItems } from '../src/net/sync/items.ts'
import type { Libp2p } from '@libp2p/interface'

const SCOPE = 'bagaaierabench'
const T0 = 1_735_689_600_000

export interface SyncBenchResult {
  records: number
  difference: number
  meanRecordBytes: number
  catchUp: {
    seconds: number
    recordsPerSecond: number
    /** records' own bytes */
    recordBytes: number
    /** frames both ways */
    wireBytes: number
    /** wireBytes / recordBytes */
    overhead: number
    rounds: number
  }
  diff: {
    seconds: number
    wireBytes: number
    /** wire bytes of the reconciliation alone (without the records exchanged) */
    reconcileBytes: number
    recordsExchanged: number
    rounds: number
    /** wireBytes as a share of the records' own bytes (a full transfer) */
    shareOfFullTransfer: number
  }
}

/** A source holding records in memory; ingest only hashes and keeps (see the header) */
class BenchSource implements SyncSource {
  readonly records = new Map<string, { timestamp: number, bytes: Uint8Array }>()
  private cache: SyncItems | undefined

  add (bytes: Uint8Array): void {
    const id = createHash('sha256').update(bytes).digest()
    this.records.set(idKey(id), { timestamp: readTimestamp(bytes), bytes })
    this.cache = undefined
  }

  scopes (): string[] {
    return [SCOPE]
  }

  async items (): Promise<SyncItems> {
    this.cache ??= createSyncItems([...this.records].map(([key, r]) => ({ timestamp: r.timestamp, id: Buffer.from(key, 'hex') })))
    return this.cache
  }

  async * getRecords (cids: string[]): AsyncIterable<Uint8Array> {
    for (const cid of cids) {
      const r = this.records.get(idKey(recordIdOf(cid)))
      if (r != null) yield r.bytes
    }
  }

  timestampOf (bytes: Uint8Array): number | undefined {
    return bytes.length >= 8 ? readTimestamp(bytes) : undefined
  }

  async ingest (bytes: Uint8Array): Promise<IngestResult> {
    const key = idKey(createHash('sha256').update(bytes).digest())
    if (this.records.has(key)) return 'duplicate'
    this.add(bytes.slice())
    return 'added'
  }
}

function readTimestamp (bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0))
}

/** A record-sized random blob, its timestamp in the first 8 bytes (records arrive over ~3 years) */
function makeRecord (): Uint8Array {
  const size = 1000 + Math.floor(Math.random() * 201)
  const bytes = new Uint8Array(size)
  bytes.set(randomBytes(size - 8), 8)
  new DataView(bytes.buffer).setBigUint64(0, BigInt(T0 + Math.floor(Math.random() * 100_000_000_000)))
  return bytes
}

async function node (source: SyncSource): Promise<Libp2p<{ sync: SyncProtocol }>> {
  const base = buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  return await createLibp2p({ ...base, services: { identify: base.services!.identify!, sync: sync(source, { timeout: 1_800_000 }) } })
}

async function timedSync (from: Libp2p<{ sync: SyncProtocol }>, to: Libp2p<{ sync: SyncProtocol }>): Promise<{ stats: SyncStats, seconds: number }> {
  await from.dial(to.getMultiaddrs())
  const start = performance.now()
  const stats = await from.services.sync.syncWith(to.peerId, SCOPE, { signal: AbortSignal.timeout(1_800_000) })
  return { stats, seconds: (performance.now() - start) / 1000 }
}

/** Run both measurements */
export async function benchSync (options: { records?: number, difference?: number } = {}): Promise<SyncBenchResult> {
  const count = options.records ?? 100_000
  const difference = options.difference ?? 100
  const records = Array.from({ length: count }, makeRecord)
  const recordBytes = records.reduce((n, r) => n + r.length, 0)

  // (a) late joiner
  const full = new BenchSource()
  for (const r of records) full.add(r)
  const empty = new BenchSource()
  const [a, b] = await Promise.all([node(empty), node(full)])
  let catchUp: SyncBenchResult['catchUp']
  try {
    const { stats, seconds } = await timedSync(a, b)
    if (empty.records.size !== count) throw new Error(`late joiner holds ${empty.records.size} of ${count} records`)
    const wireBytes = stats.bytesSent + stats.bytesReceived
    catchUp = { seconds, recordsPerSecond: count / seconds, recordBytes, wireBytes, overhead: wireBytes / recordBytes, rounds: stats.rounds }
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }

  // (b) replicas differing by `difference`, half only on each side
  const left = new BenchSource()
  const right = new BenchSource()
  for (const r of records) {
    left.add(r)
    right.add(r)
  }
  const extra = Array.from({ length: difference }, makeRecord)
  extra.forEach((r, i) => { (i % 2 === 0 ? left : right).add(r) })
  const [c, d] = await Promise.all([node(left), node(right)])
  let diff: SyncBenchResult['diff']
  try {
    // build both item sets first: a node keeps its set between sessions, so this is not sync's cost
    await Promise.all([left.items(), right.items()])
    const { stats, seconds } = await timedSync(c, d)
    if (left.records.size !== count + difference || right.records.size !== count + difference) {
      throw new Error(`replicas hold ${left.records.size} and ${right.records.size} records, expected ${count + difference}`)
    }
    const wireBytes = stats.bytesSent + stats.bytesReceived
    const exchangedRecordBytes = extra.reduce((n, r) => n + r.length, 0)
    // each record travels as one RECORD frame: length prefix (2 bytes at this size) + type byte + bytes
    const reconcileBytes = wireBytes - exchangedRecordBytes - extra.length * 3
    diff = {
      seconds,
      wireBytes,
      reconcileBytes,
      recordsExchanged: stats.recordsSent + stats.recordsReceived,
      rounds: stats.rounds,
      shareOfFullTransfer: wireBytes / recordBytes
    }
  } finally {
    await Promise.all([c.stop(), d.stop()])
  }
  return { records: count, difference, meanRecordBytes: Math.round(recordBytes / count), catchUp, diff }
}

/** The results as a markdown table */
export function syncBenchTable (r: SyncBenchResult): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en')
  const mb = (x: number): string => `${(x / 1e6).toFixed(1)} MB`
  const kb = (x: number): string => `${(x / 1e3).toFixed(1)} kB`
  return `| measure | result | target |
|---|---|---|
| (a) late joiner: ${n(r.records)} records (${n(r.meanRecordBytes)} B mean) caught up | ${r.catchUp.seconds.toFixed(2)} s, ${n(r.catchUp.recordsPerSecond)} records/s | |
| (a) wire bytes / records' own bytes | ${r.catchUp.overhead.toFixed(4)} (${mb(r.catchUp.wireBytes)} / ${mb(r.catchUp.recordBytes)}), ${r.catchUp.rounds} round trip(s) | ≤ 1.15 |
| (b) replicas of ${n(r.records)} differing by ${n(r.difference)}: bytes exchanged | ${kb(r.diff.wireBytes)} (reconciliation ${kb(r.diff.reconcileBytes)}, ${r.diff.recordsExchanged} records) in ${r.diff.seconds.toFixed(2)} s | |
| (b) round trips | ${r.diff.rounds} | few |
| (b) share of a full transfer | ${(r.diff.shareOfFullTransfer * 100).toFixed(3)} % | < 2 % |`
}

if (import.meta.main) {
  const r = await benchSync({ records: Number(process.argv[2] ?? 100_000), difference: Number(process.argv[3] ?? 100) })
  console.log('Sync itself, with a cheap ingest (hash and keep); the real node validates each record (~3,700/s).\n')
  console.log(syncBenchTable(r))
}
