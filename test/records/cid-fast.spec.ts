/**
 * Record CID strings made from and read back to their digest without multiformats' CID objects
 * (recordCidFromDigest, recordDigestOf): they must agree with multiformats on every digest and every string.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { RECORD_CID_PREFIX, recordCidFromDigest, recordDigestOf } from '../../src/records/cid.ts'

const JSON_CODEC = 0x0200
const SHA2_256 = 0x12
const byMultiformats = (digest: Uint8Array): string => CID.createV1(JSON_CODEC, Digest.create(SHA2_256, digest)).toString()

describe('record CID strings from and to digests', () => {
  it('spells every digest as multiformats does, and reads it back', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (digest) => {
      const cid = recordCidFromDigest(digest)
      assert.equal(cid, byMultiformats(digest))
      assert.deepEqual(recordDigestOf(cid), digest)
    }), { numRuns: 2000 })
    // the edges of the alphabet and of the bit packing
    for (const fill of [0x00, 0xff, 0x80, 0x01]) {
      const digest = new Uint8Array(32).fill(fill)
      assert.equal(recordCidFromDigest(digest), byMultiformats(digest))
      assert.deepEqual(recordDigestOf(byMultiformats(digest)), digest)
    }
  })

  it('returns a fresh string each call (no shared buffer leaks between results)', () => {
    const a = recordCidFromDigest(new Uint8Array(32).fill(1))
    const b = recordCidFromDigest(new Uint8Array(32).fill(2))
    assert.notEqual(a, b)
    assert.equal(a, byMultiformats(new Uint8Array(32).fill(1)))
  })

  it('reads only canonical record CIDs: whatever it accepts, multiformats parses to the same digest and spelling', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567ABZ01=_ '
    const mutated = fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(60), fc.constantFrom(...alphabet)).map(([digest, at, ch]) => {
      const cid = byMultiformats(digest)
      return cid.slice(0, at) + ch + cid.slice(at + 1)
    })
    fc.assert(fc.property(fc.oneof(mutated, fc.string({ maxLength: 70 })), (text) => {
      const digest = recordDigestOf(text)
      if (digest == null) return
      const parsed = CID.parse(text)
      assert.equal(parsed.toString(), text)
      assert.equal(parsed.code, JSON_CODEC)
      assert.deepEqual(parsed.multihash.digest, digest)
    }), { numRuns: 3000 })
  })

  it('refuses other spellings and other CIDs', () => {
    const cid = byMultiformats(new Uint8Array(32).fill(7))
    assert.equal(recordDigestOf(cid.toUpperCase()), undefined)
    assert.equal(recordDigestOf(cid.slice(0, -1)), undefined)
    assert.equal(recordDigestOf(cid + 'a'), undefined)
    // the last character carries 4 spare bits: only the spelling with them zero is canonical
    const last = cid[cid.length - 1]
    const spare = 'abcdefghijklmnopqrstuvwxyz234567'[('abcdefghijklmnopqrstuvwxyz234567'.indexOf(last) | 1)]
    if (spare !== last) assert.equal(recordDigestOf(cid.slice(0, -1) + spare), undefined)
    // a raw-codec CID of the same digest is no record CID
    assert.equal(recordDigestOf(CID.createV1(0x55, Digest.create(SHA2_256, new Uint8Array(32).fill(7))).toString()), undefined)
    assert.equal(RECORD_CID_PREFIX, cid.slice(0, RECORD_CID_PREFIX.length))
    assert.throws(() => recordCidFromDigest(new Uint8Array(31)), { name: 'InvalidCIDError' })
  })
})
