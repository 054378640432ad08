/**
 * Outcomes (governance.md §7): a passed amendment changes the effective charter from its close on, and membership
 * follows it; a failed or void one changes nothing. The collective: admins alice, bob, carol, quorum 2, policy
 * quorum; dan admitted on day 1 by alice and bob.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { computeCollective } from '../../src/governance/index.ts'
import type { ProposalChange, ValidRecord } from '../../src/records/index.ts'
import { admit, alice, at, bob, carol, dan, day, erin, frank, invite, join, makeCharter, remove } from '../collectives/helpers.ts'
import { propose, receipt, vote } from './helpers.ts'

const charter = makeCharter({ admins: [alice, bob, carol], quorum: 2, policy: 'quorum' })
const base: ValidRecord[] = [admit(charter, alice, dan, day(1)), admit(charter, bob, dan, day(1))]

/** A proposal by alice on day 2 closing on day 5, with bob's and carol's votes for it witnessed by alice (or not) */
function decided (changes: ProposalChange[], options: { witnessed?: boolean, opens?: number, closes?: number } = {}): ValidRecord[] {
  const p = propose(charter, alice, options.opens ?? day(2), { changes, closes: at(options.closes ?? day(5)), threshold: { numerator: 2, denominator: 3 } })
  const votes = [vote(charter, bob, p, { choice: 0 }, (options.opens ?? day(2)) + 3600_000), vote(charter, carol, p, { choice: 0 }, (options.opens ?? day(2)) + 7200_000)]
  return [p, ...votes, ...(options.witnessed === false ? [] : [receipt(charter, alice, p, votes, (options.opens ?? day(2)) + 10800_000)])]
}

describe('amendments take effect from the close', () => {
  it('an added admin is an admin (and a member) from the close, and its admits count from then on', () => {
    const records = [...base, ...decided([{ action: 'addAdmin', member: dan.did }]),
      admit(charter, dan, erin, day(6), day(3)), admit(charter, alice, erin, day(6)), // dan signs on day 3 a change effective day 6: he is an admin then
      admit(charter, dan, frank, day(4)), admit(charter, alice, frank, day(4))] // effective before the close: dan's signature does not count
    const { membership, tallies } = computeCollective(charter, records)
    assert.equal([...tallies.values()][0].outcome, 'passed')
    assert.equal(membership.isAdminAt(dan.did, day(5) - 1), false)
    assert.equal(membership.isAdminAt(dan.did, day(5)), true)
    assert.deepEqual(membership.admins, [alice.did, bob.did, carol.did, dan.did].sort())
    assert.deepEqual(membership.intervals(erin.did), [[day(6), Infinity]])
    assert.deepEqual(membership.intervals(frank.did), [])
    assert.deepEqual(membership.pending.map(p => [p.member, p.signers]), [[frank.did, [alice.did]]])
  })

  it('without the receipt the proposal has no quorum, and nothing changes', () => {
    const records = [...base, ...decided([{ action: 'addAdmin', member: dan.did }], { witnessed: false }), admit(charter, dan, erin, day(6)), admit(charter, alice, erin, day(6))]
    const { membership, tallies } = computeCollective(charter, records)
    assert.equal([...tallies.values()][0].outcome, 'rejected')
    assert.equal(membership.isAdmin(dan.did), false)
    assert.equal(membership.status(records.at(-2)?.cid ?? '')?.outcome, 'ignored')
    assert.deepEqual(membership.intervals(erin.did), [])
  })

  it('a removed admin stays a member until removed, and can then be removed by quorum', () => {
    const records = [...base, ...decided([{ action: 'removeAdmin', member: carol.did }]),
      remove(charter, alice, carol, day(4)), remove(charter, bob, carol, day(4)), // effective while carol is still an admin: ignored
      remove(charter, alice, carol, day(7)), remove(charter, bob, carol, day(7))]
    const { membership } = computeCollective(charter, records)
    assert.equal(membership.isAdminAt(carol.did, day(4)), true)
    assert.equal(membership.isAdminAt(carol.did, day(5)), false)
    assert.deepEqual(membership.intervals(carol.did), [[day(1), day(7)]])
    assert.equal(membership.status(records.at(-3)?.cid ?? '')?.outcome, 'ignored')
  })

  it('a new quorum counts for changes effective from the close; a new policy lets invites and joins in from then', () => {
    const records = [...base, ...decided([{ action: 'setQuorum', quorum: 1 }, { action: 'setPolicy', policy: 'invite' }]),
      admit(charter, bob, erin, day(4)), admit(charter, bob, frank, day(6))]
    const early = invite(charter, alice, day(4), day(20))
    const late = invite(charter, alice, day(6), day(20))
    const joiner = join(charter, erin, late.cid, day(7))
    const { membership } = computeCollective(charter, [...records, early, late, joiner])
    assert.deepEqual(membership.termsAt(day(6)), { admins: [alice.did, bob.did, carol.did].sort(), quorum: 1, policy: 'invite' })
    assert.deepEqual(membership.pending.map(p => p.member), [erin.did])
    assert.deepEqual(membership.intervals(frank.did), [[day(6), Infinity]])
    assert.equal(membership.status(early.cid)?.outcome, 'ignored')
    assert.deepEqual(membership.intervals(erin.did), [[day(7), Infinity]])
  })

  it('decreed admissions and removals take effect at the close; an admin is not removed by decree', () => {
    const { membership } = computeCollective(charter, [...base, ...decided([{ action: 'admit', member: erin.did }, { action: 'remove', member: dan.did }, { action: 'remove', member: bob.did }])])
    assert.deepEqual(membership.intervals(erin.did), [[day(5), Infinity]])
    assert.deepEqual(membership.intervals(dan.did), [[day(1), day(5)]])
    assert.equal(membership.isMember(bob.did, day(9)), true)
  })

  it('a passed amendment that would leave an invalid charter is void', () => {
    const { membership, timeline } = computeCollective(charter, [...base, ...decided([{ action: 'removeAdmin', member: bob.did }, { action: 'removeAdmin', member: carol.did }])])
    assert.equal(timeline.amendments[0].effect, 'void')
    assert.match(timeline.amendments[0].reason ?? '', /quorum 2 would exceed the 1 admins/)
    assert.deepEqual(membership.admins, [alice.did, bob.did, carol.did].sort())
  })

  it('collective defaults apply from the close, key by key', () => {
    const first = decided([{ action: 'setDefaults', spdx: 'CC-BY-4.0', trainingMining: { 'cawg.ai_training': { use: 'notAllowed' } } }])
    const second = decided([{ action: 'setDefaults', trainingMining: { 'cawg.data_mining': { use: 'allowed' } } }], { opens: day(6), closes: day(8) })
    const { timeline } = computeCollective(charter, [...base, ...first, ...second])
    assert.deepEqual(timeline.defaultsAt(day(4)), { trainingMining: {} })
    assert.deepEqual(timeline.defaultsAt(day(5)), { spdx: 'CC-BY-4.0', trainingMining: { 'cawg.ai_training': { use: 'notAllowed' } } })
    assert.deepEqual(timeline.defaultsAt(day(9)), { spdx: 'CC-BY-4.0', trainingMining: { 'cawg.ai_training': { use: 'notAllowed' }, 'cawg.data_mining': { use: 'allowed' } } })
  })

  it('a new admin votes in later proposals\' elections as a member and counts toward their electorate', () => {
    const records = [...base, ...decided([{ action: 'admit', member: erin.did }])]
    const later = propose(charter, erin, day(6), { closes: at(day(8)) })
    const { tallies } = computeCollective(charter, [...records, later])
    assert.equal(tallies.get(later.cid)?.issue, undefined)
    assert.ok(tallies.get(later.cid)?.electorate.some(e => e.did === erin.did))
  })
})
