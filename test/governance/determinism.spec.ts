/**
 * A tally is a function of the set of records (governance.md §4): random subsets of a pool of proposals (one per
 * method, both weightings), votes (good, mis-shaped, outside the window, by strangers, changed minds) and receipts
 * (in time, late, self-signed, by outsiders), tallied in random orders with repeats, give identical tallies.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { computeMembership } from '../../src/collectives/index.ts'
import { computeCollective, governanceRecords, tallyProposal } from '../../src/governance/index.ts'
import type { Tally } from '../../src/governance/index.ts'
import { createSigner } from '../../src/records/index.ts'
import type { Signer, ValidRecord, VoteSubject } from '../../src/records/index.ts'
import { admit, alice, at, bob, carol, crypto, dan, day, erin, frank, grace, invite, join, makeCharter, mallory, remove, seededRandom, shuffled } from '../collectives/helpers.ts'
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

/**
 * With amendments (governance.md §6–§7): proposals that add and remove admins, change the quorum and policy, and
 * decree admissions, racing with admits signed by would-be admins, invites and joins. The membership, the charter's
 * terms and every tally are the same for any order; and each tally, computed with the membership of the amendments
 * passed before its close, equals the tally with the final membership (the step that keeps §6 well founded).
 */
describe('membership under amendments is a function of the set', () => {
  const c2 = makeCharter({ admins: [alice, bob, carol], quorum: 2, policy: 'quorum', name: 'Amended' })
  const r = seededRandom(0xa3e)
  const pickR = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)]
  const hourOf = (): number => day(1) + Math.floor(r() * 14 * 24) * 3600 * 1000
  const members: Signer[] = [alice, bob, carol, dan, erin]
  const amendmentPool: ValidRecord[] = [admit(c2, alice, dan, day(1)), admit(c2, bob, dan, day(1)), admit(c2, alice, erin, day(1)), admit(c2, carol, erin, day(1))]
  const changesPool = [
    [{ action: 'addAdmin' as const, member: dan.did }],
    [{ action: 'setQuorum' as const, quorum: 1 }, { action: 'setPolicy' as const, policy: 'invite' as const }],
    [{ action: 'removeAdmin' as const, member: carol.did }],
    [{ action: 'admit' as const, member: frank.did }],
    [{ action: 'addAdmin' as const, member: erin.did }, { action: 'setQuorum' as const, quorum: 3 }]
  ]
  const amendmentProposals = changesPool.map((changes, i) => {
    const opens = day(2 + i * 2)
    return propose(c2, pickR(members), opens, { changes, closes: at(opens + (2 + Math.floor(r() * 3)) * 24 * 3600 * 1000), turnout: { numerator: 1, denominator: 3 } })
  })
  amendmentPool.push(...amendmentProposals)
  for (const p of amendmentProposals) {
    const vs = Array.from({ length: 4 }, () => vote(c2, pickR(members), p, { choice: r() < 0.75 ? 0 : 1 }, p.time + Math.floor(r() * 72) * 3600 * 1000))
    amendmentPool.push(...vs, receipt(c2, pickR(members), p, vs, p.time + 80 * 3600 * 1000), receipt(c2, pickR(members), p, vs.slice(0, 2), p.time + 20 * 3600 * 1000))
  }
  // admits and removes by would-be admins, invites and joins, at random times
  for (let i = 0; i < 10; i++) {
    const when = hourOf()
    const signedAt = Math.max(day(1), when - Math.floor(r() * 48) * 3600 * 1000)
    amendmentPool.push(r() < 0.7 ? admit(c2, pickR(members), pickR([grace, mallory, latecomer]), when, signedAt) : remove(c2, pickR(members), pickR([dan, erin, grace]), when, signedAt))
  }
  const inv = invite(c2, pickR([alice, dan]), day(9), day(20))
  amendmentPool.push(inv, join(c2, grace, inv.cid, day(10)), join(c2, latecomer, inv.cid, day(12)))

  function snapshot (records: readonly ValidRecord[]): unknown {
    const { membership: m, timeline, tallies } = computeCollective(c2, records)
    const dids = [alice, bob, carol, dan, erin, frank, grace, mallory, latecomer].map(s => s.did)
    return {
      admins: m.admins,
      periods: timeline.periods,
      amendments: timeline.amendments,
      intervals: dids.map(d => m.intervals(d).map(([f, t]) => [f, t === Infinity ? 'open' : t])),
      pending: m.pending,
      changes: m.changes,
      statuses: [...new Set(records.filter(x => x.kind === 'membership').map(x => x.cid))].sort().map(cid => m.status(cid) ?? null),
      tallies: [...tallies.values()]
    }
  }

  it('the pool passes some amendments and not others', () => {
    const { timeline, tallies } = computeCollective(c2, amendmentPool)
    const outcomes = [...tallies.values()].map(t => t.outcome)
    assert.ok(outcomes.includes('passed'), outcomes.join(', '))
    assert.ok(timeline.periods.length > 1)
  })

  it('each tally with the membership before its close equals the tally with the final membership', () => {
    const { membership, records, tallies } = computeCollective(c2, amendmentPool)
    for (const p of records.proposals) assert.deepEqual(tallyProposal(p, membership, records), tallies.get(p.cid))
  })

  it('random subsets in random orders, with repeats, give identical membership, terms and tallies', () => {
    let amended = 0
    fc.assert(fc.property(fc.integer({ min: 0, max: 40 }), fc.integer(), (dropPercent, seed) => {
      const again = seededRandom(seed)
      // most records stay, so most runs pass amendments and race them with the records they change
      const subset = amendmentPool.filter(() => again() * 100 >= dropPercent)
      const order = shuffled(subset, again)
      if (subset.length > 0) order.splice(Math.floor(again() * order.length), 0, subset[Math.floor(again() * subset.length)])
      assert.deepEqual(snapshot(order), snapshot([...subset].reverse()))
      const { membership, records, tallies, timeline } = computeCollective(c2, order)
      for (const p of records.proposals) assert.deepEqual(tallyProposal(p, membership, records), tallies.get(p.cid))
      if (timeline.periods.length > 1) amended++
    }), { numRuns: 100, seed: 0xa3e })
    assert.ok(amended >= 20, `only ${amended} of 100 runs amended the charter`)
  })
})
