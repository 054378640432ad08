/**
 * validateRecord: the one door every record passes (HTTP submit, gossip, sync, import, local issue).
 *
 * Order, cheapest and most telling first (protocols/records.md §Validation):
 * 1. size of the input (TooLargeError), 2. JSON (MalformedJSONError), 3. schema of the kind named by
 * `credentialSchema.id`, or the envelope schema when that names no known kind (InvalidRecordError / InvalidCIDError),
 * 4. semantic rules (times, CIDs, did:keys, share sums, a charter's issuer among its admins), 5. canonical form and
 * its size, 6. the proof (InvalidSignatureError).
 *
 * Each top-level member is canonicalised once; the unsecured document, the proof configuration and the record
 * bytes are all joined from those fragments.
 */
import { assertJsonDepth } from './json-depth.ts'
import { InvalidRecordError, InvalidSignatureError, MalformedJSONError, TooLargeError } from '../errors.ts'
import { parseRecordCid, recordCidString } from './cid.ts'
import { DEFAULT_MAX_RECORD_BYTES } from './constants.ts'
import { publicKeyFromDidKey, verificationMethodFor } from './did-key.ts'
import { assertJsonValue, canonicalMembers, canonicalString, joinMembers, utf8Bytes } from './jcs.ts'
import type { JsonValue } from './jcs.ts'
import { KIND_CHECKS } from './kinds/index.ts'
import { checkProofFields, decodeProofValue, hashData, verifySignature } from './proof.ts'
import { schemaError } from './schema-errors.ts'
import { schemas } from './schemas.ts'
import { parseRecordTime } from './time.ts'
import type { Credential, RecordCrypto, RecordKind, ValidRecord } from './types.ts'

export interface ValidateOptions {
  crypto: RecordCrypto
  /**
   * Largest record accepted, in bytes, applied to the input and to its canonical form
   * @default 65536 (DEFAULT_MAX_RECORD_BYTES)
   */
  maxBytes?: number
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 length of a string without encoding it */
function utf8Length (text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) { n += 4; i++ } else n += 3
  }
  return n
}

function tooLarge (size: number, maxBytes: number, what: string): TooLargeError {
  return new TooLargeError(`${what} is ${size} bytes, over the limit of ${maxBytes}`, { details: { size, limit: maxBytes } })
}

function parseJson (text: string): unknown {
  assertJsonDepth(text)
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new MalformedJSONError(`record is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
}

/** Steps 1–2: the parsed JSON of any accepted input form, within the size limit */
function parseInput (input: Uint8Array | string | object, maxBytes: number): unknown {
  if (input instanceof Uint8Array) {
    if (input.length > maxBytes) throw tooLarge(input.length, maxBytes, 'record')
    let text: string
    try {
      text = utf8Strict.decode(input)
    } catch (err) {
      throw new MalformedJSONError('record is not valid UTF-8', { cause: err })
    }
    return parseJson(text)
  }
  if (typeof input === 'string') {
    // UTF-16 length never exceeds UTF-8 length, so the exact count is only needed near the limit
    if (input.length > maxBytes) throw tooLarge(input.length, maxBytes, 'record')
    if (input.length * 3 > maxBytes) {
      const size = utf8Length(input)
      if (size > maxBytes) throw tooLarge(size, maxBytes, 'record')
    }
    return parseJson(input)
  }
  if (typeof input === 'object' && input !== null) {
    // A caller's object: check it is plain JSON, then work on a detached copy so later mutation cannot reach the result
    assertJsonValue(input)
    const text = canonicalString(input)
    if (text.length > maxBytes) throw tooLarge(utf8Length(text), maxBytes, 'record')
    return parseJson(text)
  }
  throw new InvalidRecordError('record must be bytes, a JSON string or an object', { details: { field: 'record', rule: 'type' } })
}

/** Step 3: schema check; returns the record's kind */
function checkSchema (value: unknown): RecordKind {
  const compiled = schemas()
  const schemaId = (value as any)?.credentialSchema?.id
  const kindValidator = typeof schemaId === 'string' ? compiled.byId.get(schemaId) : undefined
  if (kindValidator === undefined) {
    // No known kind named: the envelope schema explains what is wrong
    if (!compiled.envelope(value)) throw schemaError(compiled.envelope.errors![0])
    throw new InvalidRecordError('credentialSchema.id names no known schema', { details: { field: 'credentialSchema.id', rule: 'enum' } })
  }
  if (!kindValidator.validate(value)) throw schemaError(kindValidator.validate.errors![0])
  return kindValidator.kind
}

/** Step 4: rules a schema cannot express. Returns validFrom (epoch ms) and the issuer's public key */
function checkSemantics (credential: Credential, kind: RecordKind): { time: number, publicKey: Uint8Array } {
  const time = parseRecordTime(credential.validFrom, 'validFrom')
  parseRecordTime(credential.proof.created, 'proof.created')
  const publicKey = publicKeyFromDidKey(credential.issuer, 'issuer')
  if (credential.previous !== undefined) parseRecordCid(credential.previous, 'previous')
  if (credential.collective !== undefined) parseRecordCid(credential.collective, 'collective')
  KIND_CHECKS[kind](credential.credentialSubject as any, credential as any)
  return { time, publicKey }
}

/** Step 5: canonical strings of the record, of the unsecured document, and of the proof configuration */
function canonicalForms (credential: Credential): { record: string, document: string, proofConfig: string } {
  // The proof's @context is not signed (the configuration takes the document's, eddsa-jcs-2022 §3.3.5): the canonical
  // record always carries it, equal to the document's, so a record sent with it or without it is one record, one CID
  // (protocols/records.md §5)
  const contextFragment = `${canonicalString('@context')}:${canonicalString(credential['@context'] as unknown as JsonValue)}`
  const proofMembers = canonicalMembers(credential.proof as unknown as Record<string, unknown>).filter(([key]) => key !== '@context')
  proofMembers.push(['@context', contextFragment])
  proofMembers.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const members = canonicalMembers(credential as unknown as Record<string, unknown>, { proof: joinMembers(proofMembers) })
  // The configuration is the proof minus proofValue, with that @context
  const configMembers = proofMembers.filter(([key]) => key !== 'proofValue')
  return { record: joinMembers(members), document: joinMembers(members, 'proof'), proofConfig: joinMembers(configMembers) }
}

/** The signature check left to do on a record that passed every other step */
export interface PendingSignature {
  signature: Uint8Array
  /** the eddsa-jcs-2022 hash data that was signed */
  data: Uint8Array
  publicKey: Uint8Array
  verificationMethod: string
}

/**
 * Every step of validation but the signature itself: the caller verifies `signature` (e.g. on a worker thread,
 * in batches) and must refuse the record when it does not verify. `validateRecord` is this plus the verification.
 */
export function checkRecord (input: Uint8Array | string | object, options: ValidateOptions): { record: ValidRecord, signature: PendingSignature } {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_RECORD_BYTES
  const { crypto } = options
  const value = parseInput(input, maxBytes)
  const kind = checkSchema(value)
  const credential = value as Credential
  const { time, publicKey } = checkSemantics(credential, kind)

  const forms = canonicalForms(credential)
  const bytes = utf8Bytes(forms.record)
  if (bytes.length > maxBytes) throw tooLarge(bytes.length, maxBytes, 'canonical record')

  const proof = credential.proof
  checkProofFields(proof as unknown as Record<string, unknown>, credential['@context'])
  const expected = verificationMethodFor(credential.issuer)
  if (proof.verificationMethod !== expected) {
    throw new InvalidSignatureError(`proof.verificationMethod must be the issuer's key ${expected}`,
      { details: { field: 'proof.verificationMethod', rule: 'issuerKey' } })
  }
  const signature = decodeProofValue(proof.proofValue)
  const data = hashData(utf8Bytes(forms.proofConfig), utf8Bytes(forms.document), crypto.sha256)

  // the credential as its canonical bytes say: the proof with its @context
  if (proof['@context'] === undefined) (proof as unknown as Record<string, unknown>)['@context'] = credential['@context']
  const record: ValidRecord = {
    cid: recordCidString(bytes, crypto),
    bytes,
    credential,
    kind,
    author: credential.issuer,
    time
  }
  if (credential.previous !== undefined) record.previous = credential.previous
  if (credential.collective !== undefined) record.collective = credential.collective
  return { record, signature: { signature, data, publicKey, verificationMethod: proof.verificationMethod } }
}

/**
 * Check a record completely and return it with its canonical bytes and CID.
 *
 * `input` may be the record's bytes, its JSON text or a parsed object; it need not be canonical. Throws
 * TooLargeError, MalformedJSONError, InvalidRecordError, InvalidCIDError or InvalidSignatureError (see the order
 * above); every message names the field and the rule.
 */
export function validateRecord (input: Uint8Array | string | object, options: ValidateOptions): ValidRecord {
  const { record, signature: s } = checkRecord(input, options)
  verifySignature(options.crypto.ed25519, s.signature, s.data, s.publicKey, s.verificationMethod)
  return record
}
