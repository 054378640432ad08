/**
 * did:key for Ed25519 (W3C CCG did:key method): `did:key:` + publicKeyMultibase, and the single verification method
 * it implies, `did:key:z6Mk…#z6Mk…`. Nothing is resolved over the network: the key is in the identifier.
 */
import { InvalidRecordError } from '../errors.ts'
import { DID_KEY_PREFIX } from './constants.ts'
import { decodePublicKeyMultibase, encodePublicKeyMultibase } from './multibase.ts'

/** did:key of a 32-byte Ed25519 public key */
export function didKeyFromPublicKey (publicKey: Uint8Array): string {
  return DID_KEY_PREFIX + encodePublicKeyMultibase(publicKey)
}

/**
 * The 32-byte Ed25519 public key a did:key names. Throws InvalidRecordError naming `field` when `did` is not an
 * Ed25519 did:key (other key types, fragments and paths are refused, not ignored).
 */
export function publicKeyFromDidKey (did: string, field: string = 'did'): Uint8Array {
  const cached = typeof did === 'string' ? decodedKeys.get(did) : undefined
  if (cached !== undefined) return cached
  const key = decodeDidKey(did, field)
  // records arrive from a bounded set of authors at a time; past the bound, start over rather than grow
  if (decodedKeys.size >= DECODED_KEY_CACHE_SIZE) decodedKeys.clear()
  decodedKeys.set(did, key)
  return key
}

/** Decoded did:keys: base58 decoding showed up in every validation's profile */
const decodedKeys = new Map<string, Uint8Array>()
const DECODED_KEY_CACHE_SIZE = 4096

function decodeDidKey (did: string, field: string): Uint8Array {
  if (typeof did !== 'string' || !did.startsWith(DID_KEY_PREFIX)) {
    throw new InvalidRecordError(`${field} must be a did:key`, { details: { field, rule: 'didKey' } })
  }
  const multibase = did.slice(DID_KEY_PREFIX.length)
  if (multibase.includes('#') || multibase.includes('/') || multibase.includes('?')) {
    throw new InvalidRecordError(`${field} must be a bare did:key without fragment, path or query`, { details: { field, rule: 'didKey' } })
  }
  try {
    return decodePublicKeyMultibase(multibase, field)
  } catch (err) {
    throw new InvalidRecordError(`${field} is not an Ed25519 did:key: ${(err as Error).message}`, { cause: err, details: { field, rule: 'didKey' } })
  }
}

/** The verification method of an Ed25519 did:key: the DID, `#`, and the key's multibase again */
export function verificationMethodFor (did: string): string {
  return `${did}#${did.slice(DID_KEY_PREFIX.length)}`
}

/**
 * The DID and public key of a did:key verification method (`did:key:z…#z…`). The fragment must repeat the key,
 * as the did:key method defines; anything else is refused.
 */
export function parseVerificationMethod (verificationMethod: string, field: string = 'proof.verificationMethod'): { did: string, publicKey: Uint8Array } {
  const hash = typeof verificationMethod === 'string' ? verificationMethod.indexOf('#') : -1
  if (hash < 0) {
    throw new InvalidRecordError(`${field} must be a did:key URL with a fragment`, { details: { field, rule: 'verificationMethod' } })
  }
  const did = verificationMethod.slice(0, hash)
  const publicKey = publicKeyFromDidKey(did, field)
  if (verificationMethod !== verificationMethodFor(did)) {
    throw new InvalidRecordError(`${field} fragment must repeat the did:key's key`, { details: { field, rule: 'verificationMethod' } })
  }
  return { did, publicKey }
}
