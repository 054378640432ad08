/**
 * ValidationPool: record validation on worker threads (piscina), so both cores ingest.
 *
 * - `validate(bytes)`: the whole validation of a record received as bytes (parse, schema, canonical form, CID,
 *   signature) on a worker; the main thread parses the canonical bytes once more for the credential object, which
 *   costs a fraction of the rest. What comes back is what `validateRecord` returns, or the same typed error.
 * - `verify(...)`: one Ed25519 check, for records validated on the main thread (inputs that are not bytes).
 * At most two tasks per worker are in flight; calls made meanwhile wait here and go as one task of up to BATCH
 * items when a task returns, so under load batches grow and messaging costs little per record. What waits is
 * bounded (`maxWaiting` items: beyond it a BusyError the caller can retry); piscina replaces a worker that dies.
 */
import { availableParallelism } from 'node:os'
import { Piscina } from 'piscina'
import * as errors from '../errors.ts'
import { BusyError, NotReadyError } from '../errors.ts'
import type { RecordKind, ValidRecord } from '../records/types.ts'

/** Cores of this machine, read once: the call is not free */
const CORES = availableParallelism()

/** Items per worker task */
const BATCH = 256

/**
 * Each worker's old generation, MiB. Left to V8, a worker's heap may grow to the process's own limit (4 GiB on a
 * 24 GiB machine) and its growing factor is then the largest V8 has (up to 4× the live size between major GCs). A
 * worker keeps its code and a batch's results (the records themselves arrive as ArrayBuffers, off this heap): the long
 * fuzz run measured at most 18 MiB used per worker, so 64 MiB leaves 3.5× headroom, and the smaller limit also makes
 * V8 grow the heap by less (1.3×) before it collects. A worker that still runs out is replaced by piscina, and the
 * records of its task fail as internal errors, not the daemon.
 */
const WORKER_OLD_GENERATION_MIB = 64

/** What a worker is asked */
export type ValidationTask =
  | { op: 'verify', items: Array<[Uint8Array, Uint8Array, Uint8Array]> }
  | { op: 'validate', items: Uint8Array[], maxBytes: number }

/** A validated record as a worker sends it back (the credential is parsed on the caller's side) */
export type WireRecord =
  | { cid: string, bytes?: Uint8Array, kind: RecordKind, time: number }
  | { error: { name: string, message: string, details?: Record<string, unknown> } }

export type ValidationResult =
  | { op: 'verify', results: Uint8Array }
  | { op: 'validate', records: WireRecord[] }

export interface ValidationPoolInit {
  /** worker threads. @default availableParallelism() */
  workers?: number
  /** largest record accepted, bytes */
  maxRecordBytes: number
  /** items that may wait for a worker. @default 16384 */
  maxWaiting?: number
}

interface Waiting<T> { resolve: (v: T) => void, reject: (err: Error) => void }

const decoder = new TextDecoder()
const ERROR_CLASSES = new Map<string, new (message: string, options?: errors.AtelierErrorOptions) => Error>()
for (const value of Object.values(errors)) {
  if (typeof value === 'function' && value.prototype instanceof errors.AtelierError) ERROR_CLASSES.set(value.name, value as any)
}

/** The typed error a worker reported, rebuilt (an unknown name is an internal error) */
function rebuild (e: { name: string, message: string, details?: Record<string, unknown> }): Error {
  const Class = ERROR_CLASSES.get(e.name)
  if (Class == null) return new Error(`record validation failed on a worker: ${e.name}: ${e.message}`)
  return new Class(e.message, e.details != null ? { details: e.details } : {})
}

export class ValidationPool {
  private readonly init: ValidationPoolInit
  private pool?: Piscina<ValidationTask, ValidationResult>
  private verifyQueue: Array<{ item: [Uint8Array, Uint8Array, Uint8Array], waiting: Waiting<boolean> }> = []
  private validateQueue: Array<{ bytes: Uint8Array, waiting: Waiting<ValidRecord> }> = []
  private scheduled = false
  private inFlight = 0

  constructor (init: ValidationPoolInit) {
    this.init = init
  }

  get threads (): number { return this.init.workers ?? CORES }

  start (): void {
    if (this.pool != null) return
    const threads = this.threads
    this.pool = new Piscina<ValidationTask, ValidationResult>({
      filename: new URL('./validation-worker.ts', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      // the pool never queues more than this class keeps in flight
      maxQueue: 2 * threads,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MIB }
    })
  }

  async stop (): Promise<void> {
    const pool = this.pool
    this.pool = undefined
    const err = new NotReadyError('the validation pool stopped')
    for (const q of this.verifyQueue.splice(0)) q.waiting.reject(err)
    for (const q of this.validateQueue.splice(0)) q.waiting.reject(err)
    await pool?.destroy()
  }

  /** Each worker's V8 heap (used and total bytes), for the node's metrics; empty while the pool is stopped */
  async heapStatistics (): Promise<Array<{ used: number, total: number }>> {
    const threads = this.pool?.threads ?? []
    const stats = await Promise.all(threads.map(async w => await w.getHeapStatistics().catch(() => undefined)))
    return stats.filter(s => s != null).map(s => ({ used: s.used_heap_size, total: s.total_heap_size }))
  }

  /** True when `signature` over `data` verifies against `publicKey` */
  async verify (signature: Uint8Array, data: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
    this.admit()
    return await new Promise<boolean>((resolve, reject) => {
      this.verifyQueue.push({ item: [signature, data, publicKey], waiting: { resolve, reject } })
      this.schedule()
    })
  }

  /** The whole validation of a record's bytes; resolves as `validateRecord` returns, rejects with its error */
  async validate (bytes: Uint8Array): Promise<ValidRecord> {
    this.admit()
    return await new Promise<ValidRecord>((resolve, reject) => {
      this.validateQueue.push({ bytes, waiting: { resolve, reject } })
      this.schedule()
    })
  }

  /**
   * The whole validation of many records' bytes, each answered in place: a record or the error `validate` would
   * reject with. One promise for the lot (a sync session hands over a group at a time), so the records' results
   * cost no promise each; the items still go to the workers in tasks of up to BATCH with other callers' items.
   */
  async validateMany (items: Uint8Array[]): Promise<Array<ValidRecord | Error>> {
    this.admit()
    const out = new Array<ValidRecord | Error>(items.length)
    if (items.length === 0) return out
    return await new Promise<Array<ValidRecord | Error>>(resolve => {
      let left = items.length
      for (let i = 0; i < items.length; i++) {
        const answer = (v: ValidRecord | Error): void => {
          out[i] = v
          if (--left === 0) resolve(out)
        }
        this.validateQueue.push({ bytes: items[i], waiting: { resolve: answer, reject: answer } })
      }
      this.schedule()
    })
  }

  private admit (): void {
    if (this.pool == null) throw new NotReadyError('the validation pool is not started')
    const waiting = this.verifyQueue.length + this.validateQueue.length
    const limit = this.init.maxWaiting ?? 16384
    if (waiting >= limit) throw new BusyError(`record validation is backed up (${waiting} records waiting); retry later`)
  }

  private schedule (): void {
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => {
      this.scheduled = false
      this.dispatch()
    })
  }

  private dispatch (): void {
    const pool = this.pool
    const slots = 2 * this.threads
    while (this.verifyQueue.length > 0 && this.inFlight < slots) {
      const part = this.verifyQueue.splice(0, BATCH)
      this.submit(pool, { op: 'verify', items: part.map(p => p.item) }, part.map(p => p.waiting), result => {
        if (result.op !== 'verify') throw new Error('verify task answered with another kind')
        part.forEach((p, i) => { p.waiting.resolve(result.results[i] === 1) })
      })
    }
    while (this.validateQueue.length > 0 && this.inFlight < slots) {
      const part = this.validateQueue.splice(0, BATCH)
      this.submit(pool, { op: 'validate', items: part.map(p => p.bytes), maxBytes: this.init.maxRecordBytes }, part.map(p => p.waiting), result => {
        if (result.op !== 'validate') throw new Error('validate task answered with another kind')
        part.forEach((p, i) => {
          const w = result.records[i]
          if ('error' in w) { p.waiting.reject(rebuild(w.error)); return }
          let record: ValidRecord
          try {
            record = toRecord(w, p.bytes)
          } catch (err: any) {
            p.waiting.reject(err); return
          }
          p.waiting.resolve(record)
        })
      })
    }
  }

  private submit (pool: Piscina<ValidationTask, ValidationResult> | undefined, task: ValidationTask, waiting: Array<Waiting<any>>, done: (r: ValidationResult) => void): void {
    const fail = (err: Error): void => { for (const w of waiting) w.reject(err) }
    if (pool == null) { fail(new NotReadyError('the validation pool stopped')); return }
    this.inFlight++
    pool.run(task).then(done, fail).catch(fail).finally(() => {
      this.inFlight--
      if (this.verifyQueue.length + this.validateQueue.length > 0) this.schedule()
    }).catch(fail) // the pool has no log: a failure of this bookkeeping goes to the callers (no-op once settled)
  }
}

/** A worker's answer as a ValidRecord: the credential parsed from the canonical bytes */
function toRecord (w: Extract<WireRecord, { cid: string }>, input: Uint8Array): ValidRecord {
  const bytes = w.bytes ?? input
  const credential = JSON.parse(decoder.decode(bytes))
  const record: ValidRecord = { cid: w.cid, bytes, credential, kind: w.kind, author: credential.issuer, time: w.time }
  if (credential.previous !== undefined) record.previous = credential.previous
  if (credential.collective !== undefined) record.collective = credential.collective
  return record
}
