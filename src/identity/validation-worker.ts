/**
 * Worker of the ValidationPool (piscina): whole record validations and bare Ed25519 verifications, in batches.
 * Errors are sent back as `{ name, message, details }` of the typed error, which the pool rebuilds.
 */
import { nativeCrypto } from './ed25519-native.ts'
import { validateRecord } from '../records/validate.ts'
import type { ValidationTask, ValidationResult, WireRecord } from './validation-pool.ts'

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

export default function run (task: ValidationTask): ValidationResult {
  if (task.op === 'verify') {
    const results = new Uint8Array(task.items.length)
    for (let i = 0; i < task.items.length; i++) {
      const [signature, data, publicKey] = task.items[i]
      try {
        results[i] = nativeCrypto.ed25519.verify(signature, data, publicKey) ? 1 : 0
      } catch {
        results[i] = 0
      }
    }
    return { op: 'verify', results }
  }
  const records: WireRecord[] = task.items.map(bytes => {
    try {
      const r = validateRecord(bytes, { crypto: nativeCrypto, maxBytes: task.maxBytes })
      // the caller has these bytes already when they were canonical (what peers send): no copy back
      return {
        cid: r.cid,
        ...(equalBytes(r.bytes, bytes) ? {} : { bytes: r.bytes }),
        kind: r.kind,
        time: r.time
      }
    } catch (err: any) {
      return { error: { name: err.name ?? 'Error', message: String(err.message), ...(err.details != null ? { details: err.details } : {}) } }
    }
  })
  return { op: 'validate', records }
}
