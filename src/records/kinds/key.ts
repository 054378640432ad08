/**
 * Key records (records.md §3.13, protocols/private-collectives.md §6): the rules that need more than one field. A
 * key record belongs to a collective, its part lies within its parts, and each member is wrapped once. Whether the
 * issuer was an admin and the wraps are exactly the members is the collective's rule (src/private/epochs.ts), as a
 * membership record's quorum is.
 */
import { InvalidRecordError } from '../../errors.ts'
import { publicKeyFromDidKey } from '../did-key.ts'
import type { Credential, KeySubject } from '../types.ts'

export function checkKey (subject: KeySubject, credential: Credential<'key'>): void {
  if (subject.part >= subject.parts) {
    throw new InvalidRecordError(`credentialSubject.part ${subject.part} is not below parts ${subject.parts}`,
      { details: { field: 'credentialSubject.part', rule: 'part' } })
  }
  if (subject.reason === 'charter' && (subject.epoch !== 0 || subject.cause !== credential.collective)) {
    throw new InvalidRecordError('a charter\'s key record is epoch 0 and its cause is the collective\'s charter',
      { details: { field: 'credentialSubject.cause', rule: 'charterEpoch' } })
  }
  const seen = new Set<string>()
  subject.wraps.forEach((wrap, i) => {
    publicKeyFromDidKey(wrap.to, `credentialSubject.wraps[${i}].to`)
    if (seen.has(wrap.to)) {
      throw new InvalidRecordError(`credentialSubject.wraps[${i}].to wraps ${wrap.to} twice`,
        { details: { field: `credentialSubject.wraps[${i}].to`, rule: 'uniqueWrap' } })
    }
    seen.add(wrap.to)
  })
}
