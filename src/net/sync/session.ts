/**
 * One sync session over one stream, initiator or responder: the reconciliation rounds, the records each side owes
 * the other, and the ingest of what arrives. The protocol's order of frames (protocols/sync.md §3) is enforced
 * here; the frames themselves are the codec's, the set logic the Reconciler's.
 *
 * Three things run at once, so neither side can stall the other:
 *   - the reader loop takes frames in order: it answers reconcile messages at once (control frames are small and
 *     written without waiting), queues the records it owes, and ingests records with bounded concurrency (when
 *     ingest falls behind, the reader stops and the stream's flow control slows the peer down);
 *   - the record sender fetches owed records from the source in batches and writes them at the peer's pace, then
 *     writes DONE once the reconciliation is over and nothing is owed;
 *   - ingests in flight, awaited before the session reports.
 */
import { hash } from 'node:crypto'
import { INGEST_GROUP, MAX_IDS_PER_WANT, MAX_RECORD_FRAME_BYTES, RECORD_FETCH_BATCH } from './constants.ts'
import { SyncLimitError, SyncProtocolError, TooManyRejectedError, UnsolicitedRecordError, errorFromWire } from './errors.ts'
import { recordCidFromDigest } from '../../records/cid.ts'
import { Reconciler } from './reconcile.ts'
import type { FramedStream } from './framing.ts'
import type { ReconcileOptions, ReconcileStep } from './reconcile.ts'
import type { SyncMessage } from './codec.ts'
import type { IngestResult, SyncSource, SyncStats } from './index.ts'
import type { Logger, PeerId } from '@libp2p/interface'

export interface SessionInit {
  role: 'initiator' | 'responder'
  io: FramedStream
  peer: PeerId
  source: SyncSource
  reconcile: ReconcileOptions
  ingestConcurrency: number
  ingestBytes: number
  /** reconcile messages accepted from the peer */
  maxRounds: number
  maxRejected: number
  maxRecordBytes: number
  /** fires on caller abort, deadline or service stop */
  signal: AbortSignal
  log: Logger
}

/** Records owed to the peer: a run of our items, or ids the peer asked for */
type Job = { kind: 'run', start: number, end: number } | { kind: 'ids', ids: Uint8Array[] }

/** The state of one session */
export class Session {
  readonly stats: SyncStats
  private readonly init: SessionInit
  private readonly io: FramedStream
  private readonly started = performance.now()
  private reconciler: Reconciler | undefined
  private scope = ''
  private reconcileDone = false
  private doneReceived = false
  /** set when the reader failed: the sender then stops without writing DONE */
  private failed = false
  private readonly jobs: Job[] = []
  private jobWaiter: (() => void) | undefined
  private received = 0
  /** ids the peer asked for in WANT frames, each served once */
  private readonly wanted = new Set<string>()
  private ingesting = 0
  private ingestingBytes = 0
  private ingestWaiter: (() => void) | undefined
  /** records received and not yet handed to `ingestMany`, with their bytes */
  private group: Array<{ bytes: Uint8Array, id: Uint8Array }> = []
  private groupBytes = 0
  private handOverScheduled = false

  constructor (init: SessionInit) {
    this.init = init
    this.io = init.io
    this.stats = {
      scope: '',
      peer: init.peer.toString(),
      role: init.role,
      rounds: 0,
      bytesSent: 0,
      bytesReceived: 0,
      recordsSent: 0,
      recordsReceived: 0,
      recordsAdded: 0,
      recordsDuplicate: 0,
      recordsParked: 0,
      recordsRejected: 0,
      recordsUnsolicited: 0,
      ms: 0
    }
  }

  /** Initiator: open the session for `scope` with our first message, then run it to the end */
  async initiate (scope: string): Promise<void> {
    this.setScope(scope)
    const reconciler = await this.loadItems(scope)
    this.io.send({ type: 'open', scope, ranges: reconciler.initiate() })
    this.stats.rounds++
    await this.run()
  }

  /**
   * Responder: answer a first frame that was an OPEN for a scope we serve (the service checked both). Then run
   * the session to the end.
   */
  async respond (scope: string, first: SyncMessage & { type: 'open' }): Promise<void> {
    this.setScope(scope)
    const reconciler = await this.loadItems(scope)
    if (first.ranges.length === 0) throw new SyncProtocolError('OPEN without ranges')
    this.stats.rounds++
    this.answer(reconciler.reconcile(first.ranges))
    await this.run()
  }

  /** Update the byte counts and the wall time from the stream */
  finishStats (): SyncStats {
    this.stats.bytesSent = this.io.bytesSent
    this.stats.bytesReceived = this.io.bytesReceived
    this.stats.ms = Math.round(performance.now() - this.started)
    return this.stats
  }

  private setScope (scope: string): void {
    this.scope = scope
    this.stats.scope = scope
  }

  private async loadItems (scope: string): Promise<Reconciler> {
    const items = await this.init.source.items(scope, { signal: this.init.signal, peer: this.init.peer.toString() })
    this.reconciler = new Reconciler(items, this.init.reconcile)
    return this.reconciler
  }

  /** The reader loop, with the record sender beside it; resolves when both sides said DONE and ingest settled */
  private async run (): Promise<void> {
    // a failing sender must end the reader too, with the sender's error (so the peer is told why)
    const senderFailed = new AbortController()
    const signal = AbortSignal.any([this.init.signal, senderFailed.signal])
    const sender = this.sendRecords()
    sender.catch((err) => { senderFailed.abort(err) })
    try {
      while (!this.doneReceived) {
        const msg = await this.io.read(signal)
        if (msg == null) throw new SyncProtocolError('the peer closed the stream before DONE')
        await this.dispatch(msg)
      }
      await sender
      await this.settleIngests()
      if (this.init.role === 'initiator') {
        // the responder closes its end once its own ingests settled: only then is the session done for both
        const after = await this.io.read(signal)
        if (after?.type === 'error') throw errorFromWire(after.code, after.message)
        if (after != null) throw new SyncProtocolError(`${after.type.toUpperCase()} after DONE`)
      }
    } catch (err) {
      // stop the sender without a DONE
      this.failed = true
      this.jobs.length = 0
      this.wakeSender()
      throw err
    }
  }

  /** Handle one incoming message (the dispatch of protocols/sync.md §3) */
  private async dispatch (msg: SyncMessage): Promise<void> {
    switch (msg.type) {
      case 'reconcile':
        if (this.reconcileDone) throw new SyncProtocolError('RECONCILE after the reconciliation ended')
        // a peer that never lets the ranges settle would otherwise keep us splitting until the deadline
        if (++this.received > this.init.maxRounds) throw new SyncLimitError(`more than ${this.init.maxRounds} reconcile messages`)
        // both sides report the initiator's reconcile messages as the rounds
        if (this.init.role === 'responder') this.stats.rounds++
        if (msg.ranges.length === 0) {
          this.endReconciliation()
        } else {
          this.answer(this.reconciler!.reconcile(msg.ranges))
        }
        return
      case 'want':
        if (this.reconcileDone) throw new SyncProtocolError('WANT after the reconciliation ended')
        // WANTs are control messages too: a peer sending them without end is ended like one that keeps reconciling
        if (++this.received > this.init.maxRounds) throw new SyncLimitError(`more than ${this.init.maxRounds} reconcile and want messages`)
        this.acceptWant(msg.ids)
        return
      case 'record':
        if (this.doneReceived) throw new SyncProtocolError('RECORD after DONE')
        await this.receiveRecord(msg.bytes)
        return
      case 'done':
        if (!this.reconcileDone) throw new SyncProtocolError('DONE before the reconciliation ended')
        this.doneReceived = true
        return
      case 'error':
        throw errorFromWire(msg.code, msg.message)
      case 'open':
        throw new SyncProtocolError('OPEN in the middle of a session')
    }
  }

  /** Send what a reconcile step produced: owed records queued, WANTs, then our reply (empty = we are done) */
  private answer (step: ReconcileStep): void {
    for (const run of step.send) this.queue({ kind: 'run', start: run.start, end: run.end })
    for (let k = 0; k < step.want.length; k += MAX_IDS_PER_WANT) {
      this.io.send({ type: 'want', ids: step.want.slice(k, k + MAX_IDS_PER_WANT) })
    }
    this.io.send({ type: 'reconcile', ranges: step.reply })
    if (this.init.role === 'initiator') this.stats.rounds++
    if (step.reply.length === 0) this.endReconciliation()
  }

  private endReconciliation (): void {
    this.reconcileDone = true
    this.wakeSender()
  }

  /** The peer asks for ids: serve those we offered in an IDLIST, each once per session; ignore any other */
  private acceptWant (ids: Uint8Array[]): void {
    const fresh: Uint8Array[] = []
    for (const id of ids) {
      if (!this.reconciler!.wasOffered(id)) continue
      // at most one entry per offered id, so this set is bounded by what we offered
      const key = Buffer.from(id).toString('base64')
      if (this.wanted.has(key)) continue
      this.wanted.add(key)
      fresh.push(id)
    }
    if (fresh.length < ids.length) this.init.log('peer asked for %d ids never offered or asked for already; ignored', ids.length - fresh.length)
    if (fresh.length > 0) this.queue({ kind: 'ids', ids: fresh })
  }

  private queue (job: Job): void {
    this.jobs.push(job)
    this.wakeSender()
  }

  private wakeSender (): void {
    const wake = this.jobWaiter
    this.jobWaiter = undefined
    wake?.()
  }

  /** The record sender; when the stream can no longer be written, it stops and leaves the reason to the reader */
  private async sendRecords (): Promise<void> {
    try {
      await this.sendAll()
    } catch (err) {
      // the peer reset or closed the stream: the reader will find out why (an ERROR frame is often still buffered)
      if (this.io.stream.writeStatus !== 'writable' && !this.init.signal.aborted) return
      throw err
    }
  }

  /** Drain the jobs, fetching records in batches; DONE once nothing more can be owed */
  private async sendAll (): Promise<void> {
    const { source, signal } = this.init
    for (;;) {
      if (this.failed) return
      const job = this.jobs.shift()
      if (job == null) {
        if (this.reconcileDone) break
        await new Promise<void>(resolve => { this.jobWaiter = resolve })
        continue
      }
      for (const batch of batches(job, this.reconciler!)) {
        for await (const bytes of source.getRecords(batch, { signal })) {
          if (this.failed) return
          signal.throwIfAborted()
          if (bytes.length === 0 || bytes.length > MAX_RECORD_FRAME_BYTES) {
            // no peer could accept it (protocols/sync.md §6); the rest still goes
            this.init.log.error('not sending a record of %d bytes: outside the protocol limit', bytes.length)
            continue
          }
          await this.io.write({ type: 'record', bytes }, signal)
          this.stats.recordsSent++
        }
        // what this batch left queued goes out now, not after the next fetch
        await this.io.flush(signal)
      }
    }
    signal.throwIfAborted()
    this.io.send({ type: 'done' })
  }

  /** Ingest one received record, waiting first while `ingestConcurrency` records or `ingestBytes` bytes are in flight */
  private async receiveRecord (bytes: Uint8Array): Promise<void> {
    this.stats.recordsReceived++
    if (bytes.length > this.init.maxRecordBytes) {
      this.rejected(new SyncProtocolError(`record of ${bytes.length} bytes over the ${this.init.maxRecordBytes}-byte limit`))
      this.checkRejected()
      return
    }
    // only what we asked for, once (protocols/sync.md §3.3, §8): anything else is refused before ingest sees it,
    // so a peer cannot push records nobody asked for, nor make the node judge one record twice in a session
    const id = new Uint8Array(hash('sha256', bytes, 'buffer'))
    if (!this.reconciler!.solicits(id, this.init.source.timestampOf(bytes))) {
      this.stats.recordsUnsolicited++
      this.rejected(new UnsolicitedRecordError('a record this session never asked for, or received already'))
      this.checkRejected()
      return
    }
    while (this.ingesting >= this.init.ingestConcurrency || (this.ingesting > 0 && this.ingestingBytes + bytes.length > this.init.ingestBytes)) {
      // what waits in the group is handed over first: only handed-over records can settle
      this.handOver()
      await this.ingestSettled()
    }
    this.ingesting++
    this.ingestingBytes += bytes.length
    const { source, peer, signal } = this.init
    if (source.ingestMany != null) {
      this.group.push({ bytes, id })
      this.groupBytes += bytes.length
      if (this.group.length >= INGEST_GROUP) this.handOver()
      else if (!this.handOverScheduled) {
        // the records of one read of the stream (decoded before the next I/O callback) go as one group
        this.handOverScheduled = true
        setImmediate(() => {
          this.handOverScheduled = false
          this.handOver()
        })
      }
      this.checkRejected()
      return
    }
    source.ingest(bytes, { scope: this.scope, peer, signal, id })
      .then((result) => { this.count(result) }, (err) => { this.rejected(err) })
      .finally(() => {
        this.ingesting--
        this.ingestingBytes -= bytes.length
        const wake = this.ingestWaiter
        this.ingestWaiter = undefined
        wake?.()
      })
      .catch((err: Error) => { this.init.log.error('sync ingest bookkeeping failed: %e', err) })
    // reported here rather than in the callbacks, so the loop (not an orphan promise) throws it
    this.checkRejected()
  }

  /** Hand the records gathered so far to the source's `ingestMany`, as one group */
  private handOver (): void {
    const group = this.group
    if (group.length === 0) return
    const bytes = this.groupBytes
    this.group = []
    this.groupBytes = 0
    const { source, peer, signal } = this.init
    const ingestMany = source.ingestMany as NonNullable<SyncSource['ingestMany']>
    let run: Promise<IngestResult[]>
    try {
      run = ingestMany.call(source, group, { scope: this.scope, peer, signal })
    } catch (err) {
      // a source that throws at once must not throw out of a timer callback
      run = Promise.reject(err)
    }
    run
      .then((results) => { for (const r of results) this.count(r) }, (err) => { for (let k = 0; k < group.length; k++) this.rejected(err) })
      .finally(() => {
        this.ingesting -= group.length
        this.ingestingBytes -= bytes
        const wake = this.ingestWaiter
        this.ingestWaiter = undefined
        wake?.()
      })
      .catch((err: Error) => { this.init.log.error('sync ingest bookkeeping failed: %e', err) })
  }

  private count (result: IngestResult): void {
    switch (result) {
      case 'added': this.stats.recordsAdded++; break
      case 'duplicate': this.stats.recordsDuplicate++; break
      case 'parked': this.stats.recordsParked++; break
      default: this.rejected(undefined)
    }
  }

  private rejected (err: unknown): void {
    this.stats.recordsRejected++
    this.init.log('record from %s refused: %s', this.stats.peer, (err as Error | undefined)?.message ?? 'rejected by ingest')
  }

  private checkRejected (): void {
    if (this.stats.recordsRejected > this.init.maxRejected) {
      throw new TooManyRejectedError(`the peer sent ${this.stats.recordsRejected} refused records (limit ${this.init.maxRejected})`)
    }
  }

  /** Wait for every ingest in flight */
  private async settleIngests (): Promise<void> {
    this.handOver()
    while (this.ingesting > 0) await this.ingestSettled()
    this.checkRejected()
  }

  /** Resolves when an ingest in flight settles; rejects when the session is cancelled meanwhile */
  private async ingestSettled (): Promise<void> {
    const signal = this.init.signal
    signal.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
      this.ingestWaiter = () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
    })
  }
}

/** The record CID strings of a job, RECORD_FETCH_BATCH at a time (a run of 100,000 items never becomes one array) */
function * batches (job: Job, reconciler: Reconciler): Generator<string[]> {
  if (job.kind === 'ids') {
    for (let k = 0; k < job.ids.length; k += RECORD_FETCH_BATCH) yield job.ids.slice(k, k + RECORD_FETCH_BATCH).map(recordCidFromDigest)
    return
  }
  for (let i = job.start; i < job.end; i += RECORD_FETCH_BATCH) {
    const cids: string[] = []
    for (let k = i; k < Math.min(job.end, i + RECORD_FETCH_BATCH); k++) cids.push(recordCidFromDigest(reconciler.items.id(k)))
    yield cids
  }
}
