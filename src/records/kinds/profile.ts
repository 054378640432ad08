/**
 * Profile records: how a creator wants to be named. A profile speaks for its issuer only, so its subject `id` MUST be
 * the issuer (anyone could otherwise name anyone); the avatar is a content CID. The schema bounds the text and the
 * links (http and https only: the page shows them as links, and a `javascript:` one would run in it).
 */
import { InvalidRecordError } from '../../errors.ts'
import { parseCid } from '../cid.ts'
import type { Credential, ProfileSubject } from '../types.ts'

/** Semantic rules of a profile subject; throws naming the field */
export function checkProfile (subject: ProfileSubject, credential: Credential<'profile'>): void {
  if (subject.id !== credential.issuer) {
    throw new InvalidRecordError('credentialSubject.id must be the issuer: a profile is about its issuer only',
      { details: { field: 'credentialSubject.id', rule: 'profileSubject' } })
  }
  if (subject.avatar !== undefined) parseCid(subject.avatar, 'credentialSubject.avatar')
}
