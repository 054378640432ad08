/**
 * Every voting method against hand-computed tallies (governance.md §4), and every reason a vote or a proposal does
 * not count. The collective: admins alice, bob, carol; dan, erin, frank, grace admitted on day 1; 7 electors.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { computeMembership } from '../../src/collectives/index.ts'
import { governanceRecords, tallyProposal } from '../../src/governance/index.ts'
import type { Tally } from '../../src/governance/index.ts'
import { createSigner } from '../../src/records/index.ts'
import type { ValidRecord } from '../../src/records/index.ts'
import { admit, alice, at, bob, carol, crypto, dan, day, erin, frank, grace, makeCharter, mallory } from '../collectives/helpers.ts'
import { propose, receipt, vote, work } from './helpers.ts'

const charter = makeCharter({ admins: [alice, bob, carol], quorum: 1, policy: 'quorum' })
const base: ValidRecord[] = [dan, erin, frank, grace].map(m => admit(charter, alice, m, day(1)))
const stranger = createSigner(new Uint8Array(32).fill(12), crypto)

function tally (proposal: ValidRecord<'proposal'>, ...records: ValidRecord[]): Tally {
  const all = [...base, proposal, ...records]
  return tallyProposal(proposal, computeMembership(charter, all), governanceRecords(charter.cid, all))
}

/** The votes plus one receipt by `witness` of all of them on day 9 */
function witnessed (proposal: ValidRecord<'proposal'>, votes: Array<ValidRecord<'vote'>>, witness = alice): ValidRecord[] {
  return [...votes, receipt(charter, witness, proposal, votes, day(9))]
}

const reasons = (t: Tally): Record<string, string> =>
  Object.fromEntries(t.votes.map(v => [v.cid, v.counted ? 'counted' : v.reason]))

describe('single choice', () => {
  const p = propose(charter, alice, day(2), { title: 'Make dan an admin', changes: [{ action: 'addAdmin', member: dan.did }], turnout: { numerator: 1, denominator: 2 }, threshold: { numerator: 2, denominator: 3 } })

  it('passes with two thirds of the votes cast for it (abstentions count for turnout only)', () => {
    const t = tally(p, ...witnessed(p, [
      vote(charter, bob, p, { choice: 0 }, day(3)), vote(charter, carol, p, { choice: 0 }, day(3)),
      vote(charter, dan, p, { choice: 1 }, day(4)), vote(charter, erin, p, { abstain: true }, day(4))
    ], frank))
    assert.equal(t.totalWeight, 7)
    assert.equal(t.turnoutWeight, 4)
    assert.deepEqual(t.count.support, [2, 1])
    assert.equal(t.count.base, 3)
    assert.equal(t.count.winner, 0)
    assert.equal(t.outcome, 'passed')
    assert.ok(t.explanation.includes('threshold: for has 2 of B = 3; needs 2/3: met'), t.explanation.join('\n'))
    assert.ok(t.explanation.includes('turnout: T = 4 of W = 7; needs 1/2: met'))
  })

  it('is rejected when against wins, even though a winner exists', () => {
    const t = tally(p, ...witnessed(p, [
      vote(charter, bob, p, { choice: 0 }, day(3)), vote(charter, carol, p, { choice: 1 }, day(3)), vote(charter, dan, p, { choice: 1 }, day(4)),
      vote(charter, erin, p, { choice: 1 }, day(4))
    ], frank))
    assert.equal(t.count.winner, 1)
    assert.equal(t.outcome, 'rejected')
  })

  it('has no quorum below the turnout, and a tie for the most support has no winner', () => {
    assert.equal(tally(p, ...witnessed(p, [vote(charter, bob, p, { choice: 0 }, day(3))])).outcome, 'no-quorum')
    const tied = tally(p, ...witnessed(p, [bob, carol].map(s => vote(charter, s, p, { choice: 0 }, day(3))).concat([dan, erin].map(s => vote(charter, s, p, { choice: 1 }, day(3)))), frank))
    assert.deepEqual(tied.count.tiedFor, [0, 1])
    assert.equal(tied.outcome, 'tied')
  })

  it('two of three is exact: 2/3 reaches a 2/3 threshold, 1/2 of three electors does not reach 2/3 turnout', () => {
    const three = makeCharter({ admins: [alice, bob, carol], quorum: 1, policy: 'quorum', name: 'Three' })
    const q = propose(three, alice, day(2), { turnout: { numerator: 2, denominator: 3 }, threshold: { numerator: 2, denominator: 3 } })
    const votes = [vote(three, bob, q, { choice: 0 }, day(3)), vote(three, carol, q, { choice: 0 }, day(3))]
    const all = [three, q, ...votes, receipt(three, alice, q, votes, day(4))]
    const t = tallyProposal(q, computeMembership(three, all), governanceRecords(three.cid, all))
    assert.equal(t.turnoutWeight, 2)
    assert.equal(t.outcome, 'passed')
    const one = [three, q, votes[0], receipt(three, alice, q, [votes[0]], day(4))]
    assert.equal(tallyProposal(q, computeMembership(three, one), governanceRecords(three.cid, one)).outcome, 'no-quorum')
  })
})

describe('approval', () => {
  const p = propose(charter, bob, day(2), { choices: ['X', 'Y', 'Z'], method: 'approval' })

  it('gives each approved choice the weight; empty approvals count for turnout, not the base', () => {
    const t = tally(p, ...witnessed(p, [
      vote(charter, alice, p, { approve: [0, 1] }, day(3)), vote(charter, bob, p, { approve: [1] }, day(3)),
      vote(charter, carol, p, { approve: [1, 2] }, day(3)), vote(charter, dan, p, { approve: [] }, day(3)),
      vote(charter, erin, p, { abstain: true }, day(3))
    ], frank))
    assert.deepEqual(t.count.support, [1, 3, 1])
    assert.equal(t.count.base, 3)
    assert.equal(t.turnoutWeight, 5)
    assert.equal(t.count.winner, 1)
    assert.equal(t.outcome, 'passed')
  })

  it('ties for the most approvals have no winner', () => {
    const t = tally(p, ...witnessed(p, [vote(charter, alice, p, { approve: [0, 2] }, day(3)), vote(charter, bob, p, { approve: [2, 0] }, day(3))], frank))
    assert.deepEqual(t.count.tiedFor, [0, 2])
    assert.equal(t.outcome, 'tied')
  })
})

describe('quadratic', () => {
  const p = propose(charter, carol, day(2), { choices: ['X', 'Y'], method: 'quadratic' })

  it('gives ⌊√credits⌋ votes per choice within a budget of 100 credits, refusing an overspent ballot', () => {
    const over = vote(charter, dan, p, { allocation: [101] }, day(3))
    const t = tally(p, ...witnessed(p, [
      vote(charter, alice, p, { allocation: [64, 36] }, day(3)), vote(charter, bob, p, { allocation: [0, 100] }, day(3)),
      vote(charter, carol, p, { allocation: [81, 19] }, day(3)), over
    ], frank))
    assert.deepEqual(t.count.support, [8 + 0 + 9, 6 + 10 + 4])
    assert.equal(t.count.base, 37)
    assert.equal(t.count.winner, 1)
    assert.equal(t.outcome, 'passed') // 20/37 ≥ 1/2
    assert.equal(reasons(t)[over.cid], 'bad-ballot')
    const verdict = t.votes.find(v => v.cid === over.cid)
    assert.ok(verdict !== undefined && !verdict.counted)
    assert.match(verdict.detail ?? '', /101 credits, over the budget of 100/)
  })
})

describe('ranked choice', () => {
  it('eliminates the least supported, ties broken by listing order, until one has more than half', () => {
    const p = propose(charter, alice, day(2), { choices: ['A', 'B', 'C', 'D'], method: 'ranked' })
    const t = tally(p, ...witnessed(p, [
      vote(charter, alice, p, { ranking: [0, 1] }, day(3)), vote(charter, bob, p, { ranking: [1, 0] }, day(3)),
      vote(charter, carol, p, { ranking: [2, 1] }, day(3)), vote(charter, dan, p, { ranking: [3, 2] }, day(3)),
      vote(charter, erin, p, { ranking: [0] }, day(3))
    ], frank))
    const rounds = t.count.rounds ?? []
    assert.deepEqual(rounds.map(r => r.support), [[2, 1, 1, 1], [2, 1, 2, null], [3, null, 2, null]])
    assert.deepEqual(rounds.map(r => r.eliminated), [3, 1, undefined])
    assert.deepEqual(rounds.map(r => r.tieBreak), ['last-listed', undefined, undefined])
    assert.equal(t.count.winner, 0)
    assert.equal(t.count.base, 5)
    assert.equal(t.outcome, 'passed')
  })

  it('breaks a tie for least by the earlier round, exhausts ballots, and leaves a tie between the last two unbroken', () => {
    const p = propose(charter, alice, day(2), { choices: ['A', 'B', 'C', 'D'], method: 'ranked' })
    const t = tally(p, ...witnessed(p, [
      vote(charter, alice, p, { ranking: [0] }, day(3)), vote(charter, bob, p, { ranking: [0] }, day(3)), vote(charter, carol, p, { ranking: [0] }, day(3)),
      vote(charter, dan, p, { ranking: [1] }, day(3)), vote(charter, erin, p, { ranking: [1] }, day(3)),
      vote(charter, frank, p, { ranking: [2, 1] }, day(3)), vote(charter, grace, p, { ranking: [3, 2] }, day(3))
    ], alice).concat([receipt(charter, bob, p, [vote(charter, alice, p, { ranking: [0] }, day(3))], day(9))]))
    const rounds = t.count.rounds ?? []
    assert.deepEqual(rounds.map(r => r.support), [[3, 2, 1, 1], [3, 2, 2, null], [3, 3, null, null]])
    assert.deepEqual(rounds.map(r => r.tieBreak), ['last-listed', 'earlier-round', undefined])
    assert.deepEqual(rounds.map(r => r.eliminated), [3, 2, undefined])
    assert.equal(rounds[2].exhausted, 1)
    assert.deepEqual(t.count.tiedFor, [0, 1])
    assert.equal(t.outcome, 'tied')
  })
})

describe('contribution weights', () => {
  it('weigh 10000 plus each elector\'s creator shares in works before the opening by members', () => {
    const works = [
      work(charter, alice, [[alice, 10000]], day(1, 6)),
      work(charter, alice, [[alice, 6000], [bob, 4000]], day(1, 8)),
      work(charter, mallory, [[mallory, 10000]], day(1, 9)), // not a member: not a work of the collective
      work(charter, dan, [[dan, 10000]], day(2, 1)) // after the opening
    ]
    const p = propose(charter, alice, day(2), { weighting: 'contribution' })
    const t = tally(p, ...works, ...witnessed(p, [
      vote(charter, alice, p, { choice: 0 }, day(3)), vote(charter, bob, p, { choice: 1 }, day(3)), vote(charter, carol, p, { choice: 1 }, day(3))
    ], frank))
    const weights = Object.fromEntries(t.electorate.map(e => [e.did, e.weight]))
    assert.equal(weights[alice.did], 26000)
    assert.equal(weights[bob.did], 14000)
    assert.equal(weights[dan.did], 10000)
    assert.equal(t.totalWeight, 90000)
    assert.deepEqual(t.count.support, [26000, 24000])
    assert.equal(t.outcome, 'passed')
  })
})

describe('what does not count', () => {
  const p = propose(charter, alice, day(2), { closes: at(day(10)) })
  const late = admit(charter, alice, stranger, day(5))

  it('refuses non-electors, votes outside the window, and votes no other member witnessed before the close', () => {
    const v = {
      stranger: vote(charter, mallory, p, { choice: 0 }, day(3)),
      latecomer: vote(charter, stranger, p, { choice: 0 }, day(6)),
      early: vote(charter, bob, p, { choice: 0 }, day(1, 12)),
      atClose: vote(charter, carol, p, { choice: 0 }, day(10)),
      unseen: vote(charter, dan, p, { choice: 0 }, day(3)),
      selfWitnessed: vote(charter, erin, p, { choice: 0 }, day(3)),
      closedProposal: vote(charter, frank, p, { choice: 0 }, day(9, 23)),
      outsiderWitness: vote(charter, grace, p, { choice: 1 }, day(3)),
      witnessedBeforeCast: vote(charter, bob, p, { choice: 1 }, day(4))
    }
    const t = tally(p, late,
      ...Object.values(v),
      receipt(charter, carol, p, [v.stranger, v.latecomer, v.early, v.atClose], day(10)),
      receipt(charter, alice, p, [v.stranger, v.latecomer, v.early], day(9)),
      receipt(charter, erin, p, [v.selfWitnessed], day(4)),
      receipt(charter, alice, p, [v.closedProposal], day(10)), // the proposal had closed when alice's node saw it
      receipt(charter, mallory, p, [v.outsiderWitness], day(4)),
      receipt(charter, carol, p, [v.witnessedBeforeCast], day(3)))
    assert.deepEqual(reasons(t), {
      [v.early.cid]: 'before-open',
      [v.stranger.cid]: 'not-elector',
      [v.unseen.cid]: 'unwitnessed',
      [v.selfWitnessed.cid]: 'unwitnessed',
      [v.outsiderWitness.cid]: 'unwitnessed',
      [v.witnessedBeforeCast.cid]: 'unwitnessed',
      [v.latecomer.cid]: 'not-elector',
      [v.closedProposal.cid]: 'unwitnessed',
      [v.atClose.cid]: 'after-close'
    })
    assert.equal(t.turnoutWeight, 0)
    assert.equal(t.outcome, 'rejected')
  })

  it('counts an elector\'s last good vote: a change of mind replaces, a bad ballot does not', () => {
    const first = vote(charter, bob, p, { choice: 0 }, day(3))
    const second = vote(charter, bob, p, { choice: 1 }, day(4))
    const bad = vote(charter, bob, p, { approve: [0] }, day(5))
    const t = tally(p, ...witnessed(p, [bad, second, first], carol))
    assert.deepEqual(reasons(t), { [first.cid]: 'superseded', [second.cid]: 'counted', [bad.cid]: 'bad-ballot' })
    assert.deepEqual(t.count.support, [0, 1])
  })

  it('voids a proposal whose author was not a member at its opening, and every vote on it', () => {
    const q = propose(charter, mallory, day(2))
    const votes = [vote(charter, bob, q, { choice: 0 }, day(3))]
    const t = tally(q, ...witnessed(q, votes))
    assert.equal(t.issue, 'not-member')
    assert.equal(t.outcome, 'void')
    assert.deepEqual(reasons(t), { [votes[0].cid]: 'proposal-void' })
  })
})
