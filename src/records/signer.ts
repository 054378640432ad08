/**
 * Signers: a seed turned into a did:key and a sign function, so issuing code never handles the seed itself.
 */
import { InvalidRecordError } from '../errors.ts'
import { ED25519_SEED_BYTES } from './constants.ts'
import { didKeyFromPublicKey } from './did-key.ts'
import type { RecordCrypto, Signer } from './types.ts'

/** A Signer for the Ed25519 key of a 32-byte seed; the seed is copied so later changes to the caller's buffer cannot leak in */
export function createSigner (seed: Uint8Array, crypto: RecordCrypto): Signer {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_BYTES) {
    throw new InvalidRecordError(`an Ed25519 seed must be ${ED25519_SEED_BYTES} bytes`, { details: { field: 'seed' } })
  }
  const own = seed.slice()
  const did = didKeyFromPublicKey(crypto.ed25519.getPublicKey(own))
  return {
    did,
    sign: (message: Uint8Array): Uint8Array => crypto.ed25519.sign(message, own)
  }
}

/** A fresh random 32-byte seed from the platform CSPRNG (Web Crypto, present in browsers and Node alike) */
export function generateSeed (): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(ED25519_SEED_BYTES))
}
