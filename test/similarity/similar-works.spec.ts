import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { LinearScan, SimilarWorks } from '../../src/similarity/index.ts'
import type { WorkCode } from '../../src/similarity/index.ts'

/** A deterministic pseudo-random code of `bytes` bytes */
function code (seed: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  let x = seed * 2654435761 >>> 0
  for (let i = 0; i < bytes; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff }
  return out
}

/** `c` with its first `n` bits flipped */
function flip (c: Uint8Array, n: number): Uint8Array {
  const out = Uint8Array.from(c)
  for (let i = 0; i < n; i++) out[i >> 3] ^= 0x80 >> (i & 7)
  return out
}

function minhash (words: number[]): Uint8Array {
  const b = new Uint8Array(256)
  const v = new DataView(b.buffer)
  words.forEach((w, i) => v.setUint32(i * 4, w))
  return b
}

function works (claims = new Map<string, WorkCode[]>()): SimilarWorks {
  return new SimilarWorks({ search: () => new LinearScan(), codesOf: async (cid) => claims.get(cid) })
}

describe('SimilarWorks', () => {
  it('finds PDQ codes within the radius, nearest first, and not beyond it', async () => {
    const w = works()
    const base = code(1, 32)
    w.add('near', [{ alg: 'pdq-256', code: flip(base, 10), quality: 90 }])
    w.add('edge', [{ alg: 'pdq-256', code: flip(base, 31), quality: 90 }])
    w.add('far', [{ alg: 'pdq-256', code: flip(base, 32), quality: 90 }])
    const found = await w.query({ codes: [{ alg: 'pdq-256', code: base, quality: 90 }] })
    assert.deepEqual(found.map(f => [f.cid, f.distance]), [['near', 10], ['edge', 31]])
    assert.deepEqual((await w.query({ codes: [{ alg: 'pdq-256', code: base, quality: 90 }], radius: 40 })).map(f => f.cid), ['near', 'edge', 'far'])
  })

  it('leaves out low-quality PDQ codes on both sides, and the work itself', async () => {
    const w = works()
    const base = code(2, 32)
    w.add('blurry', [{ alg: 'pdq-256', code: base, quality: 49 }])
    w.add('self', [{ alg: 'pdq-256', code: base, quality: 80 }])
    assert.deepEqual(await w.query({ codes: [{ alg: 'pdq-256', code: base, quality: 80 }], exclude: 'self' }), [])
    assert.deepEqual(await w.query({ codes: [{ alg: 'pdq-256', code: base, quality: 10 }] }), [])
  })

  it('reports the rotation or flip under which two works are near, and a removed work leaves whole', async () => {
    const w = works()
    const orig = code(3, 32)
    const mirrored = code(4, 32)
    w.add('mine', [{ alg: 'pdq-256', code: orig, quality: 90 }, { alg: 'pdq-256', code: mirrored, quality: 90, variant: 'flipX' }])
    const found = await w.query({ codes: [{ alg: 'pdq-256', code: flip(mirrored, 5), quality: 90 }] })
    assert.deepEqual(found, [{ cid: 'mine', alg: 'pdq-256', distance: 5, variant: 'flipX' }])
    w.remove('mine')
    assert.equal(w.size, 0)
    assert.deepEqual(await w.query({ codes: [{ alg: 'pdq-256', code: mirrored, quality: 90 }] }), [])
  })

  it('reports a work found by several algorithms once, under the strongest', async () => {
    const w = works()
    const p = code(5, 32)
    const i = code(6, 8)
    w.add('both', [{ alg: 'pdq-256', code: flip(p, 20), quality: 90 }, { alg: 'iscc-image-64', code: flip(i, 2) }])
    w.add('iscc-only', [{ alg: 'iscc-image-64', code: flip(i, 12) }])
    const found = await w.query({ codes: [{ alg: 'pdq-256', code: p, quality: 90 }, { alg: 'iscc-image-64', code: i }] })
    assert.deepEqual(found.map(f => [f.cid, f.alg, f.distance]), [['both', 'pdq-256', 20], ['iscc-only', 'iscc-image-64', 12]])
  })

  it('keeps a text candidate only when enough MinHash minima agree', async () => {
    const t = code(7, 8)
    const mh = Array.from({ length: 64 }, (_, k) => k + 1)
    const claims = new Map<string, WorkCode[]>([
      ['close', [{ alg: 'iscc-text-64', code: flip(t, 3) }, { alg: 'minhash-64x32', code: minhash(mh.map((v, k) => k < 40 ? v : v + 1000)) }]],
      ['unlike', [{ alg: 'iscc-text-64', code: flip(t, 3) }, { alg: 'minhash-64x32', code: minhash(mh.map((v, k) => k < 20 ? v : v + 1000)) }]],
      ['unsigned', [{ alg: 'iscc-text-64', code: t }]]
    ])
    const w = works(claims)
    for (const [cid, codes] of claims) w.add(cid, codes)
    const found = await w.query({ codes: [{ alg: 'iscc-text-64', code: t }, { alg: 'minhash-64x32', code: minhash(mh) }] })
    assert.deepEqual(found.map(f => [f.cid, f.similarity]), [['close', 40 / 64]])
  })

  it('ignores algorithms it does not search and codes of the wrong length', async () => {
    const w = works()
    w.add('x', [{ alg: 'future-alg', code: code(8, 16) }, { alg: 'pdq-256', code: code(9, 16), quality: 90 }])
    assert.equal(w.size, 0)
  })
})
