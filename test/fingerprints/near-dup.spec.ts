/**
 * The near-duplicate index answers exactly what a linear scan answers: for random code sets with planted neighbours
 * around the radius, after random interleavings of adds, replacements and removes, at any query radius, with the
 * tables forced on small sets (so every layout, segment and the unindexed tail are exercised). Plus: order is
 * deterministic, the candidate cap is flagged, loading from persisted entries skips what it must, and a turned or
 * mirrored image is found through PDQ's dihedral variants.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Sharp } from 'sharp'
import { NearDupIndex, NearDupSet, queryDihedral, pdqVariantsFromHash, chooseSubstrings, type FingerprintEntry, type NearDupMatch } from '../../src/fingerprints/near-dup/index.ts'
import { estimateCost, substrings } from '../../src/fingerprints/near-dup/plan.ts'
import { extractBits, packWords } from '../../src/fingerprints/near-dup/bits.ts'
import { hamming, fromHex } from '../../src/fingerprints/hamming.ts'
import { imageFingerprints } from '../../src/fingerprints/image.ts'
import { PDQ_VARIANTS, type PdqVariant } from '../../src/fingerprints/pdq.ts'
import { FingerprintInputError } from '../../src/fingerprints/errors.ts'
import { seededRandom } from '../utils/random.ts'
import { png, structuredImage, toSharp } from './generated.ts'

const byDistanceThenId = (a: NearDupMatch, b: NearDupMatch): number => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

function linear (model: Map<string, Uint8Array>, q: Uint8Array, radius: number): NearDupMatch[] {
  const out: NearDupMatch[] = []
  for (const [id, code] of model) {
    const d = hamming(code, q)
    if (d <= radius) out.push({ id, distance: d })
  }
  return out.sort(byDistanceThenId)
}

function randomCode (bytes: number, rnd: () => number): Uint8Array {
  return Uint8Array.from({ length: bytes }, () => Math.floor(rnd() * 256))
}

function flipBits (code: Uint8Array, count: number, rnd: () => number): Uint8Array {
  const out = Uint8Array.from(code)
  const chosen = new Set<number>()
  while (chosen.size < Math.min(count, code.length * 8)) chosen.add(Math.floor(rnd() * code.length * 8))
  for (const b of chosen) out[b >> 3] ^= 1 << (b & 7)
  return out
}

/** A layout (bits, design radius, m) whose probes stay small enough for a property run */
interface Layout { bits: number, radius: number, m: number }
const layoutArb: fc.Arbitrary<Layout> = fc.constantFrom(32, 64, 128, 256).chain((bits: number) => fc.integer({ min: 0, max: Math.min(40, bits / 2) }).chain(radius => {
  const lo = Math.ceil(bits / 32)
  const ms: number[] = []
  for (let m = lo; m <= Math.max(lo, Math.min(bits, radius + 1)); m++) {
    if (estimateCost(substrings(bits, m), radius + 6, 0, bits / 32).probes <= 30_000) ms.push(m)
  }
  return ms.length === 0 ? fc.constant(null) : fc.constantFrom(...ms).map(m => ({ bits, radius, m }))
})).filter((x): x is Layout => x !== null)

const opArb = fc.record({
  kind: fc.constantFrom('add', 'add', 'add', 'near', 'near', 'replace', 'remove', 'query', 'query'),
  pick: fc.nat(),
  seed: fc.integer(),
  delta: fc.integer({ min: -6, max: 6 })
})

describe('near-duplicate index: exact against a linear scan', () => {
  it('bit extraction equals reading the bits one by one', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 32 }), (bytes, start, len) => {
      fc.pre(start + len <= 256)
      const words = new Uint32Array(8)
      packWords(bytes, words, 0)
      let expected = 0
      for (let b = start; b < start + len; b++) expected = expected * 2 + ((bytes[b >> 3] >> (7 - (b & 7))) & 1)
      assert.equal(extractBits(words, 0, start, len), expected)
    }), { numRuns: 500 })
  })

  it('answers equal a linear scan after random interleavings of add, replace and remove (tables forced)', () => {
    fc.assert(fc.property(layoutArb, fc.array(opArb, { minLength: 1, maxLength: 160 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (layout, ops, deltaMax, seed) => {
      const { bits, radius, m } = layout
      const bytes = bits / 8
      const rnd = seededRandom(seed)
      const index = new NearDupIndex({ bits, radius, substrings: m, deltaMax, linearFallback: false, maxCandidates: 1e9 })
      const model = new Map<string, Uint8Array>()
      const ids = (): string[] => [...model.keys()]
      let next = 0
      const check = (q: Uint8Array, r: number): void => {
        const got = index.query(q, r)
        assert.equal(got.truncated, false)
        assert.deepEqual(got.matches, linear(model, q, r), `bits ${bits} m ${m} design r ${radius} query r ${r}`)
      }
      for (const op of ops) {
        const existing = ids()
        const some = existing.length > 0 ? existing[op.pick % existing.length] : undefined
        switch (op.kind) {
          case 'add': {
            const code = randomCode(bytes, rnd)
            index.add(`id${next}`, code); model.set(`id${next++}`, code); break
          }
          case 'near': { // planted near a held code, at a distance around the radius
            const base = some !== undefined ? model.get(some) as Uint8Array : randomCode(bytes, rnd)
            const code = flipBits(base, Math.max(0, radius + op.delta), rnd)
            index.add(`id${next}`, code); model.set(`id${next++}`, code); break
          }
          case 'replace': {
            if (some === undefined) break
            const code = flipBits(model.get(some) as Uint8Array, Math.abs(op.delta) * 3, rnd)
            index.add(some, code); model.set(some, code); break
          }
          case 'remove': {
            const id = some ?? 'never-added'
            assert.equal(index.remove(id), model.delete(id)); break
          }
          case 'query': {
            const base = some !== undefined && op.pick % 3 !== 0 ? model.get(some) as Uint8Array : randomCode(bytes, rnd)
            const q = flipBits(base, Math.max(0, radius + op.delta), rnd)
            check(q, Math.max(0, Math.min(bits, radius + (op.seed % 7))))
            break
          }
        }
        assert.equal(index.size, model.size)
      }
      // and a final query at the design radius around every held code (a sample)
      for (const id of ids().slice(0, 10)) check(flipBits(model.get(id) as Uint8Array, radius, rnd), radius)
    }), { numRuns: 150 })
  })

  it('the default layout (with the scan fallback) is exact too, on a set large enough to build tables', () => {
    const rnd = seededRandom(42)
    const model = new Map<string, Uint8Array>()
    for (let i = 0; i < 30_000; i++) model.set(`c${i}`, randomCode(8, rnd))
    for (let i = 0; i < 300; i++) model.set(`near${i}`, flipBits(model.get(`c${i}`) as Uint8Array, 10 + (i % 5), rnd))
    const index = NearDupIndex.build({ bits: 64, radius: 12 }, model)
    assert.ok(index.stats().substrings > 0, 'tables were built')
    for (let i = 0; i < 200; i++) {
      const q = flipBits(model.get(`c${i}`) as Uint8Array, i % 14, rnd)
      const got = index.query(q, 12)
      assert.equal(got.via, 'tables')
      assert.deepEqual(got.matches, linear(model, q, 12))
      assert.ok(got.candidates < model.size / 5, `verified ${got.candidates} of ${model.size}`)
    }
  })

  it('order is deterministic: distance, then id, whatever order the codes came in', () => {
    const rnd = seededRandom(7)
    const q = randomCode(32, rnd)
    const codes = Array.from({ length: 60 }, (_, i) => [`id-${(i * 37) % 60}`, flipBits(q, i % 4, rnd)] as const)
    const a = NearDupIndex.build({ bits: 256, radius: 31, substrings: 16, linearFallback: false }, codes)
    const b = new NearDupIndex({ bits: 256, radius: 31, substrings: 16, deltaMax: 7, linearFallback: false })
    for (const [id, code] of [...codes].reverse()) b.add(id, code)
    const ra = a.query(q, 31).matches
    assert.deepEqual(ra, b.query(q, 31).matches)
    assert.deepEqual(ra, [...ra].sort(byDistanceThenId))
    assert.equal(ra.length, 60)
    assert.deepEqual(a.query(q, 31, { limit: 5 }).matches, ra.slice(0, 5))
  })

  it('the candidate cap stops a query and says so; the matches are then a subset', () => {
    const rnd = seededRandom(3)
    const q = randomCode(8, rnd)
    const model = new Map<string, Uint8Array>()
    for (let i = 0; i < 500; i++) model.set(`x${String(i).padStart(3, '0')}`, flipBits(q, i % 6, rnd))
    const index = NearDupIndex.build({ bits: 64, radius: 12, maxCandidates: 100, linearFallback: false, substrings: 4 }, model)
    const capped = index.query(q, 12)
    assert.equal(capped.truncated, true)
    assert.equal(capped.candidates, 100)
    const full = linear(model, q, 12)
    assert.ok(capped.matches.length < full.length)
    for (const m of capped.matches) assert.ok(full.some(f => f.id === m.id && f.distance === m.distance))
    const uncapped = index.query(q, 12, { maxCandidates: 10_000 })
    assert.equal(uncapped.truncated, false)
    assert.deepEqual(uncapped.matches, full)
  })

  it('refuses a code of the wrong length or a bad radius with a typed error', () => {
    const index = new NearDupIndex({ bits: 64, radius: 12 })
    assert.throws(() => index.add('a', new Uint8Array(7)), (e: Error) => e instanceof FingerprintInputError && (e as FingerprintInputError).code === 'ERR_FINGERPRINT_INPUT')
    assert.throws(() => index.query(new Uint8Array(32), 12), FingerprintInputError)
    assert.throws(() => index.query(new Uint8Array(8), -1), FingerprintInputError)
    assert.throws(() => index.query(new Uint8Array(8), 1.5), FingerprintInputError)
    assert.throws(() => new NearDupIndex({ bits: 60, radius: 3 }), RangeError)
  })

  it('plans no tables for a small set and tables for a million (the plan in plan.ts)', () => {
    assert.equal(chooseSubstrings(256, 31, 10), null)
    const m = chooseSubstrings(256, 31, 1_000_000)
    assert.ok(m !== null && m >= 10 && m <= 14, `m = ${m}`)
    const m64 = chooseSubstrings(64, 12, 1_000_000)
    assert.ok(m64 !== null && m64 >= 3 && m64 <= 5, `m = ${m64}`)
  })
})

describe('NearDupSet: loading persisted entries', () => {
  it('indexes each algorithm apart, skips unknown algorithms, wrong lengths and low PDQ quality, replaces per record', async () => {
    const rnd = seededRandom(11)
    const pdq = randomCode(32, rnd)
    const iscc = randomCode(8, rnd)
    async function * entries (): AsyncGenerator<FingerprintEntry> {
      yield { alg: 'pdq-256', code: pdq, cid: 'rec-a', quality: 100 }
      yield { alg: 'pdq-256', code: flipBits(pdq, 20, rnd), cid: 'rec-b', quality: 80 }
      yield { alg: 'pdq-256', code: flipBits(pdq, 3, rnd), cid: 'rec-low', quality: 49 }
      yield { alg: 'pdq-256', code: randomCode(8, rnd), cid: 'rec-short', quality: 90 }
      yield { alg: 'iscc-image-64', code: iscc, cid: 'rec-a' }
      yield { alg: 'iscc-text-64', code: flipBits(iscc, 2, rnd), cid: 'rec-t' }
      yield { alg: 'minhash-64x32', code: randomCode(256, rnd), cid: 'rec-t' }
      yield { alg: 'toString', code: randomCode(8, rnd), cid: 'rec-x' }
      yield { alg: 'pdq-256', code: flipBits(pdq, 40, rnd), cid: 'rec-b', quality: 80 } // rec-b again: replaces
    }
    const { set, summary } = await NearDupSet.load(entries())
    assert.deepEqual(summary.skipped, { 'unknown-alg': 2, 'bad-length': 1, 'low-quality': 1 })
    assert.deepEqual(summary.indexed, { 'pdq-256': 2, 'iscc-image-64': 1, 'iscc-text-64': 1 })
    assert.deepEqual(set.query('pdq-256', pdq).matches, [{ id: 'rec-a', distance: 0 }]) // rec-b now at 40 > 31
    assert.deepEqual(set.query('pdq-256', pdq, { radius: 40 }).matches.map(m => m.id), ['rec-a', 'rec-b'])
    assert.deepEqual(set.query('iscc-image-64', iscc).matches.map(m => m.id), ['rec-a']) // the text index is apart
    assert.equal(set.add({ alg: 'pdq-256', code: pdq, cid: 'rec-c', quality: 30 }), 'low-quality')
    assert.equal(set.add({ alg: 'pdq-256', code: pdq, cid: 'rec-c', quality: 60 }), null)
    assert.equal(set.remove('rec-a'), true)
    assert.deepEqual(set.query('pdq-256', pdq).matches, [{ id: 'rec-c', distance: 0 }])
    assert.deepEqual(set.query('iscc-image-64', iscc).matches, [])
    assert.throws(() => set.query('minhash-64x32', new Uint8Array(256)), FingerprintInputError)
  })
})

describe('PDQ dihedral queries (generated images, sharp transforms)', () => {
  const original = structuredImage(21)
  let set: NearDupSet
  let originalHash: Uint8Array
  before(async () => {
    const entries: FingerprintEntry[] = []
    const fp = await imageFingerprints(await png(original))
    originalHash = fromHex(fp.pdq.hash)
    entries.push({ alg: 'pdq-256', code: originalHash, cid: 'original', quality: fp.pdq.quality })
    for (let i = 0; i < 30; i++) { // unrelated works
      const other = await imageFingerprints(await png(structuredImage(500 + i, 160, 120)))
      entries.push({ alg: 'pdq-256', code: fromHex(other.pdq.hash), cid: `other-${i}`, quality: other.pdq.quality })
    }
    set = (await NearDupSet.load(entries)).set
  })

  for (const [name, make] of [
    ['upside down', (s: Sharp) => s.flip()],
    ['mirrored', (s: Sharp) => s.flop()],
    ['turned 90° clockwise', (s: Sharp) => s.rotate(90)],
    ['turned 180°', (s: Sharp) => s.rotate(180)],
    ['turned 90° counter-clockwise', (s: Sharp) => s.rotate(270)]
  ] as const) {
    it(`${name}: not found by its plain hash, found through its variants, and from its hash alone`, async () => {
      const fp = await imageFingerprints(new Uint8Array(await make(toSharp(original)).png().toBuffer()))
      const plain = fromHex(fp.pdq.hash)
      assert.deepEqual(set.query('pdq-256', plain).matches.filter(m => m.id === 'original'), [])
      const exact = Object.fromEntries(PDQ_VARIANTS.map(v => [v, fromHex(fp.pdq.dihedral[v])])) as Record<PdqVariant, Uint8Array>
      const r = queryDihedral(set.index('pdq-256'), exact, 31)
      assert.equal(r.truncated, false)
      assert.equal(r.matches.length, 1, JSON.stringify(r.matches))
      assert.equal(r.matches[0].id, 'original')
      assert.notEqual(r.matches[0].variant, 'original')
      // the variants derived from the hash bits alone (a work known only by its record) find it too
      const derived = queryDihedral(set.index('pdq-256'), pdqVariantsFromHash(plain), 31)
      assert.deepEqual(derived.matches.map(m => [m.id, m.variant]), [['original', r.matches[0].variant]])
    })
  }

  it('hash-derived variants are near the exact ones (the original of each variant is exact)', async () => {
    const fp = await imageFingerprints(await png(structuredImage(77)))
    const derived = pdqVariantsFromHash(fromHex(fp.pdq.hash))
    assert.equal(hamming(derived.original, fromHex(fp.pdq.hash)), 0)
    for (const v of PDQ_VARIANTS) {
      const d = hamming(derived[v], fromHex(fp.pdq.dihedral[v]))
      assert.ok(d <= 16, `${v}: ${d} bits from the exact variant`)
    }
    assert.equal(hamming(originalHash, originalHash), 0)
  })
})
