/**
 * A member's encryption key is derived from its did:key (protocols/private-collectives.md §3): the Ed25519 public key
 * maps to an X25519 public key by the birational map of RFC 7748 §4.1 (u = (1 + y) / (1 − y)), and the Ed25519 seed
 * to the X25519 secret by the first half of SHA-512(seed), clamped — the map libsodium calls
 * crypto_sign_ed25519_{pk,sk}_to_curve25519. No key has to be published beside the did, so every member of a
 * collective, old or new, already has one; a key used for both signing and this encryption is the combination
 * RFC 8032 implementations such as libsodium and age (ssh-ed25519 recipients) have long used.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { invert } from '@noble/curves/abstract/modular.js'
import { publicKeyFromDidKey } from '../records/did-key.ts'

const P = (1n << 255n) - 19n

/**
 * u = (1 + y) / (1 − y) mod p from the encoded Edwards point's y alone (one inversion by the extended Euclidean
 * algorithm): no point decompression (a square root), which costs ~0.5 ms a key in JS and dominated a 1,000-member
 * rotation. The did's point is not re-validated here: a did
 * reaches this only from a record whose signature it verified, which decoded the point already. Equal to noble's
 * `toMontgomery` for every valid key (test/private/keys.spec.ts).
 */
export function montgomeryU (edwardsPublicKey: Uint8Array): Uint8Array {
  if (edwardsPublicKey.length !== 32) throw new RangeError('an Ed25519 public key has 32 bytes')
  let y = 0n
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? edwardsPublicKey[i] & 0x7f : edwardsPublicKey[i])
  const u = (1n + y) * invert((1n - y + P) % P, P) % P
  const out = new Uint8Array(32)
  let v = u
  for (let i = 0; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn)
  return out
}

/** The X25519 public key of a did:key (32 bytes); InvalidRecordError from the did parser when it is not one */
export function encryptionPublicKey (did: string): Uint8Array {
  return montgomeryU(publicKeyFromDidKey(did))
}

/** The X25519 secret key of an Ed25519 seed (32 bytes, already clamped) */
export function encryptionSecretKey (seed: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomerySecret(seed)
}
