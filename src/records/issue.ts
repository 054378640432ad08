/**
 * issueRecord: build, sign and check a record. The result is exactly what validateRecord returns for it, because
 * it is validateRecord's result: a record this node issues passes the same door as any other.
 */
import { InvalidRecordError } from '../errors.ts'
import { ASSET_ENCRYPTION_SCHEMA_VERSION, ASSET_FINGERPRINTS_SCHEMA_VERSION, CHARTER_V2_SCHEMA_VERSION, CREDENTIAL_SCHEMA_TYPE, CREDENTIAL_TYPE_BY_KIND, RECORD_CONTEXT, VERIFIABLE_CREDENTIAL_TYPE, credentialSchemaId } from './constants.ts'
import { verificationMethodFor } from './did-key.ts'
import { assertJsonValue } from './jcs.ts'
import { createProof } from './proof.ts'
import { formatRecordTime } from './time.ts'
import type { Credential, RecordCrypto, RecordKind, Signer, SubjectByKind, UnsignedCredential, ValidRecord } from './types.ts'
import { validateRecord } from './validate.ts'

export interface IssueOptions {
  signer: Signer
  crypto: RecordCrypto
  /** CID of the author's previous record (the author's hash chain) */
  previous?: string
  /** charter CID of the collective the record belongs to */
  collective?: string
  /**
   * `validFrom`, truncated to milliseconds
   * @default now
   */
  validFrom?: Date
  /**
   * `proof.created`
   * @default validFrom
   */
  created?: Date
  /**
   * Size limit the issued record must respect
   * @default 65536 (DEFAULT_MAX_RECORD_BYTES)
   */
  maxBytes?: number
}

/** Whether a charter uses a member only version 2 defines: `visibility`, or `replication: { copies }` */
function charterNeedsV2 (subject: SubjectByKind['charter']): boolean {
  return subject.visibility !== undefined || (subject.replication !== undefined && typeof subject.replication !== 'string')
}

/** The credential of `kind` about `subject`, before it is secured */
export function buildCredential<K extends RecordKind> (kind: K, subject: SubjectByKind[K],
  options: { issuer: string, validFrom: string, previous?: string, collective?: string }): UnsignedCredential<K> {
  if (!Object.hasOwn(CREDENTIAL_TYPE_BY_KIND, kind)) {
    throw new InvalidRecordError(`unknown record kind ${String(kind)}`, { details: { field: 'kind', rule: 'enum' } })
  }
  // Only plain JSON can be signed; an optional field left `undefined` is absent (it is dropped when canonicalised)
  assertJsonValue(subject, 'credentialSubject')
  // an asset is written as version 1 unless it carries fingerprints, which only version 2 defines, or encryption,
  // which only version 3 defines; a charter as version 1 unless it names a visibility or a number of copies, which
  // only charter version 2 defines (records.md §8)
  const asset = kind === 'asset' ? subject as SubjectByKind['asset'] : undefined
  const version = asset !== undefined
    ? asset.encryption !== undefined
      ? ASSET_ENCRYPTION_SCHEMA_VERSION
      : asset.fingerprints !== undefined ? ASSET_FINGERPRINTS_SCHEMA_VERSION : undefined
    : kind === 'charter' && charterNeedsV2(subject as SubjectByKind['charter']) ? CHARTER_V2_SCHEMA_VERSION : undefined
  const credential: UnsignedCredential<K> = {
    '@context': [...RECORD_CONTEXT],
    type: [VERIFIABLE_CREDENTIAL_TYPE, CREDENTIAL_TYPE_BY_KIND[kind]],
    issuer: options.issuer,
    validFrom: options.validFrom,
    credentialSchema: { id: credentialSchemaId(kind, version), type: CREDENTIAL_SCHEMA_TYPE },
    credentialSubject: subject
  }
  if (options.previous !== undefined) credential.previous = options.previous
  if (options.collective !== undefined) credential.collective = options.collective
  return credential
}

/** Issue a record of `kind` about `subject`, signed by `options.signer`, validated before it is returned */
export function issueRecord<K extends RecordKind> (kind: K, subject: SubjectByKind[K], options: IssueOptions): ValidRecord<K> {
  const validFrom = formatRecordTime(options.validFrom ?? new Date())
  const created = options.created !== undefined ? formatRecordTime(options.created) : validFrom
  const unsigned = buildCredential(kind, subject, {
    issuer: options.signer.did,
    validFrom,
    previous: options.previous,
    collective: options.collective
  })
  const proof = createProof(unsigned as unknown as Record<string, unknown>,
    { verificationMethod: verificationMethodFor(options.signer.did), created }, options.signer.sign, options.crypto)
  const credential: Credential<K> = { ...unsigned, proof }
  return validateRecord(credential, { crypto: options.crypto, maxBytes: options.maxBytes }) as ValidRecord<K>
}
