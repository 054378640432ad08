/**
 * SimilarWorks: candidates by Hamming radius over every turn, each decided by the match rule of
 * protocols/fingerprints.md §6 (PDQ ≤ 31 over the turns with quality ≥ 50; ISCC Image ≤ 12 where PDQ ≤ 96; Text-Code
 * ≤ 20 then MinHash ≥ 0.25). Codes are made by the test with chosen distances; test/e2e/similarity.spec.ts runs
 * real pictures through real daemons.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { encodeContentUnit, ISCC_SUBTYPE_IMAGE, ISCC_SUBTYPE_TEXT } from '../../src/fingerprints/iscc-codec.ts'
import { LinearScan, SimilarWorks, nearDupSearch } from '../../src/similarity/index.ts'
import type { WorkCodes } from '../../src/similarity/index.ts'

/** A deterministic pseudo-random code of `bytes` bytes */
function code (seed: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < bytes; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff }
  return out
}

/** `c` with its first `n` bits flipped */
function flip (c: Uint8Array, n: number): Uint8Array {
  const out = Uint8Array.from(c)
  for (let i = 0; i < n; i++) out[i >> 3] ^= 0x80 >> (i & 7)
  return out
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const iscc = (subtype: number, b: Uint8Array): string => encodeContentUnit(subtype, 64, b).code
const image = (pdq: Uint8Array | undefined, quality: number, isccBits?: Uint8Array): WorkCodes => ({
  image: { ...(pdq != null ? { pdq: { hash: hex(pdq), quality } } : {}), ...(isccBits != null ? { iscc: iscc(ISCC_SUBTYPE_IMAGE, isccBits) } : {}) }
})
function signature (same: number, seed: number): string {
  const b = Buffer.alloc(256)
  for (let i = 0; i < 64; i++) b.writeUInt32BE(i < same ? i + 1 : (seed * 1000 + i) >>> 0, i * 4)
  return b.toString('hex')
}

for (const [name, search] of [['linear scan', () => new LinearScan()], ['multi-index hashing', nearDupSearch]] as const) {
  describe(`SimilarWorks over a ${name}`, () => {
    const works = (held: Map<string, WorkCodes>): SimilarWorks => {
      const w = new SimilarWorks({ search, codesOf: async (cid) => held.get(cid) })
      for (const [cid, c] of held) w.add(cid, c)
      return w
    }

    it('PDQ: within 31 bits matches, 32 does not; a code of quality under 50 is neither held nor searched with', async () => {
      const base = code(1, 32)
      const held = new Map([['near', image(flip(base, 10), 90)], ['edge', image(flip(base, 31), 90)], ['far', image(flip(base, 32), 90)], ['blurry', image(base, 40)]])
      const w = works(held)
      const found = (await w.query({ codes: image(base, 90) })).works
      assert.deepEqual(found.map(f => [f.cid, f.alg, f.distance]), [['near', 'pdq-256', 10], ['edge', 'pdq-256', 31]])
      assert.deepEqual((await w.query({ codes: image(base, 30) })).works, [])
    })

    it('a turned copy is met through the turns the holder of the bytes computed, and named', async () => {
      const mine = code(3, 32)
      const mirrored = code(4, 32)
      const held = new Map<string, WorkCodes>([['mine', { image: { pdq: { hash: hex(mine), quality: 90, dihedral: { flipX: hex(mirrored) } } } }]])
      const w = works(held)
      assert.deepEqual((await w.query({ codes: image(flip(mirrored, 5), 90), exclude: 'other' })).works, [{ cid: 'mine', alg: 'pdq-256', distance: 5, variant: 'flipX' }])
      w.remove('mine')
      assert.equal(w.size, 0)
      assert.deepEqual((await w.query({ codes: image(mirrored, 90) })).works, [])
    })

    it('a tilted picture is met through the straightened codes its holder computed, from either side, and named', async () => {
      const original = code(10, 32)
      const tiltedPdq = code(11, 32) // far from the original as it is
      const straightPdq = flip(original, 12) // near once straightened
      const straight = { degrees: 3, pdq: { hash: hex(straightPdq), quality: 90 }, iscc: iscc(ISCC_SUBTYPE_IMAGE, code(12, 8)) }
      // the holder of the tilted copy asks: its straightened codes are among its search keys
      const held = new Map<string, WorkCodes>([['original', image(original, 90)]])
      const asked = (await works(held).query({ codes: { image: { pdq: { hash: hex(tiltedPdq), quality: 90 }, straightened: straight } } })).works
      assert.deepEqual(asked, [{ cid: 'original', alg: 'pdq-256', distance: 12, variant: 'straightened' }])
      assert.deepEqual((await works(held).query({ codes: image(tiltedPdq, 90) })).works, []) // the turns alone: nothing
      // the copy is held with its straightened codes: a query with the original's record codes meets it
      const copies = new Map<string, WorkCodes>([['copy', { image: { pdq: { hash: hex(tiltedPdq), quality: 90 }, straightened: straight } }]])
      const w = works(copies)
      assert.deepEqual((await w.query({ codes: image(original, 90) })).works, [{ cid: 'copy', alg: 'pdq-256', distance: 12, variant: 'straightened' }])
      w.remove('copy')
      assert.equal(w.size, 0)
    })

    it('ISCC Image within 12 counts only where PDQ is within 96 (or unusable)', async () => {
      const p = code(5, 32)
      const i = code(6, 8)
      const held = new Map([['confirmed', image(flip(p, 60), 90, flip(i, 10))], ['unconfirmed', image(flip(p, 120), 90, flip(i, 10))], ['no-pdq', image(undefined, 0, flip(i, 12))]])
      const found = (await works(held).query({ codes: image(p, 90, i) })).works
      assert.deepEqual(found.map(f => [f.cid, f.alg, f.distance]), [['confirmed', 'iscc-image-64', 10], ['no-pdq', 'iscc-image-64', 12]])
    })

    it('text: Text-Code within 20 bits, then at least a quarter of the MinHash minima equal', async () => {
      const t = code(7, 8)
      const text = (bits: Uint8Array, same: number, seed: number): WorkCodes => ({ text: { iscc: iscc(ISCC_SUBTYPE_TEXT, bits), minhash: signature(same, seed) } })
      const held = new Map([['close', text(flip(t, 18), 20, 1)], ['unlike', text(flip(t, 3), 10, 2)], ['far', text(flip(t, 21), 64, 3)]])
      const found = (await works(held).query({ codes: text(t, 64, 0) })).works
      assert.deepEqual(found.map(f => [f.cid, f.alg, f.distance, f.similarity]), [['close', 'iscc-text-64', 18, 20 / 64]])
    })

    it('with a radius: every work within it under any algorithm, without the rule, nearest first', async () => {
      const base = code(8, 32)
      const held = new Map([['a', image(flip(base, 40), 90)], ['b', image(flip(base, 20), 90)]])
      const found = (await works(held).query({ codes: image(base, 90), radius: 45 })).works
      assert.deepEqual(found.map(f => [f.cid, f.distance]), [['b', 20], ['a', 40]])
    })
  })
}

describe('the candidate cap (config fingerprints.maxCandidates)', () => {
  it('is read from the config with its documented default, and refuses a cap that is not a positive integer', async () => {
    const { resolveConfig } = await import('../../src/config.ts')
    assert.equal(resolveConfig('/tmp/atelier-cap').fingerprints.maxCandidates, 100_000)
    assert.equal(resolveConfig('/tmp/atelier-cap', { fingerprints: { maxCandidates: 500 } }).fingerprints.maxCandidates, 500)
    assert.throws(() => resolveConfig('/tmp/atelier-cap', { fingerprints: { maxCandidates: 0 } }), /fingerprints\.maxCandidates/)
  })

  it('a search made with a cap stops at it and says truncated; without one, the same query answers whole', () => {
    const base = code(7, 32)
    const capped = nearDupSearch(256, 31, 10)
    const whole = nearDupSearch(256, 31)
    for (let i = 0; i < 40; i++) {
      capped.add(`w${i}`, flip(base, i % 8))
      whole.add(`w${i}`, flip(base, i % 8))
    }
    const cut = capped.query(base, 31)
    assert.equal(cut.truncated, true)
    assert.ok(cut.matches.length <= 10, `${cut.matches.length} matches past a cap of 10`)
    const all = whole.query(base, 31)
    assert.equal(all.truncated, false)
    assert.equal(all.matches.length, 40)
  })
})
