import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { xxh32 } from '../../src/fingerprints/xxh32.ts'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('xxh32', () => {
  it('gives the published values (xxHash sanity checks and python-xxhash README)', () => {
    assert.equal(xxh32(new Uint8Array(0)), 0x02CC5D05)
    assert.equal(xxh32(utf8('a')), 0x550D7456)
    assert.equal(xxh32(utf8('abc')), 0x32D153FF)
    // ≥ 16 bytes takes the four-lane path
    assert.equal(xxh32(utf8('Nobody inspects the spammish repetition')), 0xE2293B2F)
  })

  it('returns an unsigned 32-bit integer for every tail length', () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => i * 37)
    const seen = new Set<number>()
    for (let n = 0; n <= bytes.length; n++) {
      const h = xxh32(bytes.subarray(0, n))
      assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xFFFFFFFF)
      seen.add(h)
    }
    assert.equal(seen.size, bytes.length + 1)
  })
})

describe('xxh32 over a range', () => {
  it('hashes bytes start…end of a larger array as it hashes a copy of them', () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 91) & 0xff)
    for (const [s, e] of [[0, 0], [3, 3], [5, 18], [7, 23], [1, 64], [40, 57]]) {
      assert.equal(xxh32(bytes, 0, s, e), xxh32(bytes.slice(s, e)))
    }
  })
})
