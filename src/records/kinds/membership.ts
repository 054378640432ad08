/**
 * Membership records: the per-action rules a schema cannot state (did:keys decode, times are real instants, an
 * invite is a record CID). Whether the issuer may sign the change (an admin, under the right policy, with a live
 * invite) needs the charter and the collective's other records: that is src/collectives/, not this pure format.
 */
import { parseRecordCid } from '../cid.ts'
import { publicKeyFromDidKey } from '../did-key.ts'
import { parseRecordTime } from '../time.ts'
import type { MembershipSubject } from '../types.ts'

/** Semantic rules of a membership subject; throws naming the field */
export function checkMembership (subject: MembershipSubject): void {
  switch (subject.action) {
    case 'admit':
    case 'remove':
      publicKeyFromDidKey(subject.member, 'credentialSubject.member')
      parseRecordTime(subject.effectiveFrom, 'credentialSubject.effectiveFrom')
      break
    case 'invite':
      parseRecordTime(subject.expiration, 'credentialSubject.expiration')
      break
    case 'join':
      parseRecordCid(subject.invite, 'credentialSubject.invite')
      break
  }
}
