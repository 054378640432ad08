/**
 * @packageDocumentation
 *
 * The Atelier record format, pure and browser-safe (no I/O, no Node built-ins). A record is a W3C Verifiable
 * Credential (VC Data Model 2.0) secured by an `eddsa-jcs-2022` Data Integrity proof from its author's did:key; its
 * bytes are the JCS canonical JSON, its id the CIDv1 (json, sha2-256) of those bytes. `protocols/records.md` is the
 * normative text.
 *
 * Crypto is handed in (`RecordCrypto`): `nobleCrypto` here for the browser, `nativeCrypto` from src/identity for the
 * daemon.
 *
 * @example
 * ```ts
 * import { createSigner, generateSeed, issueRecord, validateRecord, nobleCrypto } from './records/index.ts'
 * const signer = createSigner(generateSeed(), nobleCrypto)
 * const record = issueRecord('attestation', { record: someCid, claim: 'endorsement' }, { signer, crypto: nobleCrypto })
 * const again = validateRecord(record.bytes, { crypto: nobleCrypto }) // again.cid === record.cid
 * ```
 */
export * from './constants.ts'
export type * from './types.ts'
export { validateRecord, checkRecord } from './validate.ts'
export type { ValidateOptions, PendingSignature } from './validate.ts'
export { issueRecord, buildCredential } from './issue.ts'
export type { IssueOptions } from './issue.ts'
export { createSigner, generateSeed } from './signer.ts'
export { nobleCrypto, nobleEd25519 } from './ed25519-noble.ts'
export { canonicalString, canonicalBytes, assertJsonValue } from './jcs.ts'
export type { JsonValue } from './jcs.ts'
export { recordCid, recordCidString, recordCidFromDigest, recordDigestOf, parseCid, parseRecordCid, isRecordCid } from './cid.ts'
export { didKeyFromPublicKey, publicKeyFromDidKey, verificationMethodFor, parseVerificationMethod } from './did-key.ts'
export {
  encodeBase58Multibase, decodeBase58Multibase, encodePublicKeyMultibase, decodePublicKeyMultibase,
  encodeSeedMultibase, decodeSeedMultibase
} from './multibase.ts'
export { createProof, verifyProof, verifySignature, signatureMismatch, proofConfiguration, hashData } from './proof.ts'
export type { ProofOptions, VerifyProofOptions } from './proof.ts'
export { parseRecordTime, formatRecordTime } from './time.ts'
export { assetContentCid, assetParents } from './kinds/index.ts'
export { KIND_SCHEMAS, KIND_SCHEMA_VERSIONS, COMMON_SCHEMA, ENVELOPE_SCHEMA } from './schemas.ts'
