/**
 * Worker thread of `computeFingerprints` (claims.ts) for long texts: ISCC Text-Code-64 and the MinHash signature
 * of the bytes it is given, posted back once; then it ends.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { FingerprintInputError } from './errors.ts'
import { textFingerprints } from './text.ts'

try {
  const r = textFingerprints(workerData.bytes as Uint8Array)
  parentPort?.postMessage({ ok: true, iscc: r.iscc.code, minhash: r.minhash })
} catch (err) {
  parentPort?.postMessage({ ok: false, message: (err as Error).message, input: err instanceof FingerprintInputError, tooLong: err instanceof FingerprintInputError && err.details?.limit !== undefined })
}
