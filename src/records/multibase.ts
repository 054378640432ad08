/**
 * Multibase base58btc (`z…`) and multicodec-prefixed key encodings, as did:key and the W3C vectors use them:
 * `publicKeyMultibase` = z + base58btc(varint 0xed ‖ 32-byte key), `privateKeyMultibase` = z + base58btc(varint 0x1300
 * ‖ 32-byte seed).
 */
import { base58btc } from 'multiformats/bases/base58'
import { varint } from 'multiformats'
import { InvalidRecordError } from '../errors.ts'
import { ED25519_PRIV_CODEC, ED25519_PUB_CODEC, ED25519_PUBLIC_KEY_BYTES, ED25519_SEED_BYTES } from './constants.ts'

/** The varint bytes of a multicodec code, computed once per code */
function codecPrefix (code: number): Uint8Array {
  const out = new Uint8Array(varint.encodingLength(code))
  varint.encodeTo(code, out)
  return out
}

const PUB_PREFIX = codecPrefix(ED25519_PUB_CODEC)
const PRIV_PREFIX = codecPrefix(ED25519_PRIV_CODEC)

/** `z` + base58btc of `bytes` */
export function encodeBase58Multibase (bytes: Uint8Array): string {
  return base58btc.encode(bytes)
}

/** Bytes of a `z…` multibase string; InvalidRecordError naming `what` when it is not one */
export function decodeBase58Multibase (value: string, what: string = 'value'): Uint8Array {
  if (typeof value !== 'string' || value[0] !== 'z') {
    throw new InvalidRecordError(`${what} must be a base58btc multibase string (starting with "z")`, { details: { field: what } })
  }
  try {
    return base58btc.decode(value)
  } catch (err) {
    throw new InvalidRecordError(`${what} is not valid base58btc`, { cause: err, details: { field: what } })
  }
}

/** `prefix ‖ key` encoded as multibase */
function encodePrefixed (prefix: Uint8Array, key: Uint8Array, size: number, what: string): string {
  if (key.length !== size) throw new InvalidRecordError(`${what} must be ${size} bytes, got ${key.length}`)
  const bytes = new Uint8Array(prefix.length + size)
  bytes.set(prefix, 0)
  bytes.set(key, prefix.length)
  return base58btc.encode(bytes)
}

/** Inverse of encodePrefixed; checks the multicodec prefix and the key length */
function decodePrefixed (value: string, prefix: Uint8Array, size: number, what: string): Uint8Array {
  const bytes = decodeBase58Multibase(value, what)
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[i] !== prefix[i]) {
      throw new InvalidRecordError(`${what} does not carry the expected multicodec prefix`, { details: { field: what } })
    }
  }
  if (bytes.length !== prefix.length + size) {
    throw new InvalidRecordError(`${what} must hold a ${size}-byte key`, { details: { field: what } })
  }
  return bytes.subarray(prefix.length)
}

/** `publicKeyMultibase` of an Ed25519 public key (`z6Mk…`) */
export function encodePublicKeyMultibase (publicKey: Uint8Array): string {
  return encodePrefixed(PUB_PREFIX, publicKey, ED25519_PUBLIC_KEY_BYTES, 'Ed25519 public key')
}

/** 32-byte Ed25519 public key of a `z6Mk…` multibase string */
export function decodePublicKeyMultibase (value: string, what: string = 'publicKeyMultibase'): Uint8Array {
  return decodePrefixed(value, PUB_PREFIX, ED25519_PUBLIC_KEY_BYTES, what)
}

/** `privateKeyMultibase` of a 32-byte Ed25519 seed (`z3u2…`), the form of the W3C vectors' keyPair.json */
export function encodeSeedMultibase (seed: Uint8Array): string {
  return encodePrefixed(PRIV_PREFIX, seed, ED25519_SEED_BYTES, 'Ed25519 seed')
}

/** 32-byte Ed25519 seed of a `z3u2…` multibase string */
export function decodeSeedMultibase (value: string, what: string = 'privateKeyMultibase'): Uint8Array {
  return decodePrefixed(value, PRIV_PREFIX, ED25519_SEED_BYTES, what)
}
