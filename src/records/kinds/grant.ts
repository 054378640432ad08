/**
 * Grant records: the license and the asset are record CIDs; an expiration is a real time.
 */
import { parseRecordCid } from '../cid.ts'
import { parseRecordTime } from '../time.ts'
import type { GrantSubject } from '../types.ts'

/** Semantic rules of a grant subject; throws naming the field */
export function checkGrant (subject: GrantSubject): void {
  parseRecordCid(subject.license, 'credentialSubject.license')
  parseRecordCid(subject.asset, 'credentialSubject.asset')
  if (subject.expiration !== undefined) parseRecordTime(subject.expiration, 'credentialSubject.expiration')
}
