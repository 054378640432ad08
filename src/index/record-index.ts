/**
 * `RecordIndex`: the Level index of records. One Level database, one sublevel per purpose (see sublevels.ts), and
 * the writer state that goes with it (generation.ts). Writes are serialised (one `put()` or rebuild step at a
 * time) so the author heads and the record count, which depend on what is already indexed, stay exact; reads run
 * concurrently with writes.
 *
 * `rebuildBeside()` (what `atelier reindex` runs on a live node) builds a second database next to the live one
 * while the live one keeps answering and taking writes, then swaps the two in a few milliseconds; callers keep their
 * reference to this object, which reads the new database from then on and emits `reindexed`. `rebuild()` rebuilds
 * in place and is the way out of an index that cannot be read at all (IndexSchemaError).
 */
import { EventEmitter } from 'node:events'
import { rm } from 'node:fs/promises'
import { BusyError, NotReadyError } from '../errors.ts'
import type { ValidRecord } from '../records/types.ts'
import type {
  HeldBody, IndexedFingerprint, Lineage, LineageQuery, Page, PutOptions, RebuildBesideOptions, RebuildItem, RebuildResult, RecordIndexApi, RecordIndexEvents, RecordQuery,
  RecordSummary, SearchHit, SearchQuery, StoredBody
} from './types.ts'
import {
  BATCH_RECORDS, FINGERPRINT_PAGE, KEY_PAGE, MAX_READ_BATCH, MAX_SUCCESSORS, SCHEMA_VERSION, SCHEMA_VERSIONS_WITHOUT_SUCCESSORS, TEE_BACKLOG_RECORDS,
  UPGRADABLE_SCHEMA_VERSIONS
} from './constants.ts'
import type { FingerprintEntryValue } from './fingerprint-entries.ts'
import { decodeSummary } from './entries.ts'
import { IndexSchemaError } from './errors.ts'
import { IndexGeneration, META_COUNT, META_VERSION } from './generation.ts'
import { decodeTime, positionCid, SEP, SEP_END } from './keys.ts'
import { runLineage } from './lineage.ts'
import { runQuery } from './query.ts'
import { runSearch } from './search.ts'
import type { Sublevels } from './sublevels.ts'
import { copyInto, holdInto, stepTimer } from './beside.ts'
import type { Build } from './beside.ts'
import { nextPath, recoverSwap, removeOld, swapDirs } from './swap.ts'
import { checkBodies, compareWithRebuild } from './consistency.ts'
import type { BodyCheck, RebuildComparison } from './consistency.ts'

/** The part of a (pino) logger the index uses */
export interface IndexLogger {
  debug(obj: Record<string, unknown>, msg?: string): void
  info(obj: Record<string, unknown>, msg?: string): void
  warn(obj: Record<string, unknown>, msg?: string): void
}

export interface RecordIndexInit {
  /** Directory of the Level database, created when missing; rebuilds use `<path>.next` and `<path>.old` beside it */
  path: string
  logger?: IndexLogger
}

const silent: IndexLogger = { debug () {}, info () {}, warn () {} }

type State = 'closed' | 'opening' | 'open' | 'stale' | 'closing'

const bodyEncoder = new TextEncoder()

/** Record bodies as the bytes LevelDB holds (no string between: every caller wants bytes) */
async function readBodies (subs: Sublevels, keys: string[]): Promise<Array<Uint8Array | undefined>> {
  return await subs.body.getMany<string, Uint8Array>(keys, { valueEncoding: 'view' })
}

/** A read waiting for the next grouped getMany of its sublevel: summaries come back as text, bodies as bytes */
interface GroupedRead { cid: string, resolve: (v: any) => void, reject: (err: Error) => void }

export class RecordIndex extends EventEmitter<RecordIndexEvents> implements RecordIndexApi {
  readonly path: string
  /** body and summary reads waiting for the next getMany of their sublevel */
  private readonly groupedReads: Record<'body' | 'summary', GroupedRead[]> = { body: [], summary: [] }
  /** a getMany of that sublevel is in flight */
  private readonly readsBusy: Record<'body' | 'summary', boolean> = { body: false, summary: false }
  private readonly log: IndexLogger
  private live?: IndexGeneration
  private state: State = 'closed'
  /** tail of the write queue */
  private writes: Promise<unknown> = Promise.resolve()
  /** set while a database is built beside the live one: every live write is copied into it */
  private building?: Build
  /** the running rebuildBeside(), which close() waits for */
  private besideRun?: Promise<unknown>
  /** set during the swap, between closing the old database and opening the new one: reads wait for it */
  private gate?: Promise<void>

  constructor (init: RecordIndexInit) {
    super()
    this.path = init.path
    this.log = init.logger ?? silent
  }

  /**
   * Open the database and check its schema version; first, repair what an interrupted rebuild or swap left
   * (swap.ts). On a mismatch (or an interrupted in-place rebuild) this throws IndexSchemaError and leaves the
   * index open for `rebuild()` and `close()` only.
   */
  async open (): Promise<void> {
    if (this.state === 'open' || this.state === 'stale') return
    if (this.state !== 'closed') throw new NotReadyError(`the index is ${this.state}`)
    this.state = 'opening'
    try {
      const repaired = await recoverSwap(this.path)
      if (repaired != null) this.log.warn({ path: this.path }, repaired)
      this.live = await IndexGeneration.open(this.path)
    } catch (err) {
      this.state = 'closed'
      throw err
    }
    const problem = await this.check(this.live)
    if (problem != null) {
      this.state = 'stale'
      const details = { path: this.path, found: problem.found, expected: SCHEMA_VERSION }
      this.log.warn(details, problem.message)
      throw new IndexSchemaError(`${problem.message}: run \`atelier reindex\` to rebuild it from the stored records`, { details })
    }
    this.state = 'open'
    this.log.debug({ path: this.path, records: this.live.total }, 'index open')
  }

  /** Whether `gen` has this node's layout and a finished rebuild; sets its count when it does */
  private async check (gen: IndexGeneration): Promise<{ message: string, found: string | null } | undefined> {
    const { version, count, rebuilding } = await gen.meta()
    const found = version ?? null
    if (rebuilding != null) return { message: 'a rebuild of the index was interrupted', found }
    if (version == null) {
      if (!(await gen.empty())) return { message: 'the index has no schema version', found }
      await gen.subs.meta.batch([
        { type: 'put', key: META_VERSION, value: String(SCHEMA_VERSION) },
        { type: 'put', key: META_COUNT, value: '0' }
      ])
    } else if (version !== String(SCHEMA_VERSION)) {
      return { message: `the index has schema version ${version}, this node uses ${SCHEMA_VERSION}`, found }
    }
    gen.total = count != null ? Number(count) : await gen.countSummaries()
    return undefined
  }

  async close (): Promise<void> {
    if (this.state === 'closed' || this.state === 'closing') return
    this.state = 'closing'
    try {
      await this.writes
      // a rebuild beside sees the state and stops at its next record, removing what it built
      await this.besideRun
      await this.live?.close()
    } finally {
      this.live = undefined
      this.state = 'closed'
    }
  }

  /** Index records. Records already indexed (or repeated in `records`) are skipped, so a put is idempotent.
   * Each batch holds whole records; several records share a batch. Returns the CIDs this put indexed. */
  async put (records: ValidRecord[], options: PutOptions = {}): Promise<string[]> {
    this.readable()
    if (records.length === 0) return []
    return await this.exclusive(async () => {
      const gen = this.writable(['open', 'closing'])
      const unique = new Map<string, ValidRecord>()
      for (const r of records) if (!unique.has(r.cid)) unique.set(r.cid, r)
      const list = [...unique.values()]
      const indexed: string[] = []
      for (let i = 0; i < list.length; i += BATCH_RECORDS) {
        // synced is the last batch only: LevelDB's log is appended in order, so its fsync covers the earlier ones
        const last = i + BATCH_RECORDS >= list.length
        indexed.push(...await gen.writeBatch(list.slice(i, i + BATCH_RECORDS), { sync: last && options.sync === true }))
      }
      // Written to the database being built too, rather than replayed at the swap: the swap (under the write lock)
      // then costs the same whatever the write rate during the build, and nothing is held in memory but a bounded
      // backlog. Entries are pure functions of the record and a batch skips records already held, so a record
      // that also comes from the blocks the build reads is written once.
      const build = this.building
      if (build != null) {
        const copied = copyInto(build, list)
        if (build.backlog > TEE_BACKLOG_RECORDS) await copied
      }
      return indexed
    })
  }

  /** Whether the index counts `cid`; calls made in the same tick are read with one getMany (see `summaryText`) */
  async has (cid: string): Promise<boolean> {
    return (await this.summaryText(cid)) != null
  }

  async get (cid: string): Promise<RecordSummary | undefined> {
    const text = await this.summaryText(cid)
    return text == null ? undefined : decodeSummary(cid, text)
  }

  /** The summaries of many records, in the order asked (undefined for those not indexed): one read per
   * MAX_READ_BATCH, for callers that know the whole list (a lineage walk's level) */
  async getMany (cids: string[]): Promise<Array<RecordSummary | undefined>> {
    const out: Array<RecordSummary | undefined> = []
    for (let i = 0; i < cids.length; i += MAX_READ_BATCH) {
      const keys = cids.slice(i, i + MAX_READ_BATCH)
      const texts = await this.read(async subs => await subs.summary.getMany(keys))
      texts.forEach((text, j) => { out.push(text == null ? undefined : decodeSummary(keys[j], text)) })
    }
    return out
  }

  /**
   * A summary's stored text. The door asks for one per record it takes, from many concurrent ingests: grouped
   * reads (readGrouped) cost one native call and one snapshot for many of them, where single reads each took LevelDB's lock
   * (and waited for it while the writer held it on a busy machine).
   */
  private async summaryText (cid: string): Promise<string | undefined> {
    return await this.readGrouped('summary', cid)
  }

  /**
   * One value of `name`. Calls are answered by getMany, one in flight per sublevel: calls made while one is in
   * flight wait and go together in the next. At low load that is one read per tick as before; under load the reads
   * group themselves (a sync batch's records come back from the validation workers one message at a time, so
   * per-tick groups held 3 or 4 keys, and each getMany costs a native call and a snapshot on the main thread).
   */
  private async readGrouped (name: 'summary', cid: string): Promise<string | undefined>
  private async readGrouped (name: 'body', cid: string): Promise<Uint8Array | undefined>
  private async readGrouped (name: 'body' | 'summary', cid: string): Promise<string | Uint8Array | undefined> {
    this.readable()
    return await new Promise((resolve, reject) => {
      this.groupedReads[name].push({ cid, resolve, reject })
      this.pumpReads(name)
    })
  }

  private pumpReads (name: 'body' | 'summary'): void {
    const queue = this.groupedReads[name]
    if (this.readsBusy[name] || queue.length === 0) return
    this.readsBusy[name] = true
    queueMicrotask(() => {
      const batch = queue.splice(0, MAX_READ_BATCH)
      const keys = batch.map(b => b.cid)
      const read = name === 'body'
        ? async (subs: Sublevels) => await readBodies(subs, keys)
        : async (subs: Sublevels) => await subs.summary.getMany(keys)
      this.read<Array<string | Uint8Array | undefined>>(read).then(values => {
        values.forEach((v, i) => { batch[i].resolve(v ?? undefined) })
      }, (err: Error) => { for (const b of batch) b.reject(err) }).finally(() => {
        this.readsBusy[name] = false
        this.pumpReads(name)
      }).catch((err: Error) => { this.log.warn({ err }, 'a grouped read could not answer its callers') })
    })
  }

  /**
   * A record's canonical bytes, undefined when not indexed. Calls made in the same tick are read with one getMany:
   * a lineage walk asks for a whole level of records at once.
   */
  async body (cid: string): Promise<Uint8Array | undefined> {
    return await this.readGrouped('body', cid)
  }

  async bodies (cids: string[]): Promise<Array<Uint8Array | undefined>> {
    const out: Array<Uint8Array | undefined> = []
    for (let i = 0; i < cids.length; i += MAX_READ_BATCH) {
      const keys = cids.slice(i, i + MAX_READ_BATCH)
      const values = await this.read(async subs => await readBodies(subs, keys))
      for (const v of values) out.push(v ?? undefined)
    }
    return out
  }

  /** A stored record's canonical bytes, counted or held (retired); undefined when this node does not store it */
  async stored (cid: string): Promise<Uint8Array | undefined> {
    const counted = await this.body(cid)
    if (counted != null) return counted
    const held = await this.read(async subs => await subs.held.get(cid))
    return held == null ? undefined : bodyEncoder.encode(held)
  }

  /** Every stored record body, counted ones first; what a rebuild reads (an index that must be rebuilt too). Bodies
   * stored meanwhile may be missed. */
  async * storedBodies (options: { heldOnly?: boolean } = {}): AsyncGenerator<StoredBody> {
    const parts = options.heldOnly === true ? [['held', false]] as const : [['body', true], ['held', false]] as const
    for (const [name, counted] of parts) {
      let after: string | undefined
      while (true) {
        // pages, so no read stays open across a swap or a long consumer
        const page = await this.read(async subs => await subs[name].iterator({ ...(after != null ? { gt: after } : {}), limit: BATCH_RECORDS }).all(), true)
        for (const [cid, text] of page) yield { cid, bytes: bodyEncoder.encode(text), counted }
        if (page.length < BATCH_RECORDS) break
        after = page[page.length - 1][0]
      }
    }
  }

  /**
   * Every indexed fingerprint of the counted asset records, of one algorithm or all, in key order (algorithm, then
   * code, then record CID): what the near-duplicate search loads from. Read in pages, so no read stays open across
   * a swap or a slow consumer; entries written meanwhile may be missed (the caller also takes the ingest events).
   */
  async * iterateFingerprints (alg?: string): AsyncGenerator<IndexedFingerprint> {
    const lt = alg != null ? alg + SEP_END : undefined
    let after: string | undefined = alg != null ? alg + SEP : undefined
    while (true) {
      const page = await this.read(async subs => await subs.fingerprints.iterator({
        ...(after != null ? { gt: after } : {}), ...(lt != null ? { lt } : {}), limit: FINGERPRINT_PAGE
      }).all())
      for (const [key, text] of page) {
        const [a, code, cid] = key.split(SEP)
        const v = JSON.parse(text) as FingerprintEntryValue
        const out: IndexedFingerprint = { alg: a, code: Uint8Array.from(Buffer.from(code, 'hex')), cid, content: v.content, issuer: v.issuer, validFrom: v.validFrom }
        if (v.quality !== undefined) out.quality = v.quality
        yield out
      }
      if (page.length < FINGERPRINT_PAGE) return
      after = page[page.length - 1][0]
    }
  }

  async * collectiveRecords (collective: string): AsyncGenerator<{ cid: string, time: number }> {
    const prefix = collective + SEP
    const lt = collective + SEP_END
    let after = prefix
    while (true) {
      // pages, so no read stays open across a swap or a slow consumer
      const page = await this.read(async subs => await subs.collective.keys({ gt: after, lt, limit: KEY_PAGE }).all())
      for (const key of page) {
        const pos = key.slice(prefix.length)
        yield { cid: positionCid(pos), time: decodeTime(pos) }
      }
      if (page.length < KEY_PAGE) return
      after = page[page.length - 1]
    }
  }

  /** Store records held, not counted (record blocks of an older release); counted ones are skipped. Works on an
   * index open() refused (IndexSchemaError) too, before `upgrade()` or `rebuild()` */
  async hold (items: HeldBody[]): Promise<number> {
    this.writable(['open', 'stale'])
    if (items.length === 0) return 0
    return await this.exclusive(async () => {
      const gen = this.writable(['open', 'stale', 'closing'])
      let n = 0
      for (let i = 0; i < items.length; i += BATCH_RECORDS) n += await gen.holdBatch(items.slice(i, i + BATCH_RECORDS))
      const build = this.building
      // the build's write chain records its own failure; nothing here waits for it
      if (build != null) holdInto(build, items).catch((err: Error) => { build.error ??= err })
      return n
    })
  }

  /** Make every write so far durable (one synced batch): what relies on it may then delete the old copies */
  async sync (): Promise<void> {
    await this.exclusive(async () => {
      const gen = this.writable(['open', 'closing'])
      await gen.db.batch([{ type: 'put', sublevel: gen.subs.meta, key: META_COUNT, value: String(gen.total) }], { sync: true })
    })
  }

  /** Counted bodies against summaries, held against counted: keys only (consistency.ts) */
  async checkBodies (options: { onProgress?: (keys: number) => void, limit?: number } = {}): Promise<BodyCheck> {
    return await this.read(async subs => await checkBodies(subs, options), true)
  }

  /** Every entry against what a rebuild of `records` (the counted bodies, validated) writes, built in
   * `<path>.doctor` and removed after (consistency.ts); for a stopped node's data dir (`atelier doctor`) */
  async compareWithRebuild (records: AsyncIterable<ValidRecord>, onProgress?: (phase: 'build' | 'compare', n: number) => void): Promise<RebuildComparison> {
    const live = this.readable()
    return await this.read(async subs => await compareWithRebuild(subs, live.total, records, `${this.path}.doctor`, onProgress))
  }

  /** Forget the held bodies of records refused for good */
  async dropHeld (cids: string[]): Promise<void> {
    this.readable()
    if (cids.length === 0) return
    await this.exclusive(async () => {
      await this.writable(['open', 'closing']).dropHeld(cids)
      const build = this.building
      if (build != null) {
        build.writes = build.writes.then(async () => { if (build.error == null) await build.gen.dropHeld(cids) })
          .catch((err: Error) => { build.error ??= err })
      }
    })
  }

  /**
   * Bring an index of an upgradable older schema (UPGRADABLE_SCHEMA_VERSIONS) to this one without a rebuild: its
   * entries are read as they are. Call on an index that open() refused with IndexSchemaError, after storing the
   * older release's record blocks with `hold()`.
   */
  async upgrade (): Promise<boolean> {
    const gen = this.live
    if (gen == null || this.state !== 'stale') return false
    const { version, rebuilding } = await gen.meta()
    if (rebuilding != null || version == null || !UPGRADABLE_SCHEMA_VERSIONS.includes(version)) return false
    // before the version mark: a crash in between leaves the old version, and the upgrade runs again (idempotent)
    if (SCHEMA_VERSIONS_WITHOUT_SUCCESSORS.includes(version)) {
      const successors = await gen.addSuccessors()
      this.log.info({ path: this.path, successors }, 'chain entries written from the stored summaries')
    }
    // no fingerprint entries to add: no record an older index counts carries fingerprints (constants.ts)
    await gen.db.batch([{ type: 'put', sublevel: gen.subs.meta, key: META_VERSION, value: String(SCHEMA_VERSION) }], { sync: true })
    const { count } = await gen.meta()
    gen.total = count != null ? Number(count) : await gen.countSummaries()
    this.state = 'open'
    this.log.info({ path: this.path, from: version, to: SCHEMA_VERSION }, 'index upgraded in place')
    return true
  }


  async query (q: RecordQuery): Promise<Page<RecordSummary>> {
    return await this.read(async subs => await runQuery(subs, q))
  }

  async lineage (root: string, q?: LineageQuery): Promise<Lineage> {
    return await this.read(async subs => await runLineage(subs, root, q))
  }

  /** Text search over asset titles, tags and descriptions, with filters; see search.ts */
  async search (q: SearchQuery): Promise<Page<SearchHit>> {
    return await this.read(async subs => await runSearch(subs, q))
  }

  /**
   * The counted records of `author` that name `previous` (at most `limit`, in CID order): the author's chain read
   * forwards. One range read. More than one is a fork of the chain.
   */
  async successors (author: string, previous: string, limit = MAX_SUCCESSORS): Promise<string[]> {
    const prefix = author + SEP + previous + SEP
    const keys = await this.read(async subs => await subs.successors.keys({ gt: prefix, lt: author + SEP + previous + SEP_END, limit: Math.min(Math.max(limit, 1), MAX_SUCCESSORS) }).all())
    return keys.map(k => k.slice(prefix.length))
  }

  /** The CID of the author's latest record (highest time, then highest CID) */
  async head (author: string): Promise<string | undefined> {
    const pos = await this.read(async subs => await subs.head.get(author))
    return pos == null ? undefined : positionCid(pos)
  }

  /** LevelDB's own estimate of the native memory the live database holds (memtables and block cache), bytes */
  nativeMemory (): number {
    const db = this.live?.db as unknown as { status: string, getProperty?: (p: string) => string } | undefined
    return db?.status === 'open' ? Number(db.getProperty?.('leveldb.approximate-memory-usage') ?? 0) : 0
  }

  async count (): Promise<number> {
    return this.readable().total
  }

  /** Drop everything, index `source` again in batches and return the number of records indexed. Reads see a
   * partial index meanwhile: this is the way out of an IndexSchemaError (nothing to answer from anyway); a
   * readable index is rebuilt with `rebuildBeside()`. Writes wait until it is done. */
  async rebuild (source: AsyncIterable<RebuildItem>): Promise<number> {
    this.writable(['open', 'stale'])
    if (this.besideRun != null) throw new BusyError('a rebuild of the index is already running')
    return await this.exclusive(async () => {
      const gen = this.writable(['open', 'stale', 'closing'])
      const started = Date.now()
      await gen.startRebuild()
      let batch = new Map<string, ValidRecord>()
      for await (const item of source) {
        if ('held' in item) { await gen.holdBatch([item.held]); continue }
        const record = item
        batch.set(record.cid, record)
        if (batch.size >= BATCH_RECORDS) {
          await gen.writeBatch([...batch.values()])
          batch = new Map()
        }
      }
      if (batch.size > 0) await gen.writeBatch([...batch.values()])
      await gen.finishRebuild()
      if (this.state === 'stale') this.state = 'open'
      this.log.info({ records: gen.total, ms: Date.now() - started }, 'index rebuilt in place')
      this.emit('reindexed', { records: gen.total })
      return gen.total
    })
  }

  /**
   * Build a new database from `source` in `<path>.next` while this one keeps answering and taking writes (each
   * write is copied into the new one), then swap them under `options.lock` (see swap.ts for the directory steps and
   * how a crash at any of them is repaired). Queries answer from the old database until the swap, and from the new
   * one after; `reindexed` is emitted in between. One rebuild at a time (BusyError).
   */
  async rebuildBeside (source: AsyncIterable<RebuildItem>, options: RebuildBesideOptions = {}): Promise<RebuildResult> {
    this.readable()
    if (this.besideRun != null) throw new BusyError('a rebuild of the index is already running')
    const run = this.runBeside(source, options)
    this.besideRun = run.catch(() => {}).finally(() => { this.besideRun = undefined })
    return await run
  }

  private async runBeside (source: AsyncIterable<RebuildItem>, options: RebuildBesideOptions): Promise<RebuildResult> {
    const started = Date.now()
    const path = nextPath(this.path)
    let build: Build | undefined
    let swapped = false
    try {
      await rm(path, { recursive: true, force: true })
      const gen = await IndexGeneration.open(path)
      build = { gen, writes: Promise.resolve(), backlog: 0 }
      await gen.startRebuild()
      // Copying live writes starts before the first record is read from `source`: a record is either stored
      // before the source begins reading (the source yields it) or written after this line (copied). A record
      // both ways is written once; one held there and counted here ends counted (a put moves it out of `held`).
      this.building = build
      let batch = new Map<string, ValidRecord>()
      for await (const item of source) {
        options.signal?.throwIfAborted()
        if (this.state !== 'open') throw new NotReadyError(`the index is ${this.state}`)
        if ('held' in item) { await holdInto(build, [item.held]); continue }
        const record = item
        batch.set(record.cid, record)
        if (batch.size >= BATCH_RECORDS) {
          await copyInto(build, [...batch.values()])
          if (build.error != null) throw build.error
          batch = new Map()
        }
      }
      if (batch.size > 0) await copyInto(build, [...batch.values()])
      if (build.error != null) throw build.error
      // out of the lock, so the swap's reopen replays only the writes copied in from here on
      await build.gen.flush()
      const ready = build
      const lock = options.lock ?? (async fn => await fn())
      const swapMs = await lock(async () => await this.exclusive(async () => {
        const ms = await this.swapIn(ready)
        swapped = true
        return ms
      }))
      const records = this.readable().total
      this.log.info({ records, ms: Date.now() - started, swapMs: Math.round(swapMs * 10) / 10 }, 'index rebuilt beside the live one and swapped in')
      return { records, ms: Date.now() - started, swapMs }
    } finally {
      if (this.building === build) this.building = undefined
      if (!swapped) {
        if (build != null) {
          await build.writes
          await build.gen.close().catch(() => {})
        }
        await rm(path, { recursive: true, force: true }).catch(() => {})
      }
      // after a swap, the replaced database goes; out of the lock, since removing a big directory takes a while
      await removeOld(this.path).catch(err => { this.log.warn({ err, path: this.path }, 'could not remove the replaced index; the next open does') })
    }
  }

  /**
   * Take records out of the index (the view no longer counts them: retired, see protocols/collectives.md §6); also
   * out of an index being built beside, after what was queued there. Returns how many were indexed.
   */
  async remove (records: ValidRecord[]): Promise<number> {
    this.readable()
    if (records.length === 0) return 0
    return await this.exclusive(async () => {
      const gen = this.writable(['open', 'closing'])
      const list = [...new Map(records.map(r => [r.cid, r])).values()]
      const removed = await gen.removeBatch(list)
      const build = this.building
      if (build != null) {
        build.writes = build.writes.then(async () => {
          if (build.error == null) await build.gen.removeBatch(list)
        }).catch((err: Error) => { build.error ??= err })
      }
      return removed
    })
  }

  /** The swap itself, under the write lock and queue: no write runs meanwhile. Returns the ms it took. */
  private async swapIn (build: Build): Promise<number> {
    const steps = stepTimer()
    this.building = undefined
    await build.writes
    if (build.error != null) throw build.error
    if (this.state !== 'open') throw new NotReadyError(`the index is ${this.state}`)
    steps.mark('copies')
    // durable and closed before any rename relies on it
    await build.gen.finishRebuild()
    steps.mark('sync')
    await build.gen.close()
    steps.mark('closeNew')
    const old = this.live as IndexGeneration
    // from here until the new database is open at the live path, reads wait (for the few ms a rename and an open
    // take) rather than fail; reads already running on the old database finish before it closes
    let release = (): void => {}
    this.gate = new Promise(resolve => { release = resolve })
    try {
      await old.close()
      steps.mark('closeOld')
      try {
        await swapDirs(this.path)
        steps.mark('rename')
      } catch (err) {
        // the directories still name one complete index (swap.ts): settle on it, reopen, and report the failure
        await recoverSwap(this.path).catch(() => {})
        this.live = await this.reopen()
        throw err
      }
      this.live = await this.reopen()
      steps.mark('reopen')
      this.log.debug(steps.ms, 'index swap steps (ms)')
      // before any read sees the new database, so in-memory views never mix the two
      this.emit('reindexed', { records: this.live.total })
    } catch (err) {
      if (this.live === old) this.state = 'closed'
      throw err
    } finally {
      this.gate = undefined
      release()
    }
    return steps.total()
  }

  private async reopen (): Promise<IndexGeneration> {
    const gen = await IndexGeneration.open(this.path)
    const problem = await this.check(gen)
    if (problem != null) {
      await gen.close()
      throw new IndexSchemaError(`${problem.message} (after a swap)`, { details: { path: this.path } })
    }
    return gen
  }

  /** Run `fn` after every earlier write, whatever their outcome */
  private exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(fn, fn)
    this.writes = run.catch(() => {})
    return run
  }

  /** Run a read on the live database, counted so a swap closes that database only once the read is done */
  private async read<T> (fn: (subs: Sublevels) => Promise<T>, evenStale = false): Promise<T> {
    while (this.gate != null) await this.gate
    const gen = evenStale && this.state === 'stale' && this.live != null ? this.live : this.readable()
    gen.enter()
    try {
      return await fn(gen.subs)
    } finally {
      gen.leave()
    }
  }

  private readable (): IndexGeneration {
    if (this.live != null && (this.state === 'open' || this.state === 'opening')) return this.live
    if (this.state === 'stale') {
      throw new IndexSchemaError('the index must be rebuilt before use: run `atelier reindex`')
    }
    throw new NotReadyError(`the index is ${this.state}`)
  }

  /** The live database, for a write in one of `states` (a write queued before close() still runs) */
  private writable (states: State[]): IndexGeneration {
    if (this.live != null && states.includes(this.state)) return this.live
    if (this.state === 'stale') {
      throw new IndexSchemaError('the index must be rebuilt before use: run `atelier reindex`')
    }
    throw new NotReadyError(`the index is ${this.state}`)
  }
}

