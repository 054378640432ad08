import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { compressMinhash, minhash, minhashSimilarity } from '../../src/fingerprints/minhash.ts'
import { MPA, MPB } from '../../src/fingerprints/minhash-params.ts'
import { seededRandom } from '../utils/random.ts'

/** The formula as ISCC writes it, in BigInt: the oracle for the limb arithmetic */
function minhashBigInt (features: number[]): number[] {
  return MPA.map((a, p) => {
    let min = 1n << 32n
    for (const f of features) {
      const h = (((a * BigInt(f) + MPB[p]) & ((1n << 64n) - 1n)) % ((1n << 61n) - 1n)) & 0xffffffffn
      if (h < min) min = h
    }
    return Number(min)
  })
}

describe('MinHash', () => {
  it('equals the BigInt formula for random and extreme 32-bit features', () => {
    const rnd = seededRandom(12)
    const features = [0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]
    for (let i = 0; i < 2000; i++) features.push(Math.floor(rnd() * 0x100000000))
    // one feature at a time, so every (permutation, feature) value is compared, not only the minima
    for (const f of features) assert.deepEqual(Array.from(minhash([f])), minhashBigInt([f]), `feature ${f}`)
    assert.deepEqual(Array.from(minhash(features)), minhashBigInt(features))
  })

  it('compresses bit 0 of every minimum first, most significant bit first', () => {
    const mh = new Uint32Array(64).fill(0)
    mh[0] = 1 // bit 0 of the first minimum → the first bit of the digest
    mh[63] = 2 // bit 1 of the last minimum → bit 127 of the digest
    const d = compressMinhash(mh, 4)
    assert.equal(d.length, 32)
    assert.equal(d[0], 0x80)
    assert.equal(d[15], 0x01)
    assert.equal(d.reduce((n, b) => n + (b === 0 ? 0 : 1), 0), 2)
  })

  it('estimates Jaccard similarity: half-shared feature sets come out near 1/3', () => {
    const rnd = seededRandom(3)
    const shared = Array.from({ length: 500 }, () => Math.floor(rnd() * 0x100000000))
    const a = [...shared, ...Array.from({ length: 500 }, () => Math.floor(rnd() * 0x100000000))]
    const b = [...shared, ...Array.from({ length: 500 }, () => Math.floor(rnd() * 0x100000000))]
    const s = minhashSimilarity(minhash(a), minhash(b)) // true Jaccard 500 / 1500
    assert.ok(s > 0.15 && s < 0.5, `estimate ${s}`)
    assert.equal(minhashSimilarity(minhash(a), minhash([...a].reverse())), 1)
    assert.throws(() => minhash([]), RangeError)
  })
})
