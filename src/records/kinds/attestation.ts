/**
 * Attestation records: the attested record is a record CID.
 */
import { parseRecordCid } from '../cid.ts'
import type { AttestationSubject } from '../types.ts'

/** Semantic rules of an attestation subject; throws naming the field */
export function checkAttestation (subject: AttestationSubject): void {
  parseRecordCid(subject.record, 'credentialSubject.record')
}
