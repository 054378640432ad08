/**
 * GroupCommit: the record service's write queue. Concurrent ingests queue their validated records here and are
 * written in batches (each record's body and index entries in one Level batch: a record is stored and indexed together
 * or not at all), so throughput does not pay one Level batch per record. The queue is bounded: when it is full, a new
 * record gets a BusyError instead of the node growing without limit. A record queued twice (two deliveries at once)
 * is written once; the second caller is told it is a duplicate.
 */
import { BusyError } from '../errors.ts'
import type { ValidRecord } from '../records/types.ts'
import type { IngestOutcome, RecordSource } from './record-types.ts'

/** One caller waiting for its record to be written */
export interface Pending {
  record: ValidRecord
  source: RecordSource
  /** held in the parking lot: its entry goes once the record is indexed */
  held: boolean
  resolve: (o: IngestOutcome) => void
  reject: (err: Error) => void
}

export interface GroupCommitInit {
  /** records that may wait to be written */
  queueLimit: number
  /** records a batch writes at most */
  batchSize: number
}

export interface GroupCommitSteps {
  /** Write a batch (one entry list per record, its first entry the one that queued it); resolves to the CIDs added */
  write: (batch: Pending[][]) => Promise<Set<string>>
  /** Answer the callers of a written batch, after the records left the in-flight set (a delivery arriving now finds them indexed) */
  settle: (batch: Pending[][], added: Set<string>) => Promise<void>
  /** Runs each batch with nothing else writing meanwhile (the service's write lock) */
  exclusive: (fn: () => Promise<void>) => Promise<void>
}

export class GroupCommit {
  private readonly init: GroupCommitInit
  private readonly steps: GroupCommitSteps
  private readonly queue = new Map<string, Pending[]>()
  private readonly inFlight = new Map<string, Pending[]>()
  private flushing: Promise<void> | undefined

  constructor (init: GroupCommitInit, steps: GroupCommitSteps) {
    this.init = init
    this.steps = steps
  }

  /** Records queued or being written */
  get depth (): number { return this.queue.size + this.inFlight.size }

  /** True while batches are being written */
  get busy (): boolean { return this.flushing != null }

  /** True when `cid` is queued or being written */
  has (cid: string): boolean { return this.queue.has(cid) || this.inFlight.has(cid) }

  /** Resolves when the queued or in-flight record `cid` is written (or refused); undefined when it is neither */
  written (cid: string): Promise<void> | undefined {
    const pending = this.queue.get(cid) ?? this.inFlight.get(cid)
    if (pending == null) return undefined
    return new Promise<void>(resolve => {
      pending.push({ record: pending[0].record, source: pending[0].source, held: false, resolve: () => { resolve() }, reject: () => { resolve() } })
    })
  }

  /** Resolves once no batch is being written */
  async drained (): Promise<void> {
    while (this.flushing != null) await this.flushing
  }

  /**
   * Queue a record for the next batch; one counted meanwhile by a concurrent delivery is found by the batch write
   * (which skips what the index holds) and answered as a duplicate
   */
  async enqueue (record: ValidRecord, source: RecordSource, held: boolean): Promise<IngestOutcome> {
    const waiting = this.queue.get(record.cid) ?? this.inFlight.get(record.cid)
    if (this.queue.size >= this.init.queueLimit && waiting == null) {
      throw new BusyError(`ingest queue is full (${this.init.queueLimit} records); retry later`)
    }
    const outcome = new Promise<IngestOutcome>((resolve, reject) => {
      const entry: Pending = { record, source, held, resolve, reject }
      if (waiting != null) waiting.push(entry)
      else this.queue.set(record.cid, [entry])
    })
    this.schedule()
    return await outcome
  }

  /**
   * Queue many records at once, answered together once each is written or refused (an outcome or the error in its
   * place): a sync group costs one promise, not one a record. The queue bound is checked once for the group, so the
   * queue may pass it by one group.
   */
  async enqueueMany (items: Array<{ record: ValidRecord, held: boolean }>, source: RecordSource): Promise<Array<IngestOutcome | Error>> {
    const out = new Array<IngestOutcome | Error>(items.length)
    if (items.length === 0) return out
    if (this.queue.size >= this.init.queueLimit) {
      const busy = new BusyError(`ingest queue is full (${this.init.queueLimit} records); retry later`)
      return out.fill(busy)
    }
    const outcome = new Promise<Array<IngestOutcome | Error>>(resolve => {
      let left = items.length
      for (let i = 0; i < items.length; i++) {
        const answer = (o: IngestOutcome | Error): void => {
          out[i] = o
          if (--left === 0) resolve(out)
        }
        const { record, held } = items[i]
        const entry: Pending = { record, source, held, resolve: answer, reject: answer }
        const waiting = this.queue.get(record.cid) ?? this.inFlight.get(record.cid)
        if (waiting != null) waiting.push(entry)
        else this.queue.set(record.cid, [entry])
      }
    })
    this.schedule()
    return await outcome
  }

  private schedule (): void {
    if (this.flushing != null) return
    this.flushing = (async () => {
      // let concurrent callers join the batch before it is cut
      await new Promise(resolve => setImmediate(resolve))
      while (this.queue.size > 0) await this.steps.exclusive(async () => { await this.flushBatch() })
    })().finally(() => {
      this.flushing = undefined
      // a record queued after the loop saw an empty queue, but before this ran, would otherwise wait forever
      if (this.queue.size > 0) this.schedule()
    })
  }

  private async flushBatch (): Promise<void> {
    const batch: Pending[][] = []
    for (const [cid, entries] of this.queue) {
      batch.push(entries)
      this.queue.delete(cid)
      this.inFlight.set(cid, entries)
      if (batch.length >= this.init.batchSize) break
    }
    let added: Set<string>
    try {
      added = await this.steps.write(batch)
    } catch (err: any) {
      for (const entries of batch) for (const e of entries) e.reject(err)
      return
    } finally {
      for (const entries of batch) this.inFlight.delete(entries[0].record.cid)
    }
    await this.steps.settle(batch, added)
  }
}
