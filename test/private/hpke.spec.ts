import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import fc from 'fast-check'
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { openBase, sealBase } from '../../src/private/hpke.ts'

const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const ab = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer

const vector = JSON.parse(await readFile(new URL('../../protocols/vectors/hpke/x25519-sha256-chacha20poly1305-base.json', import.meta.url), 'utf8'))
/** The reference: @hpke/core (dajiaji/hpke-js) with its ChaCha20-Poly1305 module */
const reference = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() })

describe('HPKE base mode, X25519 / HKDF-SHA256 / ChaCha20-Poly1305', () => {
  it('seals RFC 9180 A.2.1\'s first encryption exactly, and opens it', () => {
    const e = vector.encryption
    const sealed = sealBase(bytes(vector.pkRm), bytes(vector.info), bytes(e.aad), bytes(e.pt), bytes(vector.skEm))
    assert.equal(hex(sealed.enc), vector.enc)
    assert.equal(hex(sealed.ct), e.ct)
    assert.equal(hex(openBase(bytes(vector.skRm), { enc: bytes(vector.enc), ct: bytes(e.ct) }, bytes(vector.info), bytes(e.aad))), e.pt)
  })

  it('what it seals the reference opens, and what the reference seals it opens', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), async (pt, info, aad) => {
      const kp = await reference.kem.generateKeyPair()
      const pkR = new Uint8Array(await reference.kem.serializePublicKey(kp.publicKey))
      const skR = new Uint8Array(await reference.kem.serializePrivateKey(kp.privateKey))
      const mine = sealBase(pkR, info, aad, pt)
      const opened = new Uint8Array(await reference.open({ recipientKey: kp, enc: ab(mine.enc), info: ab(info) }, ab(mine.ct), ab(aad)))
      assert.deepEqual(opened, pt)
      const theirs = await reference.seal({ recipientPublicKey: kp.publicKey, info: ab(info) }, ab(pt), ab(aad))
      assert.deepEqual(openBase(skR, { enc: new Uint8Array(theirs.enc), ct: new Uint8Array(theirs.ct) }, info, aad), pt)
    }), { numRuns: 25 })
  })

  it('refuses another info, aad, recipient or a flipped bit', () => {
    const sk = bytes(vector.skRm)
    const s = sealBase(bytes(vector.pkRm), bytes('01'), bytes('02'), bytes('030405'))
    assert.throws(() => openBase(sk, s, bytes('00'), bytes('02')))
    assert.throws(() => openBase(sk, s, bytes('01'), bytes('00')))
    assert.throws(() => openBase(bytes(vector.skEm), s, bytes('01'), bytes('02')))
    const ct = Uint8Array.from(s.ct)
    ct[0] ^= 1
    assert.throws(() => openBase(sk, { ...s, ct }, bytes('01'), bytes('02')))
    assert.throws(() => openBase(sk, { enc: s.enc.subarray(1), ct: s.ct }, bytes('01'), bytes('02')), RangeError)
  })
})
