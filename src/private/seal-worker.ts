/**
 * The sealing thread of large encrypted uploads (src/private/seal-offload.ts), one per process, shared by uploads:
 * each message is a batch of one work's chunks, plaintext laid out as the ciphertext will be (chunk + tag bytes
 * apart) in a transferred buffer, with that work's payload key and header; it is sealed in place and the same buffer
 * is sent back, so the buffers circulate and neither thread allocates one per batch.
 */
import { parentPort } from 'node:worker_threads'
import { createSecretKey } from 'node:crypto'
import { sealChunksInPlace } from './content-cipher.ts'
import { READY } from './seal-offload.ts'

export interface SealJob { id: number, key: Uint8Array, header: Uint8Array, chunkBytes: number, buf: ArrayBuffer, firstIndex: number, count: number, lastLength: number, final: boolean }

parentPort?.on('message', (job: SealJob) => {
  sealChunksInPlace(createSecretKey(job.key), { bytes: job.header, chunkBytes: job.chunkBytes }, job.firstIndex, job.count, job.lastLength, job.final, new Uint8Array(job.buf))
  parentPort?.postMessage(job, [job.buf])
})
parentPort?.postMessage(READY)
