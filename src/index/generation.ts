/**
 * One open index database and the writer state that belongs to it: the record count and the bounded caches of
 * heads and "has children" markers. `RecordIndex` holds the live generation and, during `rebuildBeside()`, a second
 * one being built beside it; swapping the two swaps database and caches together, so a cache can never describe
 * another database than the one it sits beside.
 *
 * The writer remembers (bounded, in memory) the heads it wrote and the markers it wrote, so a batch reads only the
 * heads of authors it has not seen lately and does not rewrite a popular parent's marker for every child. Both are
 * filled only after a batch is on disk, so they never claim more than the database holds.
 *
 * Readers are counted (`enter()` / `leave()`), so a generation is closed only once no read runs on it.
 */
import { Level } from 'level'
import type { BatchOperation } from 'level'
import type { ValidRecord } from '../records/types.ts'
import { BATCH_RECORDS, CACHE_SIZE, HEAD_CACHE_SIZE, MARKER_CACHE_SIZE, SCHEMA_VERSION, WRITE_BUFFER_SIZE } from './constants.ts'
import { decodeSummary, entriesOf, successorKey } from './entries.ts'
import { searchEntriesOf } from './search-entries.ts'
import { fingerprintEntriesOf } from './fingerprint-entries.ts'
import { position, positionCid, SEP, SEP_END } from './keys.ts'
import { DERIVED_SUBLEVEL_NAMES, openSublevels } from './sublevels.ts'
import type { IndexDb, SublevelName, Sublevels } from './sublevels.ts'
import type { IndexEntry } from './entries.ts'

export const META_VERSION = 'version'
export const META_COUNT = 'count'
/** Present while a rebuild runs; an index found with it was interrupted mid-rebuild */
export const META_REBUILDING = 'rebuilding'

type BatchOp = BatchOperation<IndexDb, string, string>
type ChainedBatch = ReturnType<IndexDb['batch']>
type SublevelOptions = Record<SublevelName, { sublevel: Sublevels[SublevelName], valueEncoding?: 'view' }>

const bodyDecoder = new TextDecoder()

export interface GenerationMeta {
  version?: string
  count?: string
  rebuilding?: string
}

export class IndexGeneration {
  readonly path: string
  readonly db: IndexDb
  readonly subs: Sublevels
  /** records indexed in this database */
  total = 0
  /** author → head position, for writes only (most recently written last); saves a read per author per batch */
  private readonly headCache = new Map<string, string>()
  /** shared marker keys known to be on disk (oldest first), so a batch skips rewriting them */
  private readonly markers = new Set<string>()
  private readers = 0
  private drained?: () => void

  /** the options of a chained batch's put or del into each sublevel, made once: the record bodies go as bytes */
  private readonly into: SublevelOptions

  private constructor (path: string, db: IndexDb) {
    this.path = path
    this.db = db
    this.subs = openSublevels(db)
    const into: Partial<SublevelOptions> = {}
    for (const name of Object.keys(this.subs) as SublevelName[]) {
      into[name] = name === 'body' || name === 'held' ? { sublevel: this.subs[name], valueEncoding: 'view' } : { sublevel: this.subs[name] }
    }
    this.into = into as SublevelOptions
  }

  /** Add `e` to a chained batch, into its sublevel */
  private put (batch: ChainedBatch, e: IndexEntry): void {
    batch.put(e.key, e.value as string, this.into[e.sublevel])
  }

  /** Open (creating when missing) the Level database at `path` */
  static async open (path: string): Promise<IndexGeneration> {
    const db: IndexDb = new Level<string, string>(path, {
      keyEncoding: 'utf8', valueEncoding: 'utf8', writeBufferSize: WRITE_BUFFER_SIZE, cacheSize: CACHE_SIZE
    })
    await db.open()
    return new IndexGeneration(path, db)
  }

  async meta (): Promise<GenerationMeta> {
    const [version, count, rebuilding] = await this.subs.meta.getMany([META_VERSION, META_COUNT, META_REBUILDING])
    return { version, count, rebuilding }
  }

  /** True when the database holds no key at all */
  async empty (): Promise<boolean> {
    return (await this.db.keys({ limit: 1 }).all()).length === 0
  }

  /** Drop every derived key and the caches, and mark the database as being rebuilt; the stored bodies stay, since
   * they are what the rebuild reads */
  async startRebuild (): Promise<void> {
    this.headCache.clear()
    this.markers.clear()
    await this.subs.meta.put(META_REBUILDING, '1')
    for (const name of DERIVED_SUBLEVEL_NAMES) await this.subs[name].clear()
    this.total = 0
  }

  /** Mark a rebuild done: schema version and count written, the rebuilding mark dropped, synced to disk so the
   * database is durable before anything (a directory swap) relies on it */
  async finishRebuild (): Promise<void> {
    const meta = this.subs.meta
    await this.db.batch([
      { type: 'del', sublevel: meta, key: META_REBUILDING },
      { type: 'put', sublevel: meta, key: META_VERSION, value: String(SCHEMA_VERSION) },
      { type: 'put', sublevel: meta, key: META_COUNT, value: String(this.total) }
    ], { sync: true })
  }

  /**
   * Write what LevelDB holds in memory (its write buffer, replayed from the log on the next open) to table files.
   * Done before a swap, whose reopen would otherwise replay up to WRITE_BUFFER_SIZE of log under the write lock
   * (890 ms for 20,000 records here). A compaction of one key's range is what flushes the write buffer in
   * LevelDB; the range is the meta sublevel, so little else is rewritten.
   */
  async flush (): Promise<void> {
    const db = this.db as unknown as { compactRange?: (start: string, end: string) => Promise<void> }
    if (typeof db.compactRange === 'function') await db.compactRange('!meta!', '!meta!\uffff')
  }

  /** One Level batch for `records` (distinct CIDs): the records not yet indexed, their heads, the new count.
   * Returns the CIDs it indexed (the others were indexed already). A chained batch: each put goes to LevelDB's batch
   * as it is made, where an array batch was cloned op by op and then read back property by property by the native
   * side (7 us of main thread per record of 13 entries, half of it, in a benchmark of the two). */
  async writeBatch (records: ValidRecord[], options: { sync?: boolean } = {}): Promise<string[]> {
    const subs = this.subs
    const cids = records.map(r => r.cid)
    // a record counted again (a removal undone by a later change) leaves `held` in the same batch
    const [held, stored] = await Promise.all([subs.summary.hasMany(cids), subs.held.hasMany(cids)])
    const batch = this.db.batch()
    try {
      const heads = new Map<string, string>()
      const markers: string[] = []
      const indexed: string[] = []
      for (let i = 0; i < records.length; i++) {
        if (held[i]) continue
        const r = records[i]
        indexed.push(r.cid)
        if (stored[i]) batch.del(r.cid, this.into.held)
        for (const e of entriesOf(r)) {
          if (e.shared === true) {
            // a "has children" marker written lately (popular parents get many children) need not be written again
            if (this.markers.has(e.key)) continue
            markers.push(e.key)
          }
          this.put(batch, e)
        }
        const pos = position(r.time, r.cid)
        for (const e of searchEntriesOf(r, pos)) this.put(batch, e)
        for (const e of fingerprintEntriesOf(r)) this.put(batch, e)
        const best = heads.get(r.author)
        if (best == null || pos > best) heads.set(r.author, pos)
      }
      const added = indexed.length
      if (added === 0) {
        await batch.close()
        // nothing new, but the caller may acknowledge these records: what an earlier unsynced batch wrote is synced
        if (options.sync === true) await this.syncLog()
        return indexed
      }
      // current heads: from the cache, the rest in one getMany
      const unknown = [...heads.keys()].filter(a => !this.headCache.has(a))
      const read = unknown.length > 0 ? await subs.head.getMany(unknown) : []
      const current = new Map<string, string | undefined>(unknown.map((a, i) => [a, read[i]]))
      const moved: Array<[string, string]> = []
      for (const [author, pos] of heads) {
        const was = current.has(author) ? current.get(author) : this.headCache.get(author)
        if (was == null || pos > was) {
          batch.put(author, pos, this.into.head)
          moved.push([author, pos])
        } else {
          moved.push([author, was])
        }
      }
      batch.put(META_COUNT, String(this.total + added), this.into.meta)
      await batch.write({ sync: options.sync === true })
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
      return indexed
    } catch (err) {
      // nothing was written (a batch is all or nothing); one not written must still be closed (closing one that
      // write() closed already does nothing)
      await batch.close().catch(() => {})
      throw err
    }
  }

  /**
   * One Level batch taking `records` (distinct CIDs) out: every entry `writeBatch` wrote but the shared "has
   * children" markers, which only mean "look here" and are checked against the child keys by every walk. An author
   * whose head goes gets its latest remaining record as head. Records not held are skipped; returns how many went.
   */
  async removeBatch (records: ValidRecord[]): Promise<number> {
    const subs = this.subs
    const held = await subs.summary.hasMany(records.map(r => r.cid))
    const ops: BatchOp[] = []
    const gone = new Set<string>()
    const authors = new Set<string>()
    records.forEach((r, i) => {
      if (!held[i]) return
      gone.add(r.cid)
      authors.add(r.author)
      for (const e of entriesOf(r)) {
        if (e.shared === true) continue
        // the body stays stored, as a held body: a retired record is still held (the lot names it), only not counted
        if (e.sublevel === 'body') ops.push({ type: 'put', sublevel: subs.held, key: e.key, value: bodyDecoder.decode(e.value as Uint8Array) })
        ops.push({ type: 'del', sublevel: subs[e.sublevel], key: e.key })
      }
      for (const e of searchEntriesOf(r)) ops.push({ type: 'del', sublevel: subs[e.sublevel], key: e.key })
      for (const e of fingerprintEntriesOf(r)) ops.push({ type: 'del', sublevel: subs[e.sublevel], key: e.key })
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
    await this.db.batch(ops)
    this.total -= gone.size
    return gone.size
  }

  /**
   * Store records as held, not counted (a rebuild's retired records, record blocks of an older release): one batch.
   * A record counted here is skipped; returns how many were written.
   */
  async holdBatch (items: Array<{ cid: string, bytes: Uint8Array }>): Promise<number> {
    const subs = this.subs
    const counted = await subs.summary.hasMany(items.map(it => it.cid))
    const ops: BatchOp[] = []
    items.forEach((it, i) => {
      if (!counted[i]) ops.push({ type: 'put', sublevel: subs.held, key: it.cid, value: bodyDecoder.decode(it.bytes) })
    })
    if (ops.length > 0) await this.db.batch(ops)
    return ops.length
  }

  /** Forget held bodies (a held record refused for good); counted records are not touched */
  async dropHeld (cids: string[]): Promise<void> {
    const subs = this.subs
    await this.db.batch(cids.map(cid => ({ type: 'del', sublevel: subs.held, key: cid })))
  }

  /**
   * Write the `successors` entry of every counted record that names a `previous`, read from the stored summaries
   * (which carry author and previous): how an index of schema 3 or 4 gains them without a rebuild. Pages of
   * BATCH_RECORDS summaries, one batch each; writing an entry twice changes nothing. Returns the entries written.
   */
  async addSuccessors (): Promise<number> {
    let after: string | undefined
    let n = 0
    while (true) {
      const page = await this.subs.summary.iterator({ ...(after != null ? { gt: after } : {}), limit: BATCH_RECORDS }).all()
      const ops: BatchOp[] = []
      for (const [cid, text] of page) {
        const s = decodeSummary(cid, text)
        if (s.previous != null) ops.push({ type: 'put', sublevel: this.subs.successors, key: successorKey(s.author, s.previous, cid), value: '' })
      }
      if (ops.length > 0) await this.db.batch(ops)
      n += ops.length
      if (page.length < BATCH_RECORDS) return n
      after = page[page.length - 1][0]
    }
  }

  /** fsync LevelDB's log, so every write so far survives a power cut: one synced write of the current count */
  async syncLog (): Promise<void> {
    await this.db.batch([{ type: 'put', sublevel: this.subs.meta, key: META_COUNT, value: String(this.total) }], { sync: true })
  }

  async countSummaries (): Promise<number> {
    let n = 0
    for await (const _ of this.subs.summary.keys()) n++
    return n
  }

  /** A read starts on this database */
  enter (): void { this.readers++ }

  /** A read on this database is done */
  leave (): void {
    this.readers--
    if (this.readers === 0) this.drained?.()
  }

  /** Close once every read that entered has left */
  async close (): Promise<void> {
    if (this.readers > 0) await new Promise<void>(resolve => { this.drained = resolve })
    this.drained = undefined
    this.headCache.clear()
    this.markers.clear()
    await this.db.close()
  }
}
