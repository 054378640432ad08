/**
 * nativeCrypto (node:crypto) against nobleCrypto: same keys, same signatures, same verdicts, bounded caches.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { nobleCrypto } from '../../src/records/index.ts'
import { createNativeCrypto, nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { authorSeed, utf8 } from './helpers.ts'

describe('nativeCrypto', () => {
  it('matches noble on sha256', () => {
    for (const input of ['', 'abc', 'x'.repeat(100000)]) {
      const native = nativeCrypto.sha256(utf8(input))
      assert.equal(Object.getPrototypeOf(native), Uint8Array.prototype, 'a plain Uint8Array, not a Buffer')
      assert.deepEqual(native, nobleCrypto.sha256(utf8(input)))
    }
  })

  it('matches noble on keys, signatures and verification', () => {
    for (let i = 0; i < 20; i++) {
      const seed = globalThis.crypto.getRandomValues(new Uint8Array(32))
      const message = globalThis.crypto.getRandomValues(new Uint8Array(i * 7))
      const publicKey = nobleCrypto.ed25519.getPublicKey(seed)
      assert.deepEqual(nativeCrypto.ed25519.getPublicKey(seed), publicKey)
      const signature = nativeCrypto.ed25519.sign(message, seed)
      assert.deepEqual(signature, nobleCrypto.ed25519.sign(message, seed))
      assert.equal(nativeCrypto.ed25519.verify(signature, message, publicKey), true)
      const bad = signature.slice()
      bad[0] ^= 0x80
      assert.equal(nativeCrypto.ed25519.verify(bad, message, publicKey), false)
      assert.equal(nobleCrypto.ed25519.verify(bad, message, publicKey), false)
    }
  })

  it('returns false, never throws, on malformed input', () => {
    const publicKey = nativeCrypto.ed25519.getPublicKey(authorSeed)
    const signature = nativeCrypto.ed25519.sign(utf8('m'), authorSeed)
    assert.equal(nativeCrypto.ed25519.verify(signature.subarray(0, 63), utf8('m'), publicKey), false)
    assert.equal(nativeCrypto.ed25519.verify(signature, utf8('m'), publicKey.subarray(0, 31)), false)
    assert.equal(nativeCrypto.ed25519.verify(signature, utf8('m'), new Uint8Array(32).fill(0xff)), false)
  })

  it('keeps its key caches bounded', () => {
    const crypto = createNativeCrypto({ publicKeyCacheSize: 3, privateKeyCacheSize: 2 })
    const signature = new Uint8Array(64)
    for (let i = 0; i < 10; i++) {
      const seed = new Uint8Array(32).fill(i + 1)
      const publicKey = crypto.ed25519.getPublicKey(seed)
      crypto.ed25519.verify(signature, utf8('m'), publicKey)
    }
    assert.deepEqual(crypto.cacheSizes(), { publicKeys: 3, privateKeys: 2 })
  })
})
