/**
 * Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (W3C Data Integrity EdDSA Cryptosuites v1.0, §3.3):
 *
 * 1. proof configuration = the proof options (type, cryptosuite, created, verificationMethod, proofPurpose) with
 *    `@context` set to the document's `@context`;
 * 2. transformation: JCS of the unsecured document (the document without `proof`), JCS of the proof configuration;
 * 3. hashData = SHA-256(canonical proof configuration) ‖ SHA-256(canonical document), 64 bytes;
 * 4. proofValue = `z` + base58btc(Ed25519 signature of hashData);
 * 5. the proof is the proof options plus `@context` (the document's) and `proofValue`.
 *
 * Verification recomputes 1–3 from the secured document and checks the signature with the key the did:key
 * verification method names. The functions here work on any credential (the W3C vectors run through them);
 * record-specific binding (verification method = the issuer's key) is an option.
 */
import { InvalidRecordError, InvalidSignatureError } from '../errors.ts'
import { CRYPTOSUITE, ED25519_SIGNATURE_BYTES, PROOF_PURPOSE, PROOF_TYPE } from './constants.ts'
import { parseVerificationMethod } from './did-key.ts'
import { canonicalString, utf8Bytes } from './jcs.ts'
import type { JsonValue } from './jcs.ts'
import { decodeBase58Multibase, encodeBase58Multibase } from './multibase.ts'
import type { DataIntegrityProof, Ed25519, RecordCrypto } from './types.ts'

/** What the signer chooses about a proof */
export interface ProofOptions {
  /** did:key verification method (`did:key:z…#z…`) of the signing key */
  verificationMethod: string
  /** RFC 3339 creation time */
  created: string
}

/** A document as the proof code sees it: any JSON object with an `@context` */
export type ProofDocument = Record<string, unknown> & { '@context'?: unknown }

/** The proof configuration (step 1): the options with the document's `@context` */
export function proofConfiguration (documentContext: unknown, options: ProofOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    type: PROOF_TYPE,
    cryptosuite: CRYPTOSUITE,
    created: options.created,
    verificationMethod: options.verificationMethod,
    proofPurpose: PROOF_PURPOSE
  }
  if (documentContext !== undefined) config['@context'] = documentContext
  return config
}

/** hashData (step 3): SHA-256 of the canonical proof configuration, then SHA-256 of the canonical document */
export function hashData (proofConfigCanonical: Uint8Array, documentCanonical: Uint8Array, sha256: RecordCrypto['sha256']): Uint8Array {
  const proofHash = sha256(proofConfigCanonical)
  const documentHash = sha256(documentCanonical)
  const out = new Uint8Array(proofHash.length + documentHash.length)
  out.set(proofHash, 0)
  out.set(documentHash, proofHash.length)
  return out
}

/**
 * Secure `unsecured` (a credential without `proof`): returns the proof to attach. `sign` signs with the key the
 * verification method names.
 */
export function createProof (unsecured: ProofDocument, options: ProofOptions, sign: (message: Uint8Array) => Uint8Array,
  crypto: Pick<RecordCrypto, 'sha256'>): DataIntegrityProof {
  if ('proof' in unsecured) throw new InvalidRecordError('document to secure already has a proof', { details: { field: 'proof' } })
  const config = proofConfiguration(unsecured['@context'], options)
  const data = hashData(utf8Bytes(canonicalString(config)), utf8Bytes(canonicalString(unsecured)), crypto.sha256)
  const signature = sign(data)
  return { ...config, proofValue: encodeBase58Multibase(signature) } as unknown as DataIntegrityProof
}

/** True when two `@context` values are the same JSON (strings or arrays of strings) */
function sameContext (a: unknown, b: unknown): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
  return a.every((entry, i) => entry === b[i])
}

/**
 * Check the proof's fixed fields and its `@context` against the document's. Shared by verifyProof and
 * validateRecord. Throws InvalidRecordError naming the field.
 */
export function checkProofFields (proof: Record<string, unknown>, documentContext: unknown): void {
  const fixed: Array<[string, string]> = [['type', PROOF_TYPE], ['cryptosuite', CRYPTOSUITE], ['proofPurpose', PROOF_PURPOSE]]
  for (const [field, expected] of fixed) {
    if (proof[field] !== expected) {
      throw new InvalidRecordError(`proof.${field} must be "${expected}"`, { details: { field: `proof.${field}`, rule: 'const' } })
    }
  }
  if (proof['@context'] !== undefined && !sameContext(proof['@context'], documentContext)) {
    throw new InvalidRecordError('proof.@context must equal the document\'s @context', { details: { field: 'proof.@context', rule: 'context' } })
  }
}

/** Decode a proofValue into the 64 signature bytes; InvalidSignatureError when it cannot be one */
export function decodeProofValue (proofValue: unknown): Uint8Array {
  let signature: Uint8Array
  try {
    signature = decodeBase58Multibase(proofValue as string, 'proof.proofValue')
  } catch (err) {
    throw new InvalidSignatureError('proof.proofValue is not a base58btc multibase string', { cause: err, details: { field: 'proof.proofValue' } })
  }
  if (signature.length !== ED25519_SIGNATURE_BYTES) {
    throw new InvalidSignatureError(`proof.proofValue must hold a ${ED25519_SIGNATURE_BYTES}-byte signature`, { details: { field: 'proof.proofValue' } })
  }
  return signature
}

/** Check an Ed25519 signature over hashData; InvalidSignatureError when it does not verify */
export function verifySignature (ed25519: Ed25519, signature: Uint8Array, data: Uint8Array, publicKey: Uint8Array, verificationMethod: string): void {
  let ok = false
  try {
    ok = ed25519.verify(signature, data, publicKey)
  } catch {
    // some implementations throw on malformed points; for us that is the same as a bad signature
    ok = false
  }
  if (!ok) throw signatureMismatch(verificationMethod)
}

/** The error for a signature that does not verify, for callers that verify elsewhere (e.g. on worker threads) */
export function signatureMismatch (verificationMethod: string): InvalidSignatureError {
  return new InvalidSignatureError(`proof.proofValue does not verify against ${verificationMethod}`, { details: { field: 'proof.proofValue' } })
}

export interface VerifyProofOptions {
  /** When set, the proof's verificationMethod must be exactly this (records bind it to the issuer) */
  expectedVerificationMethod?: string
}

/**
 * Verify the eddsa-jcs-2022 proof of a secured document whose verification method is a did:key.
 * Throws InvalidRecordError for a malformed proof, InvalidSignatureError when the signature does not verify or the
 * verification method is not the expected one.
 */
export function verifyProof (secured: ProofDocument, crypto: RecordCrypto, options: VerifyProofOptions = {}): void {
  const proof = secured.proof
  if (proof == null || typeof proof !== 'object' || Array.isArray(proof)) {
    throw new InvalidRecordError('proof must be an object', { details: { field: 'proof', rule: 'type' } })
  }
  const { proofValue, ...proofOptions } = proof as Record<string, unknown>
  checkProofFields(proofOptions, secured['@context'])
  const verificationMethod = proofOptions.verificationMethod as string
  if (options.expectedVerificationMethod !== undefined && verificationMethod !== options.expectedVerificationMethod) {
    throw new InvalidSignatureError(`proof.verificationMethod must be ${options.expectedVerificationMethod}`, { details: { field: 'proof.verificationMethod' } })
  }
  const { publicKey } = parseVerificationMethod(verificationMethod)
  const signature = decodeProofValue(proofValue)
  const { proof: _omit, ...unsecured } = secured
  // the configuration always carries the document's @context (spec §3.3.5), whether or not the proof repeats it
  const config: Record<string, unknown> = { ...proofOptions }
  if (secured['@context'] !== undefined) config['@context'] = secured['@context']
  const data = hashData(utf8Bytes(canonicalString(config as JsonValue)), utf8Bytes(canonicalString(unsecured as JsonValue)), crypto.sha256)
  verifySignature(crypto.ed25519, signature, data, publicKey, verificationMethod)
}
