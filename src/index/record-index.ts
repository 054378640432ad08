/**
 * `RecordIndex`: the Level index of records. One Level database, one sublevel per purpose (see sublevels.ts).
 * Writes are serialised (one `put()` or `rebuild()` at a time) so the author heads and the record count, which
 * depend on what is already indexed, stay exact; reads run concurrently with writes.
 *
 * The writer remembers (bounded, in memory) the heads it wrote and the "has children" markers it wrote, so a batch
 * reads only the heads of authors it has not seen lately and does not rewrite a popular parent's marker for every
 * child. Both are filled only after a batch is on disk and emptied by `rebuild()` and `close()`, so they never
 * claim more than the database holds.
 */
import { Level } from 'level'
import type { BatchOperation } from 'level'
import { NotReadyError } from '../errors.ts'
import type { ValidRecord } from '../records/types.ts'
import type { Lineage, LineageQuery, Page, RecordIndexApi, RecordQuery, RecordSummary, SearchHit, SearchQuery } from './types.ts'
import { BATCH_RECORDS, CACHE_SIZE, HEAD_CACHE_SIZE, MARKER_CACHE_SIZE, SCHEMA_VERSION, WRITE_BUFFER_SIZE } from './constants.ts'
import { decodeSummary, entriesOf } from './entries.ts'
import { IndexSchemaError } from './errors.ts'
import { searchEntriesOf } from './search-entries.ts'
import { position, positionCid, SEP, SEP_END } from './keys.ts'
import { runLineage } from './lineage.ts'
import { runQuery } from './query.ts'
import { runSearch } from './search.ts'
import { openSublevels } from './sublevels.ts'
import type { IndexDb, Sublevels } from './sublevels.ts'

/** The part of a (pino) logger the index uses */
export interface IndexLogger {
  debug(obj: Record<string, unknown>, msg?: string): void
  info(obj: Record<string, unknown>, msg?: string): void
  warn(obj: Record<string, unknown>, msg?: string): void
}

export interface RecordIndexInit {
  /** Directory of the Level database, created when missing */
  path: string
  logger?: IndexLogger
}

const silent: IndexLogger = { debug () {}, info () {}, warn () {} }

const META_VERSION = 'version'
const META_COUNT = 'count'
/** Present while a rebuild runs; an index found with it was interrupted mid-rebuild */
const META_REBUILDING = 'rebuilding'

type State = 'closed' | 'opening' | 'open' | 'stale' | 'closing'

type BatchOp = BatchOperation<IndexDb, string, string>

const bodyEncoder = new TextEncoder()

export class RecordIndex implements RecordIndexApi {
  readonly path: string
  /** body reads waiting for this tick's getMany */
  private readonly bodyQueue: Array<{ cid: string, resolve: (v: Uint8Array | undefined) => void, reject: (err: Error) => void }> = []
  private readonly log: IndexLogger
  private db?: IndexDb
  private subs?: Sublevels
  private state: State = 'closed'
  private total = 0
  /** author → head position, for writes only (most recently written last); saves a read per author per batch */
  private readonly headCache = new Map<string, string>()
  /** shared marker keys known to be on disk (oldest first), so a batch skips rewriting them */
  private readonly markers = new Set<string>()
  /** tail of the write queue */
  private writes: Promise<unknown> = Promise.resolve()

  constructor (init: RecordIndexInit) {
    this.path = init.path
    this.log = init.logger ?? silent
  }

  /**
   * Open the database and check its schema version. On a mismatch (or an interrupted rebuild) this throws
   * IndexSchemaError and leaves the index open for `rebuild()` and `close()` only.
   */
  async open (): Promise<void> {
    if (this.state === 'open' || this.state === 'stale') return
    if (this.state !== 'closed') throw new NotReadyError(`the index is ${this.state}`)
    this.state = 'opening'
    try {
      const db: IndexDb = new Level<string, string>(this.path, {
        keyEncoding: 'utf8', valueEncoding: 'utf8', writeBufferSize: WRITE_BUFFER_SIZE, cacheSize: CACHE_SIZE
      })
      await db.open()
      this.db = db
      this.subs = openSublevels(db)
    } catch (err) {
      this.state = 'closed'
      throw err
    }
    const subs = this.subs
    const [version, count, rebuilding] = await subs.meta.getMany([META_VERSION, META_COUNT, META_REBUILDING])
    let problem: string | undefined
    if (rebuilding != null) {
      problem = 'a rebuild of the index was interrupted'
    } else if (version == null) {
      const any = await this.db.keys({ limit: 1 }).all()
      if (any.length === 0) {
        await subs.meta.batch([
          { type: 'put', key: META_VERSION, value: String(SCHEMA_VERSION) },
          { type: 'put', key: META_COUNT, value: '0' }
        ])
      } else {
        problem = 'the index has no schema version'
      }
    } else if (version !== String(SCHEMA_VERSION)) {
      problem = `the index has schema version ${version}, this node uses ${SCHEMA_VERSION}`
    }
    if (problem != null) {
      this.state = 'stale'
      this.log.warn({ path: this.path, found: version ?? null, expected: SCHEMA_VERSION }, problem)
      throw new IndexSchemaError(`${problem}: run \`atelier reindex\` to rebuild it from the stored records`, {
        details: { path: this.path, found: version ?? null, expected: SCHEMA_VERSION }
      })
    }
    this.total = count != null ? Number(count) : await this.countSummaries()
    this.state = 'open'
    this.log.debug({ path: this.path, records: this.total }, 'index open')
  }

  async close (): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return
    this.state = 'closing'
    try {
      await this.writes
      await this.db?.close()
    } finally {
      this.headCache.clear()
      this.markers.clear()
      this.db = undefined
      this.subs = undefined
      this.state = 'closed'
    }
  }

  /** Index records. Records already indexed (or repeated in `records`) are skipped, so a put is idempotent.
   * Each batch holds whole records; several records share a batch. */
  async put (records: ValidRecord[]): Promise<void> {
    this.readable()
    if (records.length === 0) return
    await this.exclusive(async () => {
      const subs = this.writable(['open', 'closing'])
      const unique = new Map<string, ValidRecord>()
      for (const r of records) if (!unique.has(r.cid)) unique.set(r.cid, r)
      const list = [...unique.values()]
      for (let i = 0; i < list.length; i += BATCH_RECORDS) {
        await this.writeBatch(subs, list.slice(i, i + BATCH_RECORDS))
      }
    })
  }

  async has (cid: string): Promise<boolean> {
    return this.readable().summary.has(cid)
  }

  async get (cid: string): Promise<RecordSummary | undefined> {
    const text = await this.readable().summary.get(cid)
    return text == null ? undefined : decodeSummary(cid, text)
  }

  /**
   * A record's canonical bytes, undefined when not indexed. Calls made in the same tick are read with one getMany:
   * a lineage walk asks for a whole level of records at once.
   */
  async body (cid: string): Promise<Uint8Array | undefined> {
    const subs = this.readable()
    return await new Promise((resolve, reject) => {
      this.bodyQueue.push({ cid, resolve, reject })
      if (this.bodyQueue.length === 1) {
        queueMicrotask(() => {
          const batch = this.bodyQueue.splice(0)
          subs.body.getMany(batch.map(b => b.cid)).then(values => {
            values.forEach((v, i) => { batch[i].resolve(v == null ? undefined : bodyEncoder.encode(v)) })
          }, (err: Error) => { for (const b of batch) b.reject(err) })
        })
      }
    })
  }

  async query (q: RecordQuery): Promise<Page<RecordSummary>> {
    return runQuery(this.readable(), q)
  }

  async lineage (root: string, q?: LineageQuery): Promise<Lineage> {
    return runLineage(this.readable(), root, q)
  }

  /** Text search over asset titles, tags and descriptions, with filters; see search.ts */
  async search (q: SearchQuery): Promise<Page<SearchHit>> {
    return runSearch(this.readable(), q)
  }

  /** The CID of the author's latest record (highest time, then highest CID) */
  async head (author: string): Promise<string | undefined> {
    const pos = await this.readable().head.get(author)
    return pos == null ? undefined : positionCid(pos)
  }

  async count (): Promise<number> {
    this.readable()
    return this.total
  }

  /** Drop everything, index `source` again in batches and return the number of records indexed.
   * Also the way out of an IndexSchemaError. Writes wait until it is done. */
  async rebuild (source: AsyncIterable<ValidRecord>): Promise<number> {
    this.writable(['open', 'stale'])
    return this.exclusive(async () => {
      const db = this.db as IndexDb
      const subs = this.writable(['open', 'stale', 'closing'])
      const started = Date.now()
      this.headCache.clear()
      this.markers.clear()
      await db.clear()
      await subs.meta.put(META_REBUILDING, '1')
      this.total = 0
      let batch = new Map<string, ValidRecord>()
      for await (const record of source) {
        batch.set(record.cid, record)
        if (batch.size >= BATCH_RECORDS) {
          await this.writeBatch(subs, [...batch.values()])
          batch = new Map()
        }
      }
      if (batch.size > 0) await this.writeBatch(subs, [...batch.values()])
      await subs.meta.batch([
        { type: 'del', key: META_REBUILDING },
        { type: 'put', key: META_VERSION, value: String(SCHEMA_VERSION) },
        { type: 'put', key: META_COUNT, value: String(this.total) }
      ])
      if (this.state === 'stale') this.state = 'open'
      this.log.info({ records: this.total, ms: Date.now() - started }, 'index rebuilt')
      return this.total
    })
  }

  /** One Level batch for `records` (distinct CIDs): the records not yet indexed, their heads, the new count */
  private async writeBatch (subs: Sublevels, records: ValidRecord[]): Promise<void> {
    const db = this.db as IndexDb
    const held = await subs.summary.hasMany(records.map(r => r.cid))
    const ops: BatchOp[] = []
    const heads = new Map<string, string>()
    const markers: string[] = []
    let added = 0
    for (let i = 0; i < records.length; i++) {
      if (held[i]) continue
      const r = records[i]
      for (const e of entriesOf(r)) {
        if (e.shared === true) {
          // a "has children" marker written lately (popular parents get many children) need not be written again
          if (this.markers.has(e.key)) continue
          markers.push(e.key)
        }
        ops.push({ type: 'put', sublevel: subs[e.sublevel], key: e.key, value: e.value })
      }
      const pos = position(r.time, r.cid)
      for (const e of searchEntriesOf(r, pos)) ops.push({ type: 'put', sublevel: subs[e.sublevel], key: e.key, value: e.value })
      const best = heads.get(r.author)
      if (best == null || pos > best) heads.set(r.author, pos)
      added++
    }
    if (added === 0) return
    // current heads: from the cache, the rest in one getMany
    const unknown = [...heads.keys()].filter(a => !this.headCache.has(a))
    const read = unknown.length > 0 ? await subs.head.getMany(unknown) : []
    const current = new Map<string, string | undefined>(unknown.map((a, i) => [a, read[i]]))
    const moved: Array<[string, string]> = []
    for (const [author, pos] of heads) {
      const was = current.has(author) ? current.get(author) : this.headCache.get(author)
      if (was == null || pos > was) {
        ops.push({ type: 'put', sublevel: subs.head, key: author, value: pos })
        moved.push([author, pos])
      } else {
        moved.push([author, was])
      }
    }
    ops.push({ type: 'put', sublevel: subs.meta, key: META_COUNT, value: String(this.total + added) })
    await db.batch(ops)
    this.total += added
    // only after the batch is on disk, so the cache never runs ahead of the database
    for (const [author, pos] of moved) {
      this.headCache.delete(author)
      this.headCache.set(author, pos)
    }
    for (const author of this.headCache.keys()) {
      if (this.headCache.size <= HEAD_CACHE_SIZE) break
      this.headCache.delete(author)
    }
    for (const key of markers) this.markers.add(key)
    for (const key of this.markers) {
      if (this.markers.size <= MARKER_CACHE_SIZE) break
      this.markers.delete(key)
    }
  }

  /**
   * Take records out of the index (the view no longer counts them: retired, see protocols/collectives.md §6).
   * Every entry `put()` wrote goes, but for the shared "has children" markers, which only mean "look here" and are
   * checked against the child keys by every walk. An author whose head was removed gets its latest remaining record
   * as head. One atomic batch; records not indexed are skipped.
   */
  async remove (records: ValidRecord[]): Promise<number> {
    this.writable(['open'])
    return await this.exclusive(async () => {
      const subs = this.writable(['open', 'closing'])
      const db = this.db as IndexDb
      const unique = [...new Map(records.map(r => [r.cid, r])).values()]
      const held = await subs.summary.hasMany(unique.map(r => r.cid))
      const ops: BatchOp[] = []
      const gone = new Set<string>()
      const authors = new Set<string>()
      unique.forEach((r, i) => {
        if (!held[i]) return
        gone.add(r.cid)
        authors.add(r.author)
        for (const e of entriesOf(r)) if (e.shared !== true) ops.push({ type: 'del', sublevel: subs[e.sublevel], key: e.key })
        for (const e of searchEntriesOf(r)) ops.push({ type: 'del', sublevel: subs[e.sublevel], key: e.key })
      })
      if (gone.size === 0) return 0
      for (const author of authors) {
        const head = await subs.head.get(author)
        if (head == null || !gone.has(positionCid(head))) continue
        // the latest of the author's records that stays: walk back from the newest, past the ones going
        let next: string | undefined
        for await (const key of subs.author.keys({ gt: author + SEP, lt: author + SEP_END, reverse: true })) {
          const pos = key.slice(author.length + 1)
          if (!gone.has(positionCid(pos))) { next = pos; break }
        }
        ops.push(next == null ? { type: 'del', sublevel: subs.head, key: author } : { type: 'put', sublevel: subs.head, key: author, value: next })
        this.headCache.delete(author)
      }
      ops.push({ type: 'put', sublevel: subs.meta, key: META_COUNT, value: String(this.total - gone.size) })
      await db.batch(ops)
      this.total -= gone.size
      return gone.size
    })
  }

  private async countSummaries (): Promise<number> {
    let n = 0
    for await (const _ of this.readable().summary.keys()) n++
    return n
  }

  /** Run `fn` after every earlier write, whatever their outcome */
  private exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(fn, fn)
    this.writes = run.catch(() => {})
    return run
  }

  private readable (): Sublevels {
    if (this.subs != null && (this.state === 'open' || this.state === 'opening')) return this.subs
    if (this.state === 'stale') {
      throw new IndexSchemaError('the index must be rebuilt before use: run `atelier reindex`')
    }
    throw new NotReadyError(`the index is ${this.state}`)
  }

  /** The sublevels, for a write in one of `states` (a write queued before close() still runs) */
  private writable (states: State[]): Sublevels {
    if (this.subs != null && states.includes(this.state)) return this.subs
    if (this.state === 'stale') {
      throw new IndexSchemaError('the index must be rebuilt before use: run `atelier reindex`')
    }
    throw new NotReadyError(`the index is ${this.state}`)
  }
}
