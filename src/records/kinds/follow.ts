/**
 * Follow records: the issuer follows a creator (an Ed25519 did:key) or a collective (its charter's record CID).
 * The schema accepts either spelling; here the did must decode to an Ed25519 key and the CID must parse as a record
 * CID. Following oneself is refused: it would be an edge that says nothing.
 */
import { InvalidRecordError } from '../../errors.ts'
import { parseRecordCid } from '../cid.ts'
import { publicKeyFromDidKey } from '../did-key.ts'
import type { Credential, FollowSubject } from '../types.ts'

/** Semantic rules of a follow subject; throws naming the field */
export function checkFollow (subject: FollowSubject, credential: Credential<'follow'>): void {
  if (subject.target.startsWith('did:')) {
    publicKeyFromDidKey(subject.target, 'credentialSubject.target')
    if (subject.target === credential.issuer) {
      throw new InvalidRecordError('credentialSubject.target must not be the issuer: a creator does not follow itself',
        { details: { field: 'credentialSubject.target', rule: 'followSelf' } })
    }
  } else {
    parseRecordCid(subject.target, 'credentialSubject.target')
  }
}
