/**
 * Portable crypto for records, from @noble/curves and @noble/hashes: pure JavaScript, so it runs in the browser.
 * The daemon uses the native equivalent (src/identity/ed25519-native.ts), which is much faster to verify with.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Ed25519, RecordCrypto } from './types.ts'

/**
 * Ed25519 (RFC 8032) from @noble/curves. Verification is strict (`zip215: false`, canonical encodings only) so that
 * the browser accepts exactly the signatures OpenSSL accepts in the daemon: a record must not be valid in one and
 * invalid in the other.
 */
export const nobleEd25519: Ed25519 = {
  getPublicKey (seed: Uint8Array): Uint8Array {
    return ed25519.getPublicKey(seed)
  },
  sign (message: Uint8Array, seed: Uint8Array): Uint8Array {
    return ed25519.sign(message, seed)
  },
  verify (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  }
}

/** RecordCrypto for the browser (and for tests that compare against native crypto) */
export const nobleCrypto: RecordCrypto = {
  sha256: (data: Uint8Array): Uint8Array => sha256(data),
  ed25519: nobleEd25519
}
