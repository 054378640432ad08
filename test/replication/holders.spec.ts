/**
 * Rendezvous holders (src/replication/holders.ts): every node computes the same k holders of a work from the same
 * membership, whatever order it learnt the members in; a join or a leave moves only the works it must.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { copiesOf, holdersOf, rankMembers, rendezvousWeight } from '../../src/replication/holders.ts'

const did = fc.stringMatching(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{8}$/)
const work = fc.stringMatching(/^bafkrei[a-z2-7]{20}$/)
const members = fc.uniqueArray(did, { minLength: 1, maxLength: 24 })
const copies = fc.integer({ min: 1, max: 8 })

describe('rendezvous holders', () => {
  it('are the same whatever order the members arrive in', () => {
    fc.assert(fc.property(work, members, copies, fc.integer(), (w, ms, k, seed) => {
      const shuffled = fc.sample(fc.shuffledSubarray(ms, { minLength: ms.length, maxLength: ms.length }), { seed, numRuns: 1 })[0]
      assert.deepEqual(holdersOf(w, shuffled, k), holdersOf(w, ms, k))
      // duplicates (a member seen twice) change nothing either
      assert.deepEqual(holdersOf(w, [...ms, ...ms], k), holdersOf(w, ms, k))
    }))
  })

  it('are min(k, live members) distinct live members', () => {
    fc.assert(fc.property(work, members, copies, fc.func(fc.boolean()), (w, ms, k, liveFn) => {
      const live = (d: string): boolean => liveFn(d)
      const hs = holdersOf(w, ms, k, live)
      assert.equal(new Set(hs).size, hs.length)
      assert.equal(hs.length, Math.min(k, ms.filter(live).length))
      for (const h of hs) assert.ok(live(h) && ms.includes(h))
    }))
  })

  it('a member joining takes a work only by displacing exactly one holder', () => {
    fc.assert(fc.property(work, members, did, copies, (w, ms, newcomer, k) => {
      fc.pre(!ms.includes(newcomer))
      const before = holdersOf(w, ms, k)
      const after = holdersOf(w, [...ms, newcomer], k)
      if (!after.includes(newcomer)) { assert.deepEqual(after, before); return }
      const kept = after.filter(h => h !== newcomer)
      for (const h of kept) assert.ok(before.includes(h))
      assert.equal(before.filter(h => !after.includes(h)).length, before.length === k ? 1 : 0)
    }))
  })

  it('a member leaving or going offline moves only the works it held, each to the next in order', () => {
    fc.assert(fc.property(work, members, copies, fc.nat(), (w, ms, k, i) => {
      const gone = ms[i % ms.length]
      const before = holdersOf(w, ms, k)
      const after = holdersOf(w, ms, k, d => d !== gone)
      if (!before.includes(gone)) { assert.deepEqual(after, before); return }
      assert.deepEqual(after.slice(0, before.length - 1), before.filter(h => h !== gone))
      const ranked = rankMembers(w, ms).filter(d => d !== gone)
      assert.deepEqual(after, ranked.slice(0, Math.min(k, ranked.length)))
    }))
  })

  it('spread works evenly: each of 10 members holds about k/n of 2,000 works', () => {
    const ms = Array.from({ length: 10 }, (_, i) => `did:key:z6Mkmember${i}`)
    const count = new Map<string, number>()
    for (let i = 0; i < 2000; i++) for (const h of holdersOf(`bafkreiwork${i}`, ms, 3)) count.set(h, (count.get(h) ?? 0) + 1)
    // expected 600 each; a binomial(2000, 0.3) stays within ±25 % far beyond 5 sigma (sigma ≈ 20.5)
    for (const m of ms) assert.ok(Math.abs((count.get(m) ?? 0) - 600) < 150, `${m} holds ${count.get(m)}`)
  })

  it('weights are fixed by the rule (a vector other implementations can check)', () => {
    // sha256("atelier/replication/1" NUL "bafkreiexample" NUL "did:key:z6Mkexample"), first 8 bytes big-endian
    const w = rendezvousWeight('bafkreiexample', 'did:key:z6Mkexample')
    assert.equal(typeof w, 'bigint')
    assert.ok(w >= 0n && w < 2n ** 64n)
    assert.equal(w.toString(16).padStart(16, '0'), WEIGHT_VECTOR)
  })

  it('copiesOf reads only { copies: k }', () => {
    assert.equal(copiesOf({ copies: 3 }), 3)
    for (const r of ['full', 'none', undefined, {}, { copies: 0 }, { copies: 1.5 }]) assert.equal(copiesOf(r), undefined)
  })
})

/** computed with `printf 'atelier/replication/1\0bafkreiexample\0did:key:z6Mkexample' | sha256sum` */
const WEIGHT_VECTOR = '7aac878c91b4575e'
