/**
 * RecordService: the one door every record goes through, whatever brought it (HTTP, the node's own key,
 * gossip, sync, import): validate → store block → index → announce.
 *
 * Writes are group-committed: concurrent ingests queue up and are written to the blockstore and the index in
 * batches, so throughput does not pay one fsync and one Level batch per record. The queue is bounded; when it
 * is full, writers get a BusyError instead of the node growing without limit.
 */
import { EventEmitter } from 'node:events'
import { BusyError, InvalidRecordError, NotReadyError } from '../errors.ts'
import { checkRecord, issueRecord, signatureMismatch, validateRecord } from '../records/index.ts'
import type { RecordCrypto, RecordKind, Signer, SubjectByKind, ValidRecord } from '../records/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { IngestConfig, RecordsConfig } from '../config.ts'
import type { Logger } from 'pino'
import { recordDependency } from './parking.ts'
import type { ParkingLot } from './parking.ts'

/** Where a record came from; carried into events, metrics and logs */
export type RecordSource = 'local' | 'http' | 'gossip' | 'sync' | 'import' | 'parked'

export interface IngestOutcome {
  cid: string
  /** 'parked': valid, but waiting for a record or a membership it depends on */
  status: 'added' | 'duplicate' | 'parked'
  record: ValidRecord
  /** why it is parked */
  reason?: string
}

/** What an admission policy says of a valid record: take it now, or park it until `deps` are released */
export type Admission = { verdict: 'accept' } | { verdict: 'park', deps: string[], reason: string }

/** Rules beyond validity (collective membership, dependencies); throws a typed error to refuse a record */
export interface AdmissionPolicy {
  admit(record: ValidRecord, source: RecordSource): Promise<Admission>
}

export interface IngestOptions {
  source: RecordSource
  signal?: AbortSignal
}

/** Emitted once a record is stored and indexed */
export interface RecordEvent {
  record: ValidRecord
  source: RecordSource
}

export interface RecordServiceEvents {
  record: [RecordEvent]
  parked: [RecordEvent & { reason: string }]
  rejected: [{ source: RecordSource, error: Error }]
}

export interface RecordServiceComponents {
  crypto: RecordCrypto
  store: Pick<ContentStore, 'putRecords' | 'getRecord'>
  index: Pick<RecordIndexApi, 'put' | 'has' | 'get' | 'head'>
  signer: Signer
  logger: Logger
  /** decides whether a valid record is taken now or parked; without it every valid record is taken */
  admission?: AdmissionPolicy
  /** where parked records wait; required with `admission` */
  parking?: ParkingLot
  /** verifies signatures off the main thread; without it they are verified inline with `crypto` */
  verifier?: { verify(signature: Uint8Array, data: Uint8Array, publicKey: Uint8Array): Promise<boolean> }
}

export interface RecordServiceInit {
  records: RecordsConfig
  ingest: IngestConfig
}

interface Pending {
  record: ValidRecord
  source: RecordSource
  resolve: (o: IngestOutcome) => void
  reject: (err: Error) => void
}

export interface IssueOptions {
  collective?: string
}

export class RecordService extends EventEmitter<RecordServiceEvents> {
  private readonly components: RecordServiceComponents
  private readonly init: RecordServiceInit
  private readonly log: Logger
  /** records validated and waiting for the next batch, by CID (so a record queued twice is written once) */
  private readonly queue = new Map<string, Pending[]>()
  /** the batch being written; a record that arrives again meanwhile joins it as a duplicate */
  private readonly inFlight = new Map<string, Pending[]>()
  private flushing: Promise<void> | undefined
  private issuing: Promise<unknown> = Promise.resolve()
  /** serialises batch writes with exclusive work such as a reindex */
  private writeLock: Promise<unknown> = Promise.resolve()
  /** this node's chain head, known after the first issue */
  private ownHead: string | undefined
  private headLoaded = false
  private stopped = false

  constructor (components: RecordServiceComponents, init: RecordServiceInit) {
    super()
    this.components = components
    this.init = init
    this.log = components.logger.child({ component: 'records' })
  }

  /** Validate and store a record from any source; resolves once it is stored and indexed */
  async ingest (input: Uint8Array | string | object, options: IngestOptions): Promise<IngestOutcome> {
    if (this.stopped) throw new NotReadyError('the node is shutting down')
    let record: ValidRecord
    try {
      record = await this.validate(input)
      await this.checkAgainstStore(record)
    } catch (err: any) {
      this.emit('rejected', { source: options.source, error: err })
      throw err
    }
    const { admission, parking } = this.components
    if (admission != null && parking != null) {
      if (!this.queue.has(record.cid) && !this.inFlight.has(record.cid)) {
        if (await this.components.index.has(record.cid)) return { cid: record.cid, status: 'duplicate', record }
        if (await parking.has(record.cid)) return { cid: record.cid, status: 'parked', record, reason: 'already parked' }
      }
      let verdict: Admission
      try {
        verdict = await admission.admit(record, options.source)
      } catch (err: any) {
        this.emit('rejected', { source: options.source, error: err })
        throw err
      }
      if (verdict.verdict === 'park') {
        await parking.park(record.cid, record.bytes, verdict.deps, verdict.reason, options.source)
        this.emit('parked', { record, source: options.source, reason: verdict.reason })
        return { cid: record.cid, status: 'parked', record, reason: verdict.reason }
      }
    }
    return await this.enqueue(record, options.source)
  }

  /** Ingest again the records that waited for `dep` (a record CID or a membership); called when it arrives */
  async release (dep: string): Promise<void> {
    const parking = this.components.parking
    if (parking == null || this.stopped) return
    for (const entry of await parking.release(dep)) {
      try {
        await this.ingest(Buffer.from(entry.bytes, 'base64'), { source: 'parked' })
      } catch (err: any) {
        this.log.info({ cid: entry.cid, code: err.code, msg: err.message }, 'parked record refused on release')
      }
    }
  }

  /** The full validation, with the signature checked on the verifier when there is one */
  private async validate (input: Uint8Array | string | object): Promise<ValidRecord> {
    const options = { crypto: this.components.crypto, maxBytes: this.init.records.maxBytes }
    const verifier = this.components.verifier
    if (verifier == null) return validateRecord(input, options)
    const { record, signature } = checkRecord(input, options)
    if (!(await verifier.verify(signature.signature, signature.data, signature.publicKey))) {
      throw signatureMismatch(signature.verificationMethod)
    }
    return record
  }

  /** Sign a new record with the node's creator key, chained to its previous record, and ingest it */
  async issue<K extends RecordKind> (kind: K, subject: SubjectByKind[K], options: IssueOptions = {}): Promise<IngestOutcome> {
    // Issues are serialised so each record's `previous` is the one issued just before it
    const run = this.issuing.then(async () => {
      if (!this.headLoaded) {
        this.ownHead = await this.components.index.head(this.components.signer.did)
        this.headLoaded = true
      }
      const record = issueRecord(kind, subject, {
        signer: this.components.signer,
        crypto: this.components.crypto,
        previous: this.ownHead,
        collective: options.collective
      })
      // a record issued here must pass the same door as any other
      const outcome = await this.ingest(record.bytes, { source: 'local' })
      this.ownHead = outcome.cid
      return outcome
    })
    this.issuing = run.catch(() => {})
    return await run
  }

  /** Run `fn` with no batch being written meanwhile (ingests keep queueing and are written after) */
  async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.writeLock.then(fn)
    this.writeLock = run.catch(() => {})
    return await run
  }

  /** Wait for queued writes, then refuse new ones */
  async stop (): Promise<void> {
    this.stopped = true
    while (this.flushing != null) await this.flushing
  }

  /** Checks that need what the node already holds */
  private async checkAgainstStore (record: ValidRecord): Promise<void> {
    if (record.kind === 'revocation') {
      const target = (record as ValidRecord<'revocation'>).credential.credentialSubject.record
      const known = await this.components.index.get(target)
      if (known != null && known.author !== record.author) {
        throw new InvalidRecordError(`credentialSubject.record: only the author of ${target} (${known.author}) can revoke it`)
      }
    }
  }

  private async enqueue (record: ValidRecord, source: RecordSource): Promise<IngestOutcome> {
    if (this.queue.get(record.cid) == null && this.inFlight.get(record.cid) == null && await this.components.index.has(record.cid)) {
      return { cid: record.cid, status: 'duplicate', record }
    }
    // look again after the await: a concurrent ingest of the same record may have queued it meanwhile
    const waiting = this.queue.get(record.cid) ?? this.inFlight.get(record.cid)
    if (this.queue.size >= this.init.ingest.queueLimit && waiting == null) {
      throw new BusyError(`ingest queue is full (${this.init.ingest.queueLimit} records); retry later`)
    }
    const outcome = new Promise<IngestOutcome>((resolve, reject) => {
      const entry: Pending = { record, source, resolve, reject }
      if (waiting != null) waiting.push(entry)
      else this.queue.set(record.cid, [entry])
    })
    this.scheduleFlush()
    return await outcome
  }

  private scheduleFlush (): void {
    if (this.flushing != null) return
    this.flushing = (async () => {
      // let concurrent callers join the batch before it is cut
      await new Promise(resolve => setImmediate(resolve))
      while (this.queue.size > 0) await this.exclusive(async () => { await this.flushBatch() })
    })().finally(() => {
      this.flushing = undefined
      // a record queued after the loop saw an empty queue, but before this ran, would otherwise wait forever
      if (this.queue.size > 0) this.scheduleFlush()
    })
  }

  private async flushBatch (): Promise<void> {
    const batch: Pending[][] = []
    for (const [cid, entries] of this.queue) {
      batch.push(entries)
      this.queue.delete(cid)
      this.inFlight.set(cid, entries)
      if (batch.length >= this.init.ingest.batchSize) break
    }
    const records = batch.map(entries => entries[0].record)
    try {
      await this.components.store.putRecords(records.map(r => ({ cid: r.cid, bytes: r.bytes })))
      await this.components.index.put(records)
    } catch (err: any) {
      this.log.error({ err, records: records.length }, 'failed to write a batch of records')
      for (const entries of batch) for (const e of entries) e.reject(err)
      return
    } finally {
      for (const r of records) this.inFlight.delete(r.cid)
    }
    for (const entries of batch) {
      const first = entries[0]
      first.resolve({ cid: first.record.cid, status: 'added', record: first.record })
      for (const dup of entries.slice(1)) dup.resolve({ cid: dup.record.cid, status: 'duplicate', record: dup.record })
      this.log.debug({ cid: first.record.cid, kind: first.record.kind, source: first.source }, 'record indexed')
      this.emit('record', { record: first.record, source: first.source })
    }
    if (this.components.parking != null && this.components.parking.count > 0) {
      // not awaited: released records come back through ingest, whose batches this flush loop writes
      void Promise.all(records.map(async r => { await this.release(recordDependency(r.cid)) })).catch(err => {
        this.log.error({ err }, 'failed to release parked records')
      })
    }
  }
}
