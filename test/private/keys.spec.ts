import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import fc from 'fast-check'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { didKeyFromPublicKey } from '../../src/records/did-key.ts'
import { DecryptionError, encryptionPublicKey, encryptionSecretKey, newEpochKey, open, seal, unwrapEpochKey, wrapEpochKey } from '../../src/private/index.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))

/** A member: its seed and did:key */
function member (seed: Uint8Array): { seed: Uint8Array, did: string } {
  return { seed, did: didKeyFromPublicKey(ed25519.getPublicKey(seed)) }
}

/** The X25519 public key of a secret by the platform's own X25519 (an independent path) */
function nativeX25519Public (secret: Uint8Array): Uint8Array {
  const d = Buffer.from(secret).toString('base64url')
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: Buffer.from(x25519.getPublicKey(secret)).toString('base64url') }, format: 'jwk' })
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as { x: string }
  return Uint8Array.from(Buffer.from(jwk.x, 'base64url'))
}

describe('member encryption keys from did:keys', () => {
  it('equal libsodium\'s ed25519_convert vector (test/default/ed25519_convert.exp)', () => {
    const m = member(bytes('421151a459faeade3d247115f94aedae42318124095afabe4d1451a559faedee'))
    assert.equal(hex(encryptionSecretKey(m.seed)), '8052030376d47112be7f73ed7a019293dd12ad910b654455798b4667d73de166')
    assert.equal(hex(encryptionPublicKey(m.did)), 'f1814f0e8ff1043d8a44d25babff3cedcae6c22c3edaa48f857ae70de2baae50')
  })

  it('the public map of the did and X25519 of the secret map agree, by noble and by the platform, for any seed', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
      const m = member(seed)
      const pub = hex(encryptionPublicKey(m.did))
      assert.equal(hex(x25519.getPublicKey(encryptionSecretKey(seed))), pub)
      assert.equal(hex(nativeX25519Public(encryptionSecretKey(seed))), pub)
      assert.equal(hex(ed25519.utils.toMontgomery(ed25519.getPublicKey(seed))), pub, 'noble\'s own map of the point')
    }), { numRuns: 50 })
  })
})

describe('epoch keys wrapped to members', () => {
  const collective = 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea'
  const members = Array.from({ length: 5 }, (_, i) => member(new Uint8Array(32).fill(i + 1)))

  it('each member opens its own wrap and no other; a non-member opens none', async () => {
    const key = newEpochKey()
    const wraps = wrapEpochKey(collective, 3, key, members.map(m => m.did))
    assert.deepEqual(wraps.map(w => w.to), members.map(m => m.did))
    for (const [i, m] of members.entries()) {
      assert.deepEqual(unwrapEpochKey(collective, 3, wraps[i], m.seed), key)
      assert.throws(() => unwrapEpochKey(collective, 3, wraps[(i + 1) % wraps.length], m.seed), DecryptionError)
    }
    const outsider = member(new Uint8Array(32).fill(99))
    for (const w of wraps) assert.throws(() => unwrapEpochKey(collective, 3, w, outsider.seed), DecryptionError)
  })

  it('a wrap is bound to its recipient, epoch and collective, and to its bytes', async () => {
    const [m, other] = members
    const [w] = wrapEpochKey(collective, 7, newEpochKey(), [m.did])
    assert.throws(() => unwrapEpochKey(collective, 8, w, m.seed), DecryptionError, 'another epoch')
    assert.throws(() => unwrapEpochKey(collective.replace('a', 'b'), 7, w, m.seed), DecryptionError, 'another collective')
    assert.throws(() => unwrapEpochKey(collective, 7, { ...w, to: other.did }, m.seed), DecryptionError, 'readdressed')
    const ct = Uint8Array.from(w.ct)
    ct[5] ^= 1
    assert.throws(() => unwrapEpochKey(collective, 7, { ...w, ct }, m.seed), DecryptionError, 'tampered')
  })

  it('a member removed before an epoch opens nothing of it (random member sets and removals)', async () => {
    await fc.assert(fc.asyncProperty(fc.subarray(members, { minLength: 2 }), fc.nat(), async (group, pick) => {
      const removed = group[pick % group.length]
      const remaining = group.filter(m => m !== removed)
      const key = newEpochKey()
      const wraps = wrapEpochKey(collective, 1, key, remaining.map(m => m.did))
      for (const w of wraps) assert.throws(() => unwrapEpochKey(collective, 1, w, removed.seed), DecryptionError)
      for (const [i, m] of remaining.entries()) assert.deepEqual(unwrapEpochKey(collective, 1, wraps[i], m.seed), key)
    }), { numRuns: 15 })
  })
})

describe('envelopes', () => {
  const collective = 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea'

  it('open with the epoch key, and never with another key, epoch, collective or altered bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (plain) => {
      const key = newEpochKey()
      const e = seal(key, collective, 2, plain)
      assert.deepEqual(open(key, e), plain)
      assert.equal(e.ct.length, plain.length + 16)
      if (plain.length >= 16) assert.notDeepEqual(e.ct.subarray(0, plain.length), plain)
      assert.throws(() => open(newEpochKey(), e), DecryptionError)
      assert.throws(() => open(key, { ...e, epoch: 3 }), DecryptionError)
      assert.throws(() => open(key, { ...e, collective: collective + 'x' }), DecryptionError)
      const ct = Uint8Array.from(e.ct)
      ct[ct.length - 1] ^= 1
      assert.throws(() => open(key, { ...e, ct }), DecryptionError)
    }), { numRuns: 40 })
  })

  it('two envelopes of the same bytes differ (a fresh key each)', () => {
    const key = newEpochKey()
    const plain = new Uint8Array(64)
    assert.notDeepEqual(seal(key, collective, 0, plain).ct, seal(key, collective, 0, plain).ct)
  })
})
