/**
 * Index benchmark: (a) put throughput in batches of 256 into a fresh index, (b) lineage latency, ancestors to
 * depth 20, over random assets of a generated lineage graph of N records.
 *
 *   node bench/index.ts [--records N] [--put N] [--queries N]      (defaults 1,000,000 / 100,000 / 1,000)
 *
 * Records are generated, not signed: the index trusts `ValidRecord` fields, so signing would only measure the
 * records code. Data lives under os.tmpdir() and is removed at the end.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { RecordIndex } from '../src/index/index.ts'
import type { Ingredient, Relationship, SubjectByKind, RecordKind, ValidRecord } from '../src/records/types.ts'
import { rng, randomCid, percentile } from './util.ts'

export interface IndexBenchOptions {
  /** records indexed before the lineage queries. @default 200000 (1000000 when run standalone) */
  records?: number
  /** records put for the throughput figure. @default 100000 */
  putRecords?: number
  /** records per put() call. @default 256 */
  batch?: number
  /** lineage queries measured. @default 1000 */
  queries?: number
  /** lineage depth. @default 20 */
  depth?: number
  /** progress lines */
  log?: (line: string) => void
}

export interface IndexBenchResult {
  put: { records: number, batch: number, ms: number, recordsPerSecond: number }
  load: { records: number, ms: number, recordsPerSecond: number }
  lineage: { indexed: number, queries: number, depth: number, p50Ms: number, p99Ms: number, maxMs: number, meanNodes: number, maxNodes: number }
}

const RELATIONSHIPS: Relationship[] = ['parentOf', 'componentOf', 'inputTo']

/** Deterministic enough and fast: xorshift32 */


/**
 * A stream of records shaped like a busy network: 70% assets (20% originals; derivatives have 1–3 parents, mostly
 * recent assets, sometimes old ones, 1% a parent not held), 12% licenses, 9% grants, 6% attestations, 3% revocations,
 * from 2,000 authors, a third of them in one of 50 collectives. Times increase by about a second per record.
 */
export class GraphGenerator {
  readonly assets: string[] = []
  private readonly licenses: Array<[license: string, asset: string]> = []
  private readonly random: () => number
  private readonly authors: string[]
  private readonly collectives: string[]
  private time = Date.UTC(2024, 0, 1)
  private readonly heads = new Map<string, string>()

  constructor (seed = 1) {
    this.random = rng(seed)
    this.authors = Array.from({ length: 2000 }, (_, i) => `did:key:z6Mk${i.toString(36).padStart(8, '0')}${randomBytes(12).toString('hex')}`)
    this.collectives = Array.from({ length: 50 }, () => randomCid(0x0200))
  }

  private pick<T> (list: T[]): T {
    return list[Math.floor(this.random() * list.length)]
  }

  next (n: number): ValidRecord[] {
    const out: ValidRecord[] = []
    for (let i = 0; i < n; i++) out.push(this.one())
    return out
  }

  private one (): ValidRecord {
    const r = this.random()
    this.time += 500 + Math.floor(this.random() * 1000)
    if (this.assets.length < 100 || r < 0.70) return this.asset()
    if (r < 0.82) {
      const asset = this.pick(this.assets)
      const rec = this.make('license', { asset, terms: TERMS, royaltyPolicy: 'LAP' })
      this.licenses.push([rec.cid, asset])
      return rec
    }
    if (r < 0.91 && this.licenses.length > 0) {
      const [license, asset] = this.pick(this.licenses)
      return this.make('grant', { id: this.pick(this.authors), license, asset })
    }
    if (r < 0.97) return this.make('attestation', { record: this.pick(this.assets), claim: 'endorsement' })
    return this.make('revocation', { record: this.pick(this.assets), effectiveFrom: new Date(this.time).toISOString() })
  }

  private asset (): ValidRecord {
    const ingredients: Ingredient[] = []
    if (this.assets.length > 0 && this.random() >= 0.2) {
      const r = this.random()
      const count = r < 0.7 ? 1 : r < 0.9 ? 2 : 3
      for (let k = 0; k < count; k++) {
        const q = this.random()
        let record: string
        if (q < 0.01) record = randomCid(0x0200) // a parent this node has not received
        else if (q < 0.8) record = this.assets[Math.max(0, this.assets.length - 1 - Math.floor(this.random() * 5000))]
        else record = this.pick(this.assets)
        ingredients.push({ relationship: this.pick(RELATIONSHIPS), record, kind: 'asset' })
      }
    }
    const rec = this.make('asset', {
      id: `ipfs://${randomCid(0x55)}`,
      mediaType: 'image/png',
      byteSize: 1000 + Math.floor(this.random() * 1e6),
      title: `work ${this.assets.length}`,
      creators: [{ id: 'did:key:placeholder', share: 10000 }],
      ...(ingredients.length > 0 ? { ingredients } : {})
    })
    ;(rec.credential.credentialSubject as SubjectByKind['asset']).creators[0].id = rec.author
    this.assets.push(rec.cid)
    return rec
  }

  private make<K extends RecordKind> (kind: K, subject: SubjectByKind[K]): ValidRecord<K> {
    const author = this.pick(this.authors)
    const authorIndex = this.authors.indexOf(author)
    const collective = authorIndex % 3 === 0 ? this.collectives[authorIndex % 50] : undefined
    const previous = this.heads.get(author)
    const id = randomCid(0x0200)
    this.heads.set(author, id)
    const validFrom = new Date(this.time).toISOString()
    return {
      cid: id,
      bytes: new Uint8Array(0),
      kind,
      author,
      time: this.time,
      ...(previous != null ? { previous } : {}),
      ...(collective != null ? { collective } : {}),
      credential: {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiableCredential'],
        issuer: author,
        validFrom,
        credentialSchema: { id: `https://atelier.example/schemas/${kind}/v1.json`, type: 'JsonSchema' },
        ...(previous != null ? { previous } : {}),
        ...(collective != null ? { collective } : {}),
        credentialSubject: subject,
        proof: {
          type: 'DataIntegrityProof',
          cryptosuite: 'eddsa-jcs-2022',
          created: validFrom,
          verificationMethod: `${author}#key`,
          proofPurpose: 'assertionMethod',
          proofValue: 'z'
        }
      }
    }
  }
}

const TERMS: SubjectByKind['license']['terms'] = {
  commercialUse: true,
  commercialAttribution: true,
  derivativesAllowed: true,
  derivativesAttribution: true,
  derivativesApproval: false,
  derivativesReciprocal: false,
  commercialRevShare: 500,
  aiTraining: 'notAllowed'
}


const round = (n: number, digits = 2): number => Number(n.toFixed(digits))

export async function benchIndex (options: IndexBenchOptions = {}): Promise<IndexBenchResult> {
  const total = options.records ?? 200_000
  const putRecords = options.putRecords ?? 100_000
  const batch = options.batch ?? 256
  const queries = options.queries ?? 1000
  const depth = options.depth ?? 20
  const log = options.log ?? (() => {})
  const dir = await mkdtemp(join(tmpdir(), 'atelier-bench-index-'))
  try {
    // (a) put throughput: records generated beforehand, put in batches into a fresh index
    const putIndex = new RecordIndex({ path: join(dir, 'put') })
    await putIndex.open()
    const gen = new GraphGenerator(7)
    const records = gen.next(putRecords)
    let start = performance.now()
    for (let i = 0; i < records.length; i += batch) await putIndex.put(records.slice(i, i + batch))
    const putMs = performance.now() - start
    await putIndex.close()
    log(`put: ${putRecords} records in ${Math.round(putMs)} ms`)

    // (b) lineage over a graph of `total` records, generated while loading
    const index = new RecordIndex({ path: join(dir, 'graph') })
    await index.open()
    const graph = new GraphGenerator(11)
    start = performance.now()
    for (let done = 0; done < total;) {
      const n = Math.min(batch, total - done)
      await index.put(graph.next(n))
      done += n
      if (done % 100_000 < batch) log(`loaded ${done} records`)
    }
    const loadMs = performance.now() - start
    const random = rng(99)
    const pickRoot = (): string => graph.assets[Math.floor(random() * graph.assets.length)]
    for (let i = 0; i < 50; i++) await index.lineage(pickRoot(), { direction: 'ancestors', depth })
    const times: number[] = []
    let nodes = 0
    let maxNodes = 0
    for (let i = 0; i < queries; i++) {
      const root = pickRoot()
      const t = performance.now()
      const result = await index.lineage(root, { direction: 'ancestors', depth })
      times.push(performance.now() - t)
      nodes += result.nodes.length
      if (result.nodes.length > maxNodes) maxNodes = result.nodes.length
    }
    await index.close()
    times.sort((a, b) => a - b)
    return {
      put: { records: putRecords, batch, ms: Math.round(putMs), recordsPerSecond: Math.round(putRecords / putMs * 1000) },
      load: { records: total, ms: Math.round(loadMs), recordsPerSecond: Math.round(total / loadMs * 1000) },
      lineage: {
        indexed: total,
        queries,
        depth,
        p50Ms: round(percentile(times, 0.5)),
        p99Ms: round(percentile(times, 0.99)),
        maxMs: round(times[times.length - 1]),
        meanNodes: round(nodes / queries, 1),
        maxNodes
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export function toMarkdown (r: IndexBenchResult): string {
  return [
    '| measure | value |',
    '|---|---|',
    `| put, batches of ${r.put.batch} (${r.put.records.toLocaleString('en')} records, fresh index) | ${r.put.recordsPerSecond.toLocaleString('en')} records/s |`,
    `| load incl. generation (${r.load.records.toLocaleString('en')} records) | ${r.load.recordsPerSecond.toLocaleString('en')} records/s |`,
    `| lineage ancestors depth ${r.lineage.depth}, p50 (N = ${r.lineage.indexed.toLocaleString('en')}, ${r.lineage.queries} queries) | ${r.lineage.p50Ms} ms |`,
    `| lineage ancestors depth ${r.lineage.depth}, p99 | ${r.lineage.p99Ms} ms |`,
    `| lineage max | ${r.lineage.maxMs} ms |`,
    `| nodes per lineage, mean / max | ${r.lineage.meanNodes} / ${r.lineage.maxNodes} |`
  ].join('\n')
}

if (process.argv[1] != null && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { records: { type: 'string' }, put: { type: 'string' }, queries: { type: 'string' } }
  })
  const result = await benchIndex({
    records: values.records != null ? Number(values.records) : 1_000_000,
    putRecords: values.put != null ? Number(values.put) : undefined,
    queries: values.queries != null ? Number(values.queries) : undefined,
    log: line => { process.stderr.write(line + '\n') }
  })
  process.stdout.write(toMarkdown(result) + '\n')
}
