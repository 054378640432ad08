/**
 * The machine's own limit for record validation: one thread, then every core at once (a worker thread per core,
 * each validating the same records with no messaging between them). On a machine whose cores share execution
 * units (SMT siblings behind the virtual CPUs, or a busy host) the second figure is well under cores × the first,
 * and no ingest pipeline can do better than it.
 */
import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { validateRecord } from '../src/records/index.ts'
import { nativeCrypto } from '../src/identity/index.ts'

export interface ValidationCeiling {
  threads: number
  /** records per second validated by one thread */
  oneThreadPerSecond: number
  /** records per second validated by `threads` threads together */
  allThreadsPerSecond: number
  /** CPU per record on one thread, and on each of the threads when all run, µs */
  oneThreadCpuUs: number
  allThreadsCpuUs: number[]
}

export async function validationCeiling (payloads: Uint8Array[], threads = availableParallelism()): Promise<ValidationCeiling> {
  for (let r = 0; r < 2; r++) for (const p of payloads) validateRecord(p, { crypto: nativeCrypto })
  const c0 = process.threadCpuUsage()
  let t = performance.now()
  for (const p of payloads) validateRecord(p, { crypto: nativeCrypto })
  const oneMs = performance.now() - t
  const c = process.threadCpuUsage(c0)
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./validation-ceiling-worker.ts', import.meta.url), { workerData: { payloads } }))
  try {
    await Promise.all(workers.map(async w => await new Promise(resolve => w.once('message', resolve))))
    t = performance.now()
    const results = await Promise.all(workers.map(async w => {
      const done = new Promise<{ ms: number, cpuUs: number }>((resolve, reject) => { w.once('message', resolve); w.once('error', reject) })
      w.postMessage('go')
      return await done
    }))
    const allMs = performance.now() - t
    return {
      threads,
      oneThreadPerSecond: payloads.length / oneMs * 1000,
      allThreadsPerSecond: threads * payloads.length / allMs * 1000,
      oneThreadCpuUs: (c.user + c.system) / payloads.length,
      allThreadsCpuUs: results.map(r => r.cpuUs / payloads.length)
    }
  } finally {
    await Promise.all(workers.map(async w => await w.terminate()))
  }
}
