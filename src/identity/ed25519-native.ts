/**
 * RecordCrypto on node:crypto (OpenSSL): about 14× faster than @noble for Ed25519 verification, which is what
 * ingesting records from gossip and sync spends its time on. The browser uses `nobleCrypto` from src/records
 * instead; both produce identical signatures (Ed25519 is deterministic) and accept the same ones.
 *
 * node:crypto wants KeyObjects, and building one from raw bytes costs about as much as a verification, so the
 * KeyObjects are cached per key. The caches are bounded (least recently used goes first): records arrive from
 * arbitrary peers, and each new author must not grow memory forever.
 */
import { createPrivateKey, hash, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { Ed25519, RecordCrypto } from '../records/types.ts'

/** Cached public KeyObjects (one per author seen recently) */
const PUBLIC_KEY_CACHE_SIZE = 4096
/** Cached private KeyObjects (a node signs with a handful of keys) */
const PRIVATE_KEY_CACHE_SIZE = 16

/** DER prefixes that wrap a raw 32-byte Ed25519 key: SPKI for public keys, PKCS#8 for seeds (RFC 8410) */
const SPKI_ED25519_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])
const PKCS8_ED25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
const KEY_BYTES = 32
const SIGNATURE_BYTES = 64

/** A Map used as an LRU: a hit moves the entry to the end, an insert over capacity drops the oldest */
class LruCache<V> {
  readonly #max: number
  readonly #map = new Map<string, V>()

  constructor (max: number) {
    this.#max = max
  }

  get (key: string): V | undefined {
    const value = this.#map.get(key)
    if (value !== undefined) {
      this.#map.delete(key)
      this.#map.set(key, value)
    }
    return value
  }

  set (key: string, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as string)
  }

  get size (): number {
    return this.#map.size
  }
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

function digest (data: Uint8Array): Uint8Array {
  // one-shot: no Hash object per record
  return hash('sha256', data, 'buffer')
}

function wrap (prefix: Uint8Array, key: Uint8Array): Buffer {
  const der = Buffer.allocUnsafe(prefix.length + key.length)
  der.set(prefix, 0)
  der.set(key, prefix.length)
  return der
}

export interface NativeCryptoOptions {
  /** @default 4096 */
  publicKeyCacheSize?: number
  /** @default 16 */
  privateKeyCacheSize?: number
}

/** A RecordCrypto with its own key caches */
export function createNativeCrypto (options: NativeCryptoOptions = {}): RecordCrypto & { cacheSizes(): { publicKeys: number, privateKeys: number } } {
  const publicKeys = new LruCache<KeyObject>(options.publicKeyCacheSize ?? PUBLIC_KEY_CACHE_SIZE)
  const privateKeys = new LruCache<KeyObject>(options.privateKeyCacheSize ?? PRIVATE_KEY_CACHE_SIZE)

  function publicKeyObject (publicKey: Uint8Array): KeyObject {
    const id = hex(publicKey)
    let key = publicKeys.get(id)
    if (key === undefined) {
      key = createPublicKey({ key: wrap(SPKI_ED25519_PREFIX, publicKey), format: 'der', type: 'spki' })
      publicKeys.set(id, key)
    }
    return key
  }

  function privateKeyObject (seed: Uint8Array): KeyObject {
    if (seed.length !== KEY_BYTES) throw new RangeError(`an Ed25519 seed must be ${KEY_BYTES} bytes`)
    // keyed by a hash of the seed, so the cache holds no second copy of the secret as a string
    const id = hex(digest(seed))
    let key = privateKeys.get(id)
    if (key === undefined) {
      key = createPrivateKey({ key: wrap(PKCS8_ED25519_PREFIX, seed), format: 'der', type: 'pkcs8' })
      privateKeys.set(id, key)
    }
    return key
  }

  const ed25519: Ed25519 = {
    getPublicKey (seed: Uint8Array): Uint8Array {
      const spki = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' })
      return new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.length))
    },
    sign (message: Uint8Array, seed: Uint8Array): Uint8Array {
      return new Uint8Array(nodeSign(null, message, privateKeyObject(seed)))
    },
    verify (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
      if (signature.length !== SIGNATURE_BYTES || publicKey.length !== KEY_BYTES) return false
      try {
        return nodeVerify(null, message, publicKeyObject(publicKey), signature)
      } catch {
        // OpenSSL refuses some malformed keys outright; that is a failed verification, not a crash
        return false
      }
    }
  }

  return {
    // a plain Uint8Array copy: callers must not see a Buffer (or a shared pool slab behind it)
    sha256: (data: Uint8Array): Uint8Array => new Uint8Array(digest(data)),
    ed25519,
    cacheSizes: () => ({ publicKeys: publicKeys.size, privateKeys: privateKeys.size })
  }
}

/** The daemon's RecordCrypto: native Ed25519 and SHA-256, shared key caches */
export const nativeCrypto: RecordCrypto = createNativeCrypto()
