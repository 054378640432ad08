/**
 * Asset records: semantic rules beyond the schema, and the facts the index and lineage code read from them.
 */
import { InvalidRecordError } from '../../errors.ts'
import { parseCid, parseRecordCid } from '../cid.ts'
import { publicKeyFromDidKey } from '../did-key.ts'
import type { AssetSubject, Credential, Relationship, ValidRecord } from '../types.ts'
import { checkDistinctIds, checkShareSum } from './shared.ts'
import { claimProblem } from '../../fingerprints/codes.ts'

const IPFS_SCHEME = 'ipfs://'

/**
 * Rules: the subject id is `ipfs://` + a content CID; every creator is an Ed25519 did:key, named once, and the
 * creators' shares add up to 10000; every ingredient names a parent record or content (or both) by CID; tool
 * model CIDs parse.
 */
export function checkAsset (subject: AssetSubject, credential?: Credential<'asset'>): void {
  parseCid(subject.id.slice(IPFS_SCHEME.length), 'credentialSubject.id')
  subject.creators.forEach((creator, i) => publicKeyFromDidKey(creator.id, `credentialSubject.creators[${i}].id`))
  checkDistinctIds(subject.creators, 'credentialSubject.creators')
  checkShareSum(subject.creators, 'credentialSubject.creators')
  subject.ingredients?.forEach((ingredient, i) => {
    const field = `credentialSubject.ingredients[${i}]`
    if (ingredient.record === undefined && ingredient.content === undefined) {
      throw new InvalidRecordError(`${field} must name a record or a content CID`, { details: { field, rule: 'ingredientTarget' } })
    }
    if (ingredient.record !== undefined) parseRecordCid(ingredient.record, `${field}.record`)
    if (ingredient.content !== undefined) parseCid(ingredient.content, `${field}.content`)
  })
  subject.tools?.forEach((tool, i) => {
    if (tool.model !== undefined) parseCid(tool.model, `credentialSubject.tools[${i}].model`)
  })
  checkFingerprints(subject)
  checkEncryption(subject, credential)
}

/** Bytes of an encrypted work's header and of each chunk's tag (protocols/private-collectives.md §9) */
const ENCRYPTED_HEADER_BYTES = 96
const ENCRYPTED_TAG_BYTES = 16

/**
 * An encrypted work belongs to a collective (its key is wrapped to that collective's epoch key), its byteSize is the
 * ciphertext's, which the plaintext size and the chunk size fix, and it publishes no fingerprint of its plaintext.
 */
function checkEncryption (subject: AssetSubject, credential?: Credential<'asset'>): void {
  const e = subject.encryption
  if (e === undefined) return
  const fail = (field: string, message: string, rule: string): never => {
    throw new InvalidRecordError(`credentialSubject.${field} ${message}`, { details: { field: `credentialSubject.${field}`, rule } })
  }
  if (credential !== undefined && credential.collective === undefined) fail('encryption', 'needs the record\'s collective: the work key is wrapped to its epoch key', 'encryptionCollective')
  if (subject.fingerprints !== undefined) fail('fingerprints', 'must be absent on an encrypted work: they would publish its plaintext\'s look', 'encryptionFingerprints')
  const chunks = Math.max(1, Math.ceil(e.plaintextSize / e.chunkSize))
  const size = ENCRYPTED_HEADER_BYTES + e.plaintextSize + ENCRYPTED_TAG_BYTES * chunks
  if (subject.byteSize !== size) fail('byteSize', `must be the ciphertext's ${size} bytes for ${e.plaintextSize} plaintext bytes in chunks of ${e.chunkSize}`, 'encryptionSize')
}

/** Each algorithm at most once (one code per algorithm and work); a known algorithm's code sound (codes.ts) */
function checkFingerprints (subject: AssetSubject): void {
  const seen = new Set<string>()
  subject.fingerprints?.forEach((claim, i) => {
    const field = `credentialSubject.fingerprints[${i}]`
    if (seen.has(claim.alg)) {
      throw new InvalidRecordError(`${field}.alg ${claim.alg} appears more than once`, { details: { field: `${field}.alg`, rule: 'distinct' } })
    }
    seen.add(claim.alg)
    const problem = claimProblem(claim)
    if (problem !== undefined) {
      throw new InvalidRecordError(`${field}.${problem.field} ${problem.message}`, { details: { field: `${field}.${problem.field}`, rule: 'fingerprint' } })
    }
  })
}

type AssetLike = ValidRecord<'asset'> | Credential<'asset'>

function subjectOf (record: AssetLike): AssetSubject {
  return 'credential' in record ? record.credential.credentialSubject : record.credentialSubject
}

/** CID of the content an asset record describes (its subject id without `ipfs://`) */
export function assetContentCid (record: AssetLike): string {
  return subjectOf(record).id.slice(IPFS_SCHEME.length)
}

/** The parent asset records an asset names as ingredients, with how each was used */
export function assetParents (record: AssetLike): Array<{ cid: string, relationship: Relationship }> {
  const parents: Array<{ cid: string, relationship: Relationship }> = []
  for (const ingredient of subjectOf(record).ingredients ?? []) {
    if (ingredient.record !== undefined) parents.push({ cid: ingredient.record, relationship: ingredient.relationship })
  }
  return parents
}
