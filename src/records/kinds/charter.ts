/**
 * Charter records: the founding record of a collective. The schema bounds the fields; the rules here need more than
 * one field at a time: the admins are Ed25519 did:keys, the quorum is reachable (no more than the admins), and the
 * issuer is one of the admins (a charter founded by an outsider would give nobody a reason to trust it).
 */
import { InvalidRecordError } from '../../errors.ts'
import { publicKeyFromDidKey } from '../did-key.ts'
import type { CharterSubject, Credential } from '../types.ts'

/** Semantic rules of a charter; throws InvalidRecordError naming the field */
export function checkCharter (subject: CharterSubject, credential: Credential<'charter'>): void {
  subject.admins.forEach((admin, i) => publicKeyFromDidKey(admin, `credentialSubject.admins[${i}]`))
  const { quorum } = subject.admission
  if (quorum > subject.admins.length) {
    throw new InvalidRecordError(`credentialSubject.admission.quorum is ${quorum}, more than the ${subject.admins.length} admins`,
      { details: { field: 'credentialSubject.admission.quorum', rule: 'quorum', quorum, admins: subject.admins.length } })
  }
  if (!subject.admins.includes(credential.issuer)) {
    throw new InvalidRecordError('issuer must be one of credentialSubject.admins', { details: { field: 'issuer', rule: 'charterAdmin' } })
  }
}
