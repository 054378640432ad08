/**
 * License records: the licensed asset is a record CID; splits, when present, name each party once and add up to
 * 10000 basis points; an expiration is a real time.
 */
import { parseRecordCid } from '../cid.ts'
import { parseRecordTime } from '../time.ts'
import type { LicenseSubject } from '../types.ts'
import { checkDistinctIds, checkShareSum } from './shared.ts'

/** Semantic rules of a license subject; throws naming the field */
export function checkLicense (subject: LicenseSubject): void {
  parseRecordCid(subject.asset, 'credentialSubject.asset')
  if (subject.terms.expiration !== undefined) parseRecordTime(subject.terms.expiration, 'credentialSubject.terms.expiration')
  if (subject.splits !== undefined) {
    checkDistinctIds(subject.splits, 'credentialSubject.splits')
    checkShareSum(subject.splits, 'credentialSubject.splits')
  }
}
