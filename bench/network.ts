/**
 * Network benchmarks with real Atelier nodes (in this process, on loopback):
 * (a) a late joiner catching up a collective's history through the whole node: sync + validation + storage + index;
 * (b) fetching an asset held by a peer over bitswap through the /ipfs gateway.
 *   node bench/network.ts [records] [MiB]
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
  fetch: { MiB: number, seconds: number, MiBps: number }
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
      await Promise.all(batch.map(async bytes => await a.records.ingest(bytes, { source: 'import' })))
      if ((i / LOAD_BATCH) % 10 === 0) log(`  loaded ${i + batch.length} records on the first node`)
    }
    const total = (await a.collectives.digest(id)).count
    const sessions: SyncStats[] = []
    b.syncSessions.on('session', (s) => { sessions.push(s) })
    const { invite } = await a.collectives.invite(id)
    const started = performance.now()
    await b.collectives.join(invite)
    while ((await b.collectives.digest(id)).count < total) await new Promise(resolve => setTimeout(resolve, 100))
    const seconds = (performance.now() - started) / 1000
    const wireBytes = sessions.reduce((n, s) => n + s.bytesReceived + s.bytesSent, 0)
    log(`  caught up ${total} records in ${seconds.toFixed(1)} s`)

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

    return {
      catchUp: { records: total, seconds, recordsPerSecond: total / seconds, wireBytes, recordBytes, ratio: wireBytes / recordBytes },
      fetch: { MiB: fetchMiB, seconds: fetchSeconds, MiBps: fetchMiB / fetchSeconds }
    }
  } finally {
    await b.stop()
    await a.stop()
    await rm(root, { recursive: true, force: true })
  }
}

/** Markdown rows of the result */
export function networkBenchTable (r: NetworkBenchResult): string {
  return [
    '| measure | result | target |',
    '|---|---|---|',
    `| late joiner catches up ${r.catchUp.records.toLocaleString('en')} records (sync + validate + store + index) | ${Math.round(r.catchUp.recordsPerSecond).toLocaleString('en')} records/s (${r.catchUp.seconds.toFixed(1)} s) | ≥ 2,000 records/s |`,
    `| bytes on the wire / records' own bytes | ${r.catchUp.ratio.toFixed(3)}× | ≤ 1.15× |`,
    `| fetch a ${r.fetch.MiB} MiB asset held by a peer (bitswap, through /ipfs) | ${r.fetch.MiBps.toFixed(1)} MiB/s | (bitswap measured 33–45 MiB/s here) |`
  ].join('\n')
}

if (import.meta.main) {
  const r = await benchNetwork({ records: Number(process.argv[2] ?? 100_000), fetchMiB: Number(process.argv[3] ?? 64), log: l => { process.stderr.write(l + '\n') } })
  console.log(networkBenchTable(r))
}
