/**
 * A tally is a function of the set of records (governance.md §4): random subsets of a pool of proposals (one per
 * method, both weightings), votes (good, mis-shaped, outside the window, by strangers, changed minds) and receipts
 * (in time, late, self-signed, by outsiders), tallied in random orders with repeats, give identical tallies.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { computeMembership } from '../../src/collectives/index.ts'
import { governanceRecords, tallyProposal } from '../../src/governance/index.ts'
import type { Tally } from '../../src/governance/index.ts'
import { createSigner } from '../../src/records/index.ts'
import type { Signer, ValidRecord, VoteSubject } from '../../src/records/index.ts'
import { admit, alice, at, bob, carol, crypto, dan, day, erin, frank, grace, makeCharter, mallory, remove, seededRandom, shuffled } from '../collectives/helpers.ts'
import { propose, receipt, vote, work } from './helpers.ts'

const charter = makeCharter({ admins: [alice, bob, carol], quorum: 1, policy: 'quorum' })
const latecomer = createSigner(new Uint8Array(32).fill(12), crypto)
const people: Signer[] = [alice, bob, carol, dan, erin, frank, grace, mallory, latecomer]
const random = seededRandom(0x90e)
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]
const time = (): number => day(1) + Math.floor(random() * 11 * 24) * 3600 * 1000

const membership: ValidRecord[] = [
  ...[dan, erin, frank, grace].map(m => admit(charter, alice, m, day(1))),
  remove(charter, bob, grace, day(5)),
  admit(charter, carol, latecomer, day(4))
]
const works: ValidRecord[] = [
  work(charter, alice, [[alice, 7000], [dan, 3000]], day(1, 3)),
  work(charter, erin, [[erin, 10000]], day(2, 5)),
  work(charter, bob, [[bob, 5000], [carol, 5000]], day(3, 7))
]
const proposals = [
  propose(charter, alice, day(2), { method: 'single', changes: [{ action: 'addAdmin', member: dan.did }], turnout: { numerator: 1, denominator: 3 } }),
  propose(charter, dan, day(3), { method: 'approval', choices: ['X', 'Y', 'Z'], weighting: 'contribution' }),
  propose(charter, erin, day(2, 12), { method: 'ranked', choices: ['A', 'B', 'C', 'D'], closes: at(day(9)) }),
  propose(charter, bob, day(4), { method: 'quadratic', choices: ['P', 'Q', 'R'], credits: 50, weighting: 'contribution', threshold: { numerator: 1, denominator: 3 } })
]

/** A ballot of every shape, right or wrong for the method, some out of range */
function ballot (): Omit<VoteSubject, 'proposal'> {
  const n = 1 + Math.floor(random() * 4)
  switch (Math.floor(random() * 6)) {
    case 0: return { choice: Math.floor(random() * 4) }
    case 1: return { approve: [...new Set(Array.from({ length: n }, () => Math.floor(random() * 4)))] }
    case 2: return { ranking: [...new Set(Array.from({ length: n }, () => Math.floor(random() * 4)))] }
    case 3: return { allocation: Array.from({ length: n }, () => Math.floor(random() * 40)) }
    case 4: return { abstain: true }
    default: return { ranking: [0, 1, 2].slice(0, n) }
  }
}

const votes = proposals.flatMap(p => Array.from({ length: 14 }, () => vote(charter, pick(people), p, ballot(), time())))
const receipts = proposals.flatMap(p => {
  const mine = votes.filter(v => v.credential.credentialSubject.proposal === p.cid)
  return Array.from({ length: 5 }, () => receipt(charter, pick(people), p, mine.filter(() => random() < 0.5).concat([pick(mine)]), time()))
})
const pool: ValidRecord[] = [...membership, ...works, ...proposals, ...votes, ...receipts]

function tallies (records: readonly ValidRecord[]): Tally[] {
  const m = computeMembership(charter, records)
  const g = governanceRecords(charter.cid, records)
  return g.proposals.map(p => tallyProposal(p, m, g))
}

describe('tallies are a function of the set', () => {
  it('the pool exercises every verdict and more than one outcome', () => {
    const all = tallies(pool)
    const reasons = new Set<string>(all.flatMap(t => t.votes.map(v => v.counted ? 'counted' : v.reason)))
    for (const r of ['counted', 'before-open', 'after-close', 'not-elector', 'bad-ballot', 'unwitnessed']) assert.ok(reasons.has(r), `no ${r} in ${[...reasons].join(', ')}`)
    assert.ok(new Set(all.map(t => t.outcome)).size > 1, all.map(t => t.outcome).join(', '))
  })

  it('random subsets in random orders, with repeats, give identical tallies', () => {
    fc.assert(fc.property(fc.subarray(pool), fc.integer(), (subset, seed) => {
      const again = seededRandom(seed)
      const order = shuffled(subset, again)
      for (let k = 0; k < 3 && subset.length > 0; k++) order.splice(Math.floor(again() * order.length), 0, subset[Math.floor(again() * subset.length)])
      assert.deepEqual(tallies(order), tallies(subset))
    }), { numRuns: 150, seed: 0x90e })
  })
})
