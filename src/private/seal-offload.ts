/**
 * Encrypted uploads sealed off the event loop (bench/private-content.ts). On the add path the main thread already
 * hashes every block and drives the writes; sealing there too, through node:crypto's `cipher.update` (which returns a
 * fresh buffer per chunk), added the cipher's time and as many bytes of short-lived buffers again as the upload
 * itself, which V8 pays for in major collections. Past the first batch the process's sealing thread (started on first
 * use, then kept: starting one costs ~200 ms of CPU, more than sealing 100 MiB) seals instead: batches of
 * chunks (BATCH_BYTES of plaintext, one message each way) travel to it and back in a fixed pool of POOL_BUFFERS
 * transferred buffers, gathered in the ciphertext's own layout and sealed in place, so memory stays bounded by the pool
 * (4 MiB) whatever the size of the work and no buffer is allocated per chunk. A work of one batch or less (1 MiB) is
 * sealed on the calling thread, without a worker. The thread is started by the first larger work, and until it has
 * loaded (~100 ms of CPU, on the other core) that work's batches are sealed on the calling thread: waiting for it
 * stalled the add for as long, a fifth of a 256 MiB add's time.
 *
 * The bytes are exactly encryptStream's (test/private/seal-offload.spec.ts). The one difference in contract: a piece
 * yielded here is reused once the consumer asks for the next one, so the consumer must copy what it keeps, as the
 * store's importer does (src/store/importer.ts copies each piece into its own leaf buffers before pulling the next).
 */
import { Worker } from 'node:worker_threads'
import { createSecretKey } from 'node:crypto'
import { TAG_BYTES, payloadKey } from './content-header.ts'
import type { ContentHeader } from './content-header.ts'
import { sealChunksInPlace } from './content-cipher.ts'
import type { EncryptResult } from './content-cipher.ts'
import type { SealJob } from './seal-worker.ts'

/** The sealing thread's first message: it has loaded and takes batches */
export const READY = 'ready'
/** Plaintext bytes per batch (at least one chunk): per-message costs are paid once per batch, not per chunk */
export const BATCH_BYTES = 1024 * 1024
/** Batch buffers in circulation: one filling, the rest sealing or waiting to be consumed */
export const POOL_BUFFERS = 4

interface Shared {
  worker: Worker
  pending: Map<number, { resolve: (job: SealJob) => void, reject: (err: Error) => void }>
  /** the worker has loaded and said so */
  ready: boolean
  loaded: Promise<void>
}
let shared: Shared | undefined
let nextId = 0

/**
 * The process's sealing thread; it holds the process open only while it has batches to seal. Its heap is capped: it
 * keeps nothing but the cipher's short-lived output, and with V8's default limits its isolate added ~90 MB to the
 * peak RSS of a 256 MiB add (323 against 231 MB plain; ~260 MB capped).
 */
function sealer (): Shared {
  if (shared != null) return shared
  const worker = new Worker(new URL('./seal-worker.ts', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 } })
  worker.unref()
  let loaded = (): void => {}
  const s: Shared = { worker, pending: new Map(), ready: false, loaded: new Promise(resolve => { loaded = resolve }) }
  worker.on('message', (job: SealJob | typeof READY) => {
    if (job === READY) { s.ready = true; loaded(); return }
    const waiter = s.pending.get(job.id)
    s.pending.delete(job.id)
    if (s.pending.size === 0) worker.unref()
    waiter?.resolve(job)
  })
  const fail = (err: Error): void => {
    if (shared === s) shared = undefined // the next upload starts a fresh one
    loaded()
    for (const waiter of s.pending.values()) waiter.reject(err)
    s.pending.clear()
  }
  worker.on('error', fail)
  worker.on('exit', code => { fail(new Error(`the sealing worker stopped (code ${code})`)) })
  shared = s
  return s
}

/**
 * Start the sealing thread now, rather than at the first work larger than a batch; resolves once it has loaded (or
 * failed to: a failed start is reported by the next batch sent to it).
 */
export async function startSealer (): Promise<void> {
  await sealer().loaded
}

/** Seal a batch on the sealing thread; the buffer is transferred there and back */
async function sealOff (job: SealJob): Promise<SealJob> {
  const s = sealer()
  return await new Promise((resolve, reject) => {
    if (s.pending.size === 0) s.worker.ref()
    s.pending.set(job.id, { resolve, reject })
    s.worker.postMessage(job, [job.buf])
  })
}

/** The header, then the sealed chunks, a batch per piece; pieces are reused after the next pull */
export async function * encryptStreamRecycled (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, workKey: Uint8Array, header: ContentHeader,
  result: EncryptResult = { plaintextBytes: 0 }): AsyncGenerator<Uint8Array> {
  const rawKey = payloadKey(workKey, header.salt)
  const key = createSecretKey(rawKey)
  const size = header.chunkBytes
  const stride = size + TAG_BYTES
  const perBatch = Math.max(1, Math.floor(BATCH_BYTES / size))
  const free: ArrayBuffer[] = []
  let allocated = 0
  const sent: Array<Promise<SealJob>> = []
  const take = (): ArrayBuffer | undefined => {
    const buf = free.pop()
    if (buf != null) return buf
    if (allocated === POOL_BUFFERS) return undefined
    allocated++
    return new ArrayBuffer(perBatch * stride)
  }
  /** A sealed batch to the consumer; its buffer is free again once the consumer asks for the next piece */
  async function * deliver (job: SealJob): AsyncGenerator<Uint8Array> {
    yield new Uint8Array(job.buf, 0, (job.count - 1) * stride + job.lastLength + TAG_BYTES)
    free.push(job.buf)
  }

  yield header.bytes
  let buf = take() as ArrayBuffer
  let view = new Uint8Array(buf)
  let slot = 0 // the chunk of the batch being gathered
  let filled = 0 // its bytes so far
  let index = 0 // the counter of the batch's first chunk
  let total = 0
  let thread: Shared | undefined
  /**
   * Seal the gathered batch (every chunk full, none final): by the worker once it has loaded, else inline; the
   * first batch is always inline, and the worker is started there, so a work of one batch never starts it. Once a
   * batch has gone to the worker, every later one does too, so batches are delivered in order.
   */
  async function * flush (): AsyncGenerator<Uint8Array> {
    const job: SealJob = { id: nextId++, key: rawKey, header: header.bytes, chunkBytes: size, buf, firstIndex: index, count: perBatch, lastLength: size, final: false }
    index += perBatch
    // the thread this work saw start: if it fails to load, the work is sealed inline to its end rather than start
    // another thread at every batch
    thread ??= sealer()
    if (sent.length === 0 && (job.firstIndex === 0 || !thread.ready)) {
      sealChunksInPlace(key, header, job.firstIndex, job.count, job.lastLength, false, view)
      yield * deliver(job)
    } else {
      const reply = sealOff(job)
      reply.catch(() => {}) // a failed worker fails the stream at the next reply awaited; the others are not left unhandled
      sent.push(reply)
    }
    let next = take()
    while (next == null) {
      yield * deliver(await (sent.shift() as Promise<SealJob>))
      next = take()
    }
    buf = next
    view = new Uint8Array(buf)
    slot = 0
    filled = 0
  }

  try {
    for await (const input of source) {
      let at = 0
      while (at < input.length) {
        // a full chunk (and batch) waits until a byte after it shows it is not the last
        if (filled === size) {
          if (slot === perBatch - 1) yield * flush()
          else { slot++; filled = 0 }
        }
        const n = Math.min(size - filled, input.length - at)
        view.set(n === input.length ? input : input.subarray(at, at + n), slot * stride + filled)
        filled += n
        at += n
      }
      total += input.length
    }
    // the last batch, holding the final chunk, is sealed here once every batch sent before it is delivered
    while (sent.length > 0) yield * deliver(await (sent.shift() as Promise<SealJob>))
    const last: SealJob = { id: -1, key: rawKey, header: header.bytes, chunkBytes: size, buf, firstIndex: index, count: slot + 1, lastLength: filled, final: true }
    sealChunksInPlace(key, header, last.firstIndex, last.count, last.lastLength, true, view)
    yield * deliver(last)
    result.plaintextBytes = total
  } finally {
    // batches still sealing (a consumer that stopped early) are dropped with their buffers when they come back
    sent.length = 0
  }
}
