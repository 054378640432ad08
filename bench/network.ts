/**
 * Network benchmarks with real Atelier nodes (in this process, on loopback):
 * (a) a late joiner catching up a collective's history through the whole node: sync + validation + storage + index;
 * (b) fetching an asset held by a peer over bitswap through the /ipfs gateway.
 *   node bench/network.ts [records] [MiB]
 *
 * Limits measured in the same run (issue 11 D3): the catch-up rate against the first node's own ingest of the same
 * records (it ingests them through the same door, timed, while it loads them: the target is ≥ 0.9× of it), the
 * bytes on the wire against the records' own bytes (≤ 1.05×), and both transfers against a raw libp2p stream
 * between the same two nodes (same TCP + Noise + Yamux connection, a benchmark protocol that only counts what it
 * reads): the bytes a connection can carry per second here, with nothing done to them.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { AtelierNode } from '../src/node/atelier-node.ts'
import type { SyncStats } from '../src/net/sync/index.ts'
import { silentLogger } from '../src/node/logger.ts'
import { initHome, nativeCrypto } from '../src/identity/index.ts'
import { resolveConfig } from '../src/config.ts'
import { issueRecord } from '../src/records/index.ts'

export interface NetworkBenchResult {
  catchUp: { records: number, seconds: number, recordsPerSecond: number, wireBytes: number, recordBytes: number, ratio: number }
  /** the first node's own ingest of the same records while loading them (ingest calls timed, signing not) */
  ownIngest: { records: number, seconds: number, recordsPerSecond: number }
  fetch: { MiB: number, seconds: number, MiBps: number }
  /** a raw libp2p stream between the same two nodes, MiB/s (median of 3 transfers of `MiB`) */
  rawStream: { MiB: number, MiBps: number }
}

/** A protocol of this benchmark only: the reader counts bytes and answers nothing */
const RAW_PROTOCOL = '/atelier-bench/raw/1.0.0'

/** MiB/s of `MiB` written on a raw libp2p stream from `from` to `to`, 64 KiB per write, until the reader has all */
async function rawStreamMiBps (from: AtelierNode, to: AtelierNode, MiB: number): Promise<number> {
  const total = MiB * 1024 * 1024
  let received = 0
  let done: (() => void) | undefined
  await to.store.libp2p.handle(RAW_PROTOCOL, (stream) => {
    stream.addEventListener('message', (evt) => {
      received += evt.data.byteLength
      if (received >= total) done?.()
    })
  }, { force: true })
  const chunk = randomBytes(64 * 1024)
  const rates: number[] = []
  try {
    for (let run = 0; run < 3; run++) {
      received = 0
      const all = new Promise<void>(resolve => { done = resolve })
      const stream = await from.store.libp2p.dialProtocol(to.store.libp2p.peerId, RAW_PROTOCOL)
      const t = performance.now()
      for (let sent = 0; sent < total; sent += chunk.byteLength) {
        if (!stream.send(chunk)) await new Promise<void>(resolve => { stream.addEventListener('drain', () => { resolve() }, { once: true }) })
      }
      await all
      rates.push(MiB / ((performance.now() - t) / 1000))
      await stream.close()
    }
  } finally {
    await to.store.libp2p.unhandle(RAW_PROTOCOL)
  }
  return rates.sort((a, b) => a - b)[1]
}

const MiB = 1024 * 1024
/** Records ingested per await while loading the first node */
const LOAD_BATCH = 2000

async function startNode (home: string): Promise<AtelierNode> {
  await initHome(home)
  // periodic sync far apart, so the catch-up measured is the join's own session
  const config = resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] }, sync: { intervalMs: 3_600_000 } })
  const node = new AtelierNode({ config, logger: silentLogger(), processMetrics: false })
  await node.start()
  return node
}

/** NET_BENCH_PROFILE=<file>: a CPU profile of this process during the catch-up only, for finding hot spots */
async function catchUpProfiler (): Promise<{ stop: () => Promise<void> } | undefined> {
  const file = process.env.NET_BENCH_PROFILE
  if (file == null) return undefined
  const { Session } = await import('node:inspector/promises')
  const { writeFile } = await import('node:fs/promises')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop')
      await writeFile(file, JSON.stringify(profile))
      session.disconnect()
    }
  }
}

/** Run both measurements */
export async function benchNetwork (options: { records?: number, fetchMiB?: number, log?: (line: string) => void } = {}): Promise<NetworkBenchResult> {
  const count = options.records ?? 100_000
  const fetchMiB = options.fetchMiB ?? 64
  const log = options.log ?? (() => {})
  const root = await mkdtemp(join(tmpdir(), 'atelier-bench-net-'))
  const a = await startNode(join(root, 'a'))
  const b = await startNode(join(root, 'b'))
  try {
    // (a) A holds a collective with `count` records by its own creator
    const { id } = await a.collectives.create({ name: 'Bench', admission: { policy: 'invite', quorum: 1 } })
    const signer = a.identity.signer
    let previous: string | undefined
    let recordBytes = 0
    let ingestMs = 0
    const content = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    for (let i = 0; i < count; i += LOAD_BATCH) {
      const batch = []
      for (let j = i; j < Math.min(count, i + LOAD_BATCH); j++) {
        const rec = issueRecord('asset', {
          id: `ipfs://${content}`, mediaType: 'image/png', byteSize: 1000 + j, title: `Plate ${j}`,
          creators: [{ id: signer.did, role: 'author', share: 10000 }]
        }, { signer, crypto: nativeCrypto, previous, collective: id })
        previous = rec.cid
        recordBytes += rec.bytes.byteLength
        batch.push(rec.bytes)
      }
      const t = performance.now()
      await Promise.all(batch.map(async bytes => await a.records.ingest(bytes, { source: 'import' })))
      ingestMs += performance.now() - t
      if ((i / LOAD_BATCH) % 10 === 0) log(`  loaded ${i + batch.length} records on the first node`)
    }
    const total = (await a.collectives.digest(id)).count
    const sessions: SyncStats[] = []
    b.syncSessions.on('session', (s) => { sessions.push(s) })
    const { invite } = await a.collectives.invite(id)
    const profiler = await catchUpProfiler()
    const started = performance.now()
    await b.collectives.join(invite)
    while ((await b.collectives.digest(id)).count < total) await new Promise(resolve => setTimeout(resolve, 100))
    const seconds = (performance.now() - started) / 1000
    await profiler?.stop()
    const wireBytes = sessions.reduce((n, s) => n + s.bytesReceived + s.bytesSent, 0)
    log(`  caught up ${total} records in ${seconds.toFixed(1)} s`)
    if (process.env.NET_BENCH_DEBUG != null) for (const s of sessions) log(`  session ${s.role} rounds ${s.rounds} sent ${s.bytesSent} got ${s.bytesReceived} recs rx ${s.recordsReceived} added ${s.recordsAdded} dup ${s.recordsDuplicate} unsolicited ${s.recordsUnsolicited} ${s.ms} ms`)

    // (b) a fresh asset on A, read on B through its gateway (bitswap underneath)
    async function * generate (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < fetchMiB; i++) yield randomBytes(MiB)
    }
    const added = await a.store.store.addContent(generate())
    const t = performance.now()
    const res = await fetch(`${b.gatewayUrl}/ipfs/${added.cid}`)
    let got = 0
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) got += chunk.byteLength
    const fetchSeconds = (performance.now() - t) / 1000
    if (got !== fetchMiB * MiB) throw new Error(`fetched ${got} bytes, expected ${fetchMiB * MiB}`)
    const rawMiB = Math.max(fetchMiB, Math.ceil(recordBytes / MiB))
    const rawStream = { MiB: rawMiB, MiBps: await rawStreamMiBps(a, b, rawMiB) }
    log(`  raw libp2p stream: ${rawStream.MiBps.toFixed(1)} MiB/s`)

    return {
      catchUp: { records: total, seconds, recordsPerSecond: total / seconds, wireBytes, recordBytes, ratio: wireBytes / recordBytes },
      ownIngest: { records: count, seconds: ingestMs / 1000, recordsPerSecond: count / (ingestMs / 1000) },
      fetch: { MiB: fetchMiB, seconds: fetchSeconds, MiBps: fetchMiB / fetchSeconds },
      rawStream
    }
  } finally {
    await b.stop()
    await a.stop()
    await rm(root, { recursive: true, force: true })
  }
}

/** Markdown rows of the result */
export function networkBenchTable (r: NetworkBenchResult): string {
  const c = r.catchUp
  const wireMiBps = c.wireBytes / MiB / c.seconds
  return [
    '| measure | result | limit, same run | ratio | target |',
    '|---|---|---|---|---|',
    `| late joiner catches up ${c.records.toLocaleString('en')} records (sync + validate + store + index) | ${Math.round(c.recordsPerSecond).toLocaleString('en')} records/s (${c.seconds.toFixed(1)} s) | the first node's own ingest of the same records: ${Math.round(r.ownIngest.recordsPerSecond).toLocaleString('en')}/s | **${(c.recordsPerSecond / r.ownIngest.recordsPerSecond).toFixed(2)}×** | ≥ 0.9× |`,
    `| … its bytes per second on the wire | ${wireMiBps.toFixed(1)} MiB/s | raw libp2p stream between the two nodes: ${r.rawStream.MiBps.toFixed(1)} MiB/s | ${(wireMiBps / r.rawStream.MiBps).toFixed(2)}× | |`,
    `| bytes on the wire / records' own bytes | ${(c.wireBytes / 1e6).toFixed(1)} MB / ${(c.recordBytes / 1e6).toFixed(1)} MB | | **${c.ratio.toFixed(3)}×** | ≤ 1.05× |`,
    `| fetch a ${r.fetch.MiB} MiB asset held by a peer (bitswap, through /ipfs) | ${r.fetch.MiBps.toFixed(1)} MiB/s | raw libp2p stream: ${r.rawStream.MiBps.toFixed(1)} MiB/s | ${(r.fetch.MiBps / r.rawStream.MiBps).toFixed(2)}× | |`
  ].join('\n')
}

if (import.meta.main) {
  const r = await benchNetwork({ records: Number(process.argv[2] ?? 100_000), fetchMiB: Number(process.argv[3] ?? 64), log: l => { process.stderr.write(l + '\n') } })
  console.log(networkBenchTable(r))
}
