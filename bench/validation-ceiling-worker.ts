/** A thread of bench/validation-ceiling.ts: validate its records twice to warm up, say so, then once more, timed */
import { parentPort, workerData } from 'node:worker_threads'
import { validateRecord } from '../src/records/index.ts'
import { nativeCrypto } from '../src/identity/index.ts'

const payloads = workerData.payloads as Uint8Array[]
for (let r = 0; r < 2; r++) for (const p of payloads) validateRecord(p, { crypto: nativeCrypto })
parentPort?.postMessage('ready')
parentPort?.once('message', () => {
  const c0 = process.threadCpuUsage()
  const t = performance.now()
  for (const p of payloads) validateRecord(p, { crypto: nativeCrypto })
  const c = process.threadCpuUsage(c0)
  parentPort?.postMessage({ ms: performance.now() - t, cpuUs: c.user + c.system })
})
