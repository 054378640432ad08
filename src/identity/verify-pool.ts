/**
 * VerifyPool: Ed25519 verification on worker threads, so the main thread can parse, store and index records while
 * signatures are checked beside it. Requests made in the same tick are sent as one batch to the least busy worker,
 * which keeps messaging cheap. Verification is the largest cost of ingesting a record (~140 µs of ~300 µs here).
 */
import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { NotReadyError } from '../errors.ts'

/** Largest batch sent to one worker at once */
const MAX_BATCH = 512

export interface VerifyPoolInit {
  /** worker threads. @default availableParallelism() - 1, at least 1 */
  workers?: number
}

interface Waiting {
  resolve: (ok: boolean) => void
  reject: (err: Error) => void
}

interface WorkerState {
  worker: Worker
  inFlight: number
  batches: Map<number, Waiting[]>
}

/** Ed25519 verification on a pool of worker threads */
export class VerifyPool {
  private readonly size: number
  private readonly workers: WorkerState[] = []
  private queue: Array<{ item: [Uint8Array, Uint8Array, Uint8Array], waiting: Waiting }> = []
  private scheduled = false
  private nextId = 0
  private running = false

  constructor (init: VerifyPoolInit = {}) {
    this.size = Math.max(1, init.workers ?? availableParallelism() - 1)
  }

  start (): void {
    if (this.running) return
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(new URL('./verify-worker.ts', import.meta.url))
      const state: WorkerState = { worker, inFlight: 0, batches: new Map() }
      worker.on('message', (msg: { id: number, results: Uint8Array }) => {
        const batch = state.batches.get(msg.id)
        if (batch == null) return
        state.batches.delete(msg.id)
        state.inFlight -= batch.length
        for (let j = 0; j < batch.length; j++) batch[j].resolve(msg.results[j] === 1)
      })
      worker.on('error', (err) => {
        for (const batch of state.batches.values()) for (const w of batch) w.reject(err)
        state.batches.clear()
        state.inFlight = 0
      })
      worker.unref()
      this.workers.push(state)
    }
    this.running = true
  }

  /** True when `signature` over `data` verifies against `publicKey` */
  async verify (signature: Uint8Array, data: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
    if (!this.running) throw new NotReadyError('the verification pool is not started')
    return await new Promise<boolean>((resolve, reject) => {
      this.queue.push({ item: [signature, data, publicKey], waiting: { resolve, reject } })
      if (!this.scheduled) {
        this.scheduled = true
        queueMicrotask(() => { this.dispatch() })
      }
    })
  }

  private dispatch (): void {
    this.scheduled = false
    while (this.queue.length > 0) {
      const part = this.queue.splice(0, MAX_BATCH)
      let target = this.workers[0]
      for (const w of this.workers) if (w.inFlight < target.inFlight) target = w
      const id = this.nextId++
      target.batches.set(id, part.map(p => p.waiting))
      target.inFlight += part.length
      target.worker.postMessage({ id, items: part.map(p => p.item) })
    }
  }

  async stop (): Promise<void> {
    this.running = false
    const err = new NotReadyError('the verification pool stopped')
    for (const { waiting } of this.queue.splice(0)) waiting.reject(err)
    await Promise.all(this.workers.splice(0).map(async w => {
      for (const batch of w.batches.values()) for (const x of batch) x.reject(err)
      await w.worker.terminate()
    }))
  }
}
