/**
 * Record signatures checked in the browser, so the page need not trust the node it talks to. The page fetches a
 * record's canonical bytes (`GET /v1/records/<cid>?raw=1`) and runs the project's own `validateRecord` over them
 * with @noble/curves: schema, proof (eddsa-jcs-2022, Ed25519 against the issuer's did:key) and the CID, which must
 * be the hash of the bytes the node sent. A node that altered a record cannot make either check pass.
 */
import { nobleCrypto, validateRecord } from '../../src/records/index.ts'
import type { RecordKind, ValidRecord } from '../../src/records/index.ts'

export type VerifyResult =
  /** `record` is the credential parsed from the very bytes that were checked: the page renders from it alone */
  | { status: 'verified', cid: string, kind: RecordKind, author: string, record: ValidRecord }
  | { status: 'tampered', cid: string, reason: string, code: string }
  | { status: 'unavailable', cid: string, reason: string }

/**
 * Check that `bytes` are a valid, correctly signed record whose CID is `cid`. Pure: no I/O.
 * A record whose proof fails, whose schema fails or whose bytes hash to another CID is `tampered`.
 */
export function verifyRecordBytes (cid: string, bytes: Uint8Array): VerifyResult {
  try {
    const record = validateRecord(bytes, { crypto: nobleCrypto })
    if (record.cid !== cid) {
      return { status: 'tampered', cid, code: 'ERR_CID_MISMATCH', reason: `the bytes the node sent hash to ${record.cid}, not to ${cid}` }
    }
    return { status: 'verified', cid, kind: record.kind, author: record.author, record }
  } catch (err) {
    const e = err as { code?: string, message?: string }
    return { status: 'tampered', cid, code: e.code ?? 'ERR_INVALID_RECORD', reason: e.message ?? String(err) }
  }
}

/** Words for a result, for badges and their tooltips */
export function describeResult (r: VerifyResult): { label: string, detail: string } {
  switch (r.status) {
    case 'verified': return { label: 'signature checked', detail: `Signed by ${r.author}. This browser fetched the record, checked that its bytes hash to its id (CID) and that this key signed them (eddsa-jcs-2022).` }
    case 'tampered': return { label: 'signature fails', detail: `This record fails the check in this browser (its bytes or signature were altered): ${r.reason}` }
    default: return { label: 'not checked', detail: r.reason }
  }
}

export interface Verifier {
  /** The check of one record, fetched and verified once per page load */
  verify(cid: string): Promise<VerifyResult>
}

/** Yield to the browser between records, so checking a large lineage keeps the page responsive */
async function breathe (): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, 0))
}

/** A verifier that fetches raw record bytes with `fetchRaw` and remembers each result */
export function createVerifier (fetchRaw: (cid: string) => Promise<Uint8Array>): Verifier {
  const results = new Map<string, Promise<VerifyResult>>()
  return {
    async verify (cid: string): Promise<VerifyResult> {
      let pending = results.get(cid)
      if (pending == null) {
        pending = (async (): Promise<VerifyResult> => {
          let bytes: Uint8Array
          try {
            bytes = await fetchRaw(cid)
          } catch (err) {
            // an answer we could not fetch is not a verdict: ask again next time
            results.delete(cid)
            return { status: 'unavailable', cid, reason: `could not fetch the record: ${(err as Error).message}` }
          }
          await breathe()
          return verifyRecordBytes(cid, bytes)
        })()
        results.set(cid, pending)
      }
      return await pending
    }
  }
}
