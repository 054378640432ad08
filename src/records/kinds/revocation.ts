/**
 * Revocation records: the revoked record is a record CID and `effectiveFrom` a real time. That the revoked record
 * has the same author can only be checked against the store, so it is the ingest path's job, not this pure module's.
 */
import { parseRecordCid } from '../cid.ts'
import { parseRecordTime } from '../time.ts'
import type { RevocationSubject } from '../types.ts'

/** Semantic rules of a revocation subject; throws naming the field */
export function checkRevocation (subject: RevocationSubject): void {
  parseRecordCid(subject.record, 'credentialSubject.record')
  parseRecordTime(subject.effectiveFrom, 'credentialSubject.effectiveFrom')
}
