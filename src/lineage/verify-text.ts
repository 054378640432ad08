/**
 * How findings are worded: short references to records that a person can match against the full CIDs in the
 * report, and the one constructor of a finding (its severity always comes from the codes table).
 */
import type { AssetSubject, ValidRecord } from '../records/types.ts'
import { severityOf } from './verify-codes.ts'
import type { Finding, VerificationCode } from './verify-codes.ts'

/** `bagaaiera…x6a4bq`: enough of a CID to tell records apart in a sentence; `record`/`related` carry the full CID */
export function ref (cid: string): string {
  return cid.length <= 22 ? cid : `${cid.slice(0, 10)}…${cid.slice(-6)}`
}

/** `"Title" (bagaaiera…x6a4bq)` for an asset record, the short reference for any other */
export function named (record: ValidRecord | undefined, cid: string): string {
  if (record?.kind === 'asset') {
    const title = (record.credential.credentialSubject as AssetSubject).title
    return `${JSON.stringify(title.length > 80 ? title.slice(0, 79) + '…' : title)} (${ref(cid)})`
  }
  return ref(cid)
}

/** A finding of `code` about `record`, with its severity from the codes table */
export function finding (code: VerificationCode, record: string, message: string, related?: string[]): Finding {
  const f: Finding = { code, severity: severityOf(code), record, message }
  if (related != null && related.length > 0) f.related = related
  return f
}
