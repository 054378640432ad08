/**
 * Index benchmark (issue 11): the paths users take, each figure beside a limit measured in the same run.
 *
 *   node bench/index.ts [--records N] [--put N] [--queries N] [--page N]    (defaults 1,000,000 / 100,000 / 1,000 / 100)
 *
 * (a) put: records generated beforehand, put in batches of 256 into a fresh index.
 * (b) load: N records put the same way into the index the lineage walks read (generation is not timed).
 * (c) lineage: ancestors to depth 20 of random asset records, EVERY page followed (cursor until null), each page
 *     asked as GET /v1/assets/:cid/lineage asks it: the root's summary (`index.get`, the route's "held asset?"
 *     check), then `index.lineage` with the cursor. The route adds only author names, from the name directory's
 *     in-memory list (src/gateway/names.ts), and reads no record body, so this is the index work of a user's walk.
 *     Once with the default page (500 nodes), once with pages of 100 (--page) on other roots, so paging is
 *     exercised by many walks, not by the few large ones only. Walks grow with N (in a bigger graph fewer ancestors
 *     are shared), so on a small graph few or none take a second page: the table counts them.
 *
 * Records are generated, not signed: the index trusts `ValidRecord` fields, so signing would only measure the
 * records code. But each carries a body as a signed record does (the index stores it in the same batch as its
 * entries, so bodies weigh on every write and spread the keys a walk reads over a bigger database): the JSON of its
 * credential, with did:key and proof lengths of real ones, padded with a `description` to 900-1,300 bytes (the
 * signed records of the sync benchmark average 1,100 B), distinct per record. The bench reads a sample back with `index.body()` and fails if they differ.
 *
 * Limits, measured in the same run (the machine's speed varies 2-3x between runs; the ratio figure/limit is what
 * compares):
 * - put and load: the key/values the index writes for the same records (entries with the body, search words,
 *   fingerprints, author heads, the count; "has children" markers skipped as the index skips them), prepared
 *   beforehand and written as raw LevelDB batches, record batch for record batch, into a second database opened
 *   with the index's options, alternating with the index batch by batch so both see the same machine. Writing those
 *   bytes is the floor of any index of this layout; the rest is the index's own work (reading what is held already
 *   and the heads, building entries, sublevel encoding). The second database's size on disk is the floor of the
 *   index's.
 * - lineage: one getMany, straight from LevelDB (the raw database of (b), which holds the same keys), of the
 *   summary and parents values of every node the walk returned: each value the walk needs, read once, in one
 *   native call. A walk cannot do better: it learns a level's parents only from the level before, and a page after
 *   the first walks again from the root (its cursor is a count of nodes to skip). Measured right after each walk, on
 *   the other database, so the walk warms none of its blocks.
 *
 * Data lives under os.tmpdir() and is removed at the end, also on error.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Level } from 'level'
import { RecordIndex } from '../src/index/index.ts'
import { BATCH_RECORDS, CACHE_SIZE, MARKER_CACHE_SIZE, WRITE_BUFFER_SIZE } from '../src/index/constants.ts'
import { entriesOf } from '../src/index/entries.ts'
import { searchEntriesOf } from '../src/index/search-entries.ts'
import { fingerprintEntriesOf } from '../src/index/fingerprint-entries.ts'
import { position } from '../src/index/keys.ts'
import type { Credential, Ingredient, Relationship, SubjectByKind, RecordKind, ValidRecord } from '../src/records/types.ts'
import { rng, randomCid, percentile } from './util.ts'

export interface IndexBenchOptions {
  /** records indexed before the lineage queries. @default 200000 (1000000 when run standalone) */
  records?: number
  /** records put for the throughput figure. @default 100000 */
  putRecords?: number
  /** records per put() call. @default 256 */
  batch?: number
  /** lineage walks measured, per page size. @default 1000 */
  queries?: number
  /** lineage depth. @default 20 */
  depth?: number
  /** nodes per page of the second set of walks, which exercises paging. @default 100 */
  smallPage?: number
  /** progress lines */
  log?: (line: string) => void
}

export interface WriteStats {
  records: number
  batch: number
  /** time in `index.put` only */
  ms: number
  recordsPerSecond: number
  /** the same key/values as raw LevelDB batches */
  limitMs: number
  limitRecordsPerSecond: number
  /** mean record body, bytes */
  meanBodyBytes: number
}

export interface WalkStats {
  /** nodes per page asked; undefined: the default page */
  pageLimit?: number
  queries: number
  /** whole walk, every page */
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** one getMany of the walk's summary and parents values */
  limitP50Ms: number
  limitP99Ms: number
  limitMaxMs: number
  meanNodes: number
  maxNodes: number
  meanPages: number
  maxPages: number
  /** walks that took more than one page */
  multiPage: number
}

export interface IndexBenchResult {
  put: WriteStats
  load: WriteStats & {
    /** generating the records (not in `ms`) */
    generateMs: number
    /** the index's directory after the load */
    diskBytes: number
    /** the raw database's */
    limitDiskBytes: number
  }
  lineage: { indexed: number, depth: number, defaultPages: WalkStats, smallPages: WalkStats }
}

const RELATIONSHIPS: Relationship[] = ['parentOf', 'componentOf', 'inputTo']
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const WORDS = ['light', 'study', 'harbour', 'portrait', 'after', 'rain', 'series', 'ink', 'on', 'paper', 'the', 'second',
  'version', 'of', 'a', 'sketch', 'made', 'in', 'winter', 'colour', 'field', 'remix', 'with', 'sound', 'stems', 'from']
const textEncoder = new TextEncoder()

/** `n` random characters of the base58 alphabet: the length and alphabet of a multibase key or signature */
function base58ish (n: number): string {
  const bytes = randomBytes(n)
  let s = ''
  for (const b of bytes) s += BASE58[b % 58]
  return s
}

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
    // an Ed25519 did:key is `did:key:z6Mk` and 44 more base58 characters
    this.authors = Array.from({ length: 2000 }, () => `did:key:z6Mk${base58ish(44)}`)
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
    // the author first: the subject names it as creator, and the body is written from the finished subject
    const author = this.pick(this.authors)
    const rec = this.make('asset', {
      id: `ipfs://${randomCid(0x55)}`,
      mediaType: 'image/png',
      byteSize: 1000 + Math.floor(this.random() * 1e6),
      title: `work ${this.assets.length}`,
      creators: [{ id: author, share: 10000 }],
      ...(ingredients.length > 0 ? { ingredients } : {})
    }, author)
    this.assets.push(rec.cid)
    return rec
  }

  private make<K extends RecordKind> (kind: K, subject: SubjectByKind[K], author = this.pick(this.authors)): ValidRecord<K> {
    const authorIndex = this.authors.indexOf(author)
    const collective = authorIndex % 3 === 0 ? this.collectives[authorIndex % 50] : undefined
    const previous = this.heads.get(author)
    const id = randomCid(0x0200)
    this.heads.set(author, id)
    const validFrom = new Date(this.time).toISOString()
    const credential: Credential<K> = {
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
        verificationMethod: `${author}#${author.slice('did:key:'.length)}`,
        proofPurpose: 'assertionMethod',
        // a 64-byte signature in base58btc: 'z' and 87 or 88 characters
        proofValue: `z${base58ish(87)}`
      }
    }
    return {
      cid: id,
      bytes: this.body(credential),
      kind,
      author,
      time: this.time,
      ...(previous != null ? { previous } : {}),
      ...(collective != null ? { collective } : {}),
      credential
    }
  }

  /**
   * The record's body: its credential's JSON, padded to 900-1,300 bytes with a credential `description` (a VC
   * property the index does not read, so the index entries stay those of the credential). Not canonical JSON and
   * not what `cid` hashes: the index stores the bytes as given.
   */
  private body (credential: Credential): Uint8Array {
    let json = JSON.stringify(credential)
    const target = 900 + Math.floor(this.random() * 400)
    const room = target - json.length - ',"description":""'.length
    if (room > 0) {
      let pad = ''
      while (pad.length < room) pad += (pad === '' ? '' : ' ') + this.pick(WORDS)
      json = json.slice(0, -1) + ',"description":"' + pad.slice(0, room) + '"}'
    }
    return textEncoder.encode(json)
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

type RawDb = Level<string, string>
type RawBatch = Array<{ type: 'put', key: string, value: string } | { type: 'put', key: string, value: Uint8Array, valueEncoding: 'view' }>

/** A raw put under a sublevel's key prefix; a record body (bytes) as the bytes, as the index writes it */
const rawPut = (sublevel: string, key: string, value: string | Uint8Array): RawBatch[number] => typeof value === 'string'
  ? { type: 'put', key: `!${sublevel}!${key}`, value }
  : { type: 'put', key: `!${sublevel}!${key}`, value, valueEncoding: 'view' }

/**
 * The key/values the index writes for new records (generation.ts `writeBatch`), as raw puts under the sublevels'
 * key prefixes: the put and load limit. One batch per BATCH_RECORDS records, as the index splits a put; the shared
 * "has children" markers it wrote lately are skipped the same way (remembered once a batch is written, bounded
 * alike). Heads are all written: the generated times only grow, so every head moves.
 */
class RawEntries {
  private readonly markers = new Set<string>()
  private count = 0

  batches (records: ValidRecord[]): RawBatch[] {
    const out: RawBatch[] = []
    for (let i = 0; i < records.length; i += BATCH_RECORDS) out.push(this.batch(records.slice(i, i + BATCH_RECORDS)))
    return out
  }

  private batch (records: ValidRecord[]): RawBatch {
    const ops: RawBatch = []
    const heads = new Map<string, string>()
    const markers: string[] = []
    for (const r of records) {
      for (const e of entriesOf(r)) {
        if (e.shared === true) {
          if (this.markers.has(e.key)) continue
          markers.push(e.key)
        }
        ops.push(rawPut(e.sublevel, e.key, e.value))
      }
      const pos = position(r.time, r.cid)
      for (const e of searchEntriesOf(r, pos)) ops.push(rawPut(e.sublevel, e.key, e.value))
      for (const e of fingerprintEntriesOf(r)) ops.push(rawPut(e.sublevel, e.key, e.value))
      const best = heads.get(r.author)
      if (best == null || pos > best) heads.set(r.author, pos)
    }
    for (const [author, pos] of heads) ops.push(rawPut('head', author, pos))
    this.count += records.length
    ops.push(rawPut('meta', 'count', String(this.count)))
    for (const key of markers) this.markers.add(key)
    for (const key of this.markers) {
      if (this.markers.size <= MARKER_CACHE_SIZE) break
      this.markers.delete(key)
    }
    return ops
  }
}

/** A LevelDB database opened as the index opens its own (generation.ts) */
async function openRaw (path: string): Promise<RawDb> {
  const db: RawDb = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8', writeBufferSize: WRITE_BUFFER_SIZE, cacheSize: CACHE_SIZE })
  await db.open()
  return db
}

/**
 * `records` into the index and, as prepared raw batches (not timed), into the raw database; which goes first
 * alternates with `indexFirst`, so neither always writes while the other's compaction runs. Returns [index ms, raw ms].
 */
async function writeBoth (index: RecordIndex, raw: RawDb, entries: RawEntries, records: ValidRecord[], indexFirst: boolean): Promise<[number, number]> {
  const batches = entries.batches(records)
  const intoIndex = async (): Promise<number> => {
    const t = performance.now()
    const indexed = await index.put(records)
    const ms = performance.now() - t
    if (indexed.length !== records.length) throw new Error(`bench: the index took ${indexed.length} of ${records.length} new records`)
    return ms
  }
  const intoRaw = async (): Promise<number> => {
    const t = performance.now()
    // bodies carry their own valueEncoding (view), which the string-typed database signature does not list
    for (const b of batches) await raw.batch(b as Array<{ type: 'put', key: string, value: string }>)
    return performance.now() - t
  }
  if (indexFirst) {
    const a = await intoIndex()
    return [a, await intoRaw()]
  }
  const b = await intoRaw()
  return [await intoIndex(), b]
}

/** Fail loudly unless the index gives back each sample's body, byte for byte */
async function checkBodies (index: RecordIndex, samples: ValidRecord[]): Promise<void> {
  if (samples.length === 0) throw new Error('bench: no body sampled to check')
  for (const s of samples) {
    const got = await index.body(s.cid)
    if (got == null || Buffer.compare(got, s.bytes) !== 0) {
      throw new Error(`bench: the index did not store the body of ${s.cid}: ${got == null ? 'none' : `${got.length} bytes, not the ${s.bytes.length} put`}`)
    }
  }
}

/** Bytes of the files under `dir` */
async function diskBytes (dir: string): Promise<number> {
  let sum = 0
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) sum += (await stat(join(e.parentPath, e.name))).size
  }
  return sum
}

/** A whole lineage walk as a client makes it through the HTTP route: page after page until the cursor is null */
async function walk (index: RecordIndex, root: string, depth: number, limit: number | undefined): Promise<{ cids: string[], pages: number }> {
  const cids: string[] = []
  let pages = 0
  let cursor: string | undefined
  do {
    // the route's check, on every page: the root is a held asset record
    const summary = await index.get(root)
    if (summary?.kind !== 'asset') throw new Error(`bench: root ${root} is not a held asset record`)
    const page = await index.lineage(root, { direction: 'ancestors', depth, ...(limit != null ? { limit } : {}), ...(cursor != null ? { cursor } : {}) })
    pages++
    for (const n of page.nodes) cids.push(n.cid)
    cursor = page.cursor ?? undefined
  } while (cursor != null)
  return { cids, pages }
}

/** The lineage limit: the walk's summary and parents values in one getMany from the raw database; ms */
async function readFloor (raw: RawDb, cids: string[]): Promise<number> {
  const keys: string[] = []
  for (const cid of cids) keys.push(`!summary!${cid}`, `!parents!${cid}`)
  const t = performance.now()
  const values = await raw.getMany(keys)
  const ms = performance.now() - t
  if (values[0] == null) throw new Error('bench: the raw database lacks the root\'s summary: its keys are not the index\'s')
  return ms
}

const WARM_WALKS = 50

/** Walks (and their limits) from `roots`, after WARM_WALKS from `warm` that are not counted */
async function measureWalks (index: RecordIndex, raw: RawDb, roots: string[], warm: string[], depth: number, limit: number | undefined): Promise<WalkStats> {
  for (const root of warm) await readFloor(raw, (await walk(index, root, depth, limit)).cids)
  const times: number[] = []
  const floors: number[] = []
  let nodes = 0
  let maxNodes = 0
  let pages = 0
  let maxPages = 0
  let multiPage = 0
  for (const root of roots) {
    const t = performance.now()
    const w = await walk(index, root, depth, limit)
    times.push(performance.now() - t)
    floors.push(await readFloor(raw, w.cids))
    nodes += w.cids.length
    maxNodes = Math.max(maxNodes, w.cids.length)
    pages += w.pages
    maxPages = Math.max(maxPages, w.pages)
    if (w.pages > 1) multiPage++
  }
  times.sort((a, b) => a - b)
  floors.sort((a, b) => a - b)
  return {
    ...(limit != null ? { pageLimit: limit } : {}),
    queries: roots.length,
    p50Ms: round(percentile(times, 0.5), 3),
    p99Ms: round(percentile(times, 0.99), 3),
    maxMs: round(times[times.length - 1], 3),
    limitP50Ms: round(percentile(floors, 0.5), 3),
    limitP99Ms: round(percentile(floors, 0.99), 3),
    limitMaxMs: round(floors[floors.length - 1], 3),
    meanNodes: round(nodes / roots.length, 1),
    maxNodes,
    meanPages: round(pages / roots.length, 2),
    maxPages,
    multiPage
  }
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits))

function writeStats (records: number, batch: number, ms: number, limitMs: number, bodyBytes: number): WriteStats {
  return {
    records,
    batch,
    ms: Math.round(ms),
    recordsPerSecond: Math.round(records / ms * 1000),
    limitMs: Math.round(limitMs),
    limitRecordsPerSecond: Math.round(records / limitMs * 1000),
    meanBodyBytes: Math.round(bodyBytes / records)
  }
}

export async function benchIndex (options: IndexBenchOptions = {}): Promise<IndexBenchResult> {
  const total = options.records ?? 200_000
  const putRecords = options.putRecords ?? 100_000
  const batch = options.batch ?? 256
  const queries = options.queries ?? 1000
  const depth = options.depth ?? 20
  const smallPage = options.smallPage ?? 100
  const log = options.log ?? (() => {})
  const dir = await mkdtemp(join(tmpdir(), 'atelier-bench-index-'))
  const open: Array<{ close: () => Promise<void> }> = []
  const opened = <T extends { close: () => Promise<void> }>(db: T): T => { open.push(db); return db }
  const closed = async (db: { close: () => Promise<void> }): Promise<void> => {
    open.splice(open.indexOf(db), 1)
    await db.close()
  }
  try {
    // (a) put: records generated beforehand, into a fresh index and a fresh raw database
    const putIndex = opened(new RecordIndex({ path: join(dir, 'put') }))
    await putIndex.open()
    const putRaw = opened(await openRaw(join(dir, 'put-raw')))
    const records = new GraphGenerator(7).next(putRecords)
    const putEntries = new RawEntries()
    let putMs = 0
    let putLimitMs = 0
    for (let i = 0; i < records.length; i += batch) {
      const [a, b] = await writeBoth(putIndex, putRaw, putEntries, records.slice(i, i + batch), (i / batch) % 2 === 0)
      putMs += a
      putLimitMs += b
    }
    const step = Math.max(1, Math.floor(records.length / 100))
    await checkBodies(putIndex, records.filter((_, i) => i % step === 0))
    const putBodyBytes = records.reduce((n, r) => n + r.bytes.length, 0)
    await closed(putIndex)
    await closed(putRaw)
    await rm(join(dir, 'put'), { recursive: true, force: true })
    await rm(join(dir, 'put-raw'), { recursive: true, force: true })
    log(`put: ${putRecords} records in ${Math.round(putMs)} ms (raw batches of the same keys ${Math.round(putLimitMs)} ms)`)

    // (b) load: the graph the walks read, into the index and, with the same keys, the raw database
    const index = opened(new RecordIndex({ path: join(dir, 'graph') }))
    await index.open()
    const raw = opened(await openRaw(join(dir, 'graph-raw')))
    const graph = new GraphGenerator(11)
    const loadEntries = new RawEntries()
    const samples: ValidRecord[] = []
    const sampleEvery = Math.max(1, Math.floor(total / 100))
    let loadMs = 0
    let loadLimitMs = 0
    let generateMs = 0
    let loadBodyBytes = 0
    for (let done = 0, k = 0; done < total; k++) {
      const n = Math.min(batch, total - done)
      const t = performance.now()
      const chunk = graph.next(n)
      generateMs += performance.now() - t
      chunk.forEach((r, i) => {
        loadBodyBytes += r.bytes.length
        if ((done + i) % sampleEvery === 0) samples.push(r)
      })
      const [a, b] = await writeBoth(index, raw, loadEntries, chunk, k % 2 === 0)
      loadMs += a
      loadLimitMs += b
      done += n
      if (done % 100_000 < batch) log(`loaded ${done} records (index ${Math.round(loadMs)} ms, raw ${Math.round(loadLimitMs)} ms)`)
    }
    log(`load: ${total} records, index ${Math.round(loadMs)} ms, raw ${Math.round(loadLimitMs)} ms, generation ${Math.round(generateMs)} ms`)
    await checkBodies(index, samples)
    if (await index.count() !== total) throw new Error(`bench: the index counts ${await index.count()} records, not ${total}`)

    // (c) lineage: every page of each walk; the default page, then smaller pages on other roots
    const random = rng(99)
    const pickRoots = (n: number): string[] => Array.from({ length: n }, () => graph.assets[Math.floor(random() * graph.assets.length)])
    const defaultPages = await measureWalks(index, raw, pickRoots(queries), pickRoots(WARM_WALKS), depth, undefined)
    log(`lineage, default pages: p50 ${defaultPages.p50Ms} ms, ${defaultPages.multiPage} of ${queries} walks over one page`)
    const smallPages = await measureWalks(index, raw, pickRoots(queries), pickRoots(WARM_WALKS), depth, smallPage)
    log(`lineage, pages of ${smallPage}: p50 ${smallPages.p50Ms} ms, ${smallPages.multiPage} of ${queries} walks over one page`)
    // on a small graph walks stay short (their size grows with N: fewer parents are shared); say so rather than
    // print paging figures that measured no paging
    if (smallPages.multiPage === 0) log(`note: no walk exceeded ${smallPage} nodes, so the paging path was not measured (try --page 10)`)
    await closed(index)
    await closed(raw)
    const [disk, limitDisk] = [await diskBytes(join(dir, 'graph')), await diskBytes(join(dir, 'graph-raw'))]
    return {
      put: writeStats(putRecords, batch, putMs, putLimitMs, putBodyBytes),
      load: { ...writeStats(total, batch, loadMs, loadLimitMs, loadBodyBytes), generateMs: Math.round(generateMs), diskBytes: disk, limitDiskBytes: limitDisk },
      lineage: { indexed: total, depth, defaultPages, smallPages }
    }
  } finally {
    for (const db of open) await db.close().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
}

const int = (n: number): string => Math.round(n).toLocaleString('en')
const ratio = (figure: number, limit: number): string => limit > 0 ? `${(figure / limit).toFixed(2)}×` : '–'
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`

function walkRows (w: WalkStats, title: string, short: string): string[] {
  return [
    `| ${title}, p50 | ${w.p50Ms} ms | ${w.limitP50Ms} ms | ${ratio(w.p50Ms, w.limitP50Ms)} |`,
    `| ${short}, p99 | ${w.p99Ms} ms | ${w.limitP99Ms} ms | ${ratio(w.p99Ms, w.limitP99Ms)} |`,
    `| ${short}, max | ${w.maxMs} ms | ${w.limitMaxMs} ms | ${ratio(w.maxMs, w.limitMaxMs)} |`,
    `| ${short}: pages per walk, mean / max; walks over one page | ${w.meanPages} / ${w.maxPages}; ${w.multiPage} of ${w.queries} | | |`,
    `| ${short}: nodes per walk, mean / max | ${w.meanNodes} / ${w.maxNodes} | | |`
  ]
}

/** The table: every figure beside its limit measured in the same run (see the header comment) and figure/limit */
export function toMarkdown (r: IndexBenchResult): string {
  const l = r.lineage
  const small = l.smallPages.pageLimit ?? 0
  return [
    '| measure | value | limit, same run | ratio |',
    '|---|---|---|---|',
    `| put, batches of ${r.put.batch} (${int(r.put.records)} records, bodies ${int(r.put.meanBodyBytes)} B mean, fresh index); limit: raw LevelDB batches of the same keys | ${int(r.put.recordsPerSecond)} records/s | ${int(r.put.limitRecordsPerSecond)} records/s | ${ratio(r.put.recordsPerSecond, r.put.limitRecordsPerSecond)} |`,
    `| load (${int(r.load.records)} records, bodies ${int(r.load.meanBodyBytes)} B mean; generation not timed); same limit | ${int(r.load.recordsPerSecond)} records/s | ${int(r.load.limitRecordsPerSecond)} records/s | ${ratio(r.load.recordsPerSecond, r.load.limitRecordsPerSecond)} |`,
    `| index on disk after the load; limit: the raw database | ${mb(r.load.diskBytes)} | ${mb(r.load.limitDiskBytes)} | ${ratio(r.load.diskBytes, r.load.limitDiskBytes)} |`,
    ...walkRows(l.defaultPages,
      `lineage ancestors depth ${l.depth}, whole walk, every page of the default size (N = ${int(l.indexed)}, ${l.defaultPages.queries} walks); limit: one getMany of the walk's summaries and parents`,
      'lineage, default pages'),
    ...walkRows(l.smallPages, `lineage, the same with pages of ${small} (other roots)`, `lineage, pages of ${small}`)
  ].join('\n')
}

if (process.argv[1] != null && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { records: { type: 'string' }, put: { type: 'string' }, queries: { type: 'string' }, page: { type: 'string' } }
  })
  const result = await benchIndex({
    records: values.records != null ? Number(values.records) : 1_000_000,
    putRecords: values.put != null ? Number(values.put) : undefined,
    queries: values.queries != null ? Number(values.queries) : undefined,
    smallPage: values.page != null ? Number(values.page) : undefined,
    log: line => { process.stderr.write(line + '\n') }
  })
  process.stdout.write(toMarkdown(result) + '\n')
}
