/**
 * computeMembership: admins, quorum, removal, re-admission, intervals, pending changes, and records it must ignore.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { computeMembership } from '../../src/collectives/index.ts'
import { admit, alice, attest, bob, carol, dan, day, erin, frank, makeCharter, mallory, membershipRecord, remove, at } from './helpers.ts'

describe('computeMembership: admins', () => {
  const charter = makeCharter()

  it('admins are members from the charter\'s validFrom, with nothing else', () => {
    const m = computeMembership(charter, [])
    assert.equal(m.charterCid, charter.cid)
    assert.equal(m.policy, 'invite')
    assert.equal(m.quorum, 1)
    assert.equal(m.since, day(1))
    assert.deepEqual(m.admins, [alice.did, bob.did, carol.did].sort())
    for (const admin of [alice, bob, carol]) {
      assert.equal(m.isAdmin(admin.did), true)
      assert.equal(m.isMember(admin.did, day(1)), true)
      assert.equal(m.isMember(admin.did, day(1) - 1), false)
      assert.deepEqual(m.intervals(admin.did), [[day(1), Infinity]])
    }
    assert.deepEqual(m.members(), m.admins)
    assert.deepEqual(m.members(day(1) - 1), [])
    assert.deepEqual(m.members(day(30)), m.admins)
    assert.equal(m.isMember(dan.did, day(5)), false)
    assert.deepEqual(m.intervals(dan.did), [])
    assert.deepEqual(m.pending, [])
    assert.deepEqual(m.changes, [])
  })

  it('an admit or remove naming an admin is ignored: the charter alone fixes admins', () => {
    const r = remove(charter, alice, bob, day(3))
    const a = admit(charter, alice, carol, day(3))
    const m = computeMembership(charter, [r, a])
    assert.equal(m.isMember(bob.did, day(4)), true)
    assert.deepEqual(m.status(r.cid), { cid: r.cid, action: 'remove', outcome: 'ignored', reason: 'admin-member' })
    assert.deepEqual(m.status(a.cid), { cid: a.cid, action: 'admit', outcome: 'ignored', reason: 'admin-member' })
  })
})

describe('computeMembership: quorum', () => {
  it('quorum 1: one admin\'s admit takes effect at its effectiveFrom', () => {
    const charter = makeCharter({ quorum: 1 })
    const record = admit(charter, bob, dan, day(3))
    const m = computeMembership(charter, [record])
    assert.equal(m.isMember(dan.did, day(3) - 1), false)
    assert.equal(m.isMember(dan.did, day(3)), true)
    assert.deepEqual(m.intervals(dan.did), [[day(3), Infinity]])
    assert.deepEqual(m.members(), [alice.did, bob.did, carol.did, dan.did].sort())
    assert.deepEqual(m.changes, [{ action: 'admit', member: dan.did, at: day(3), records: [record.cid] }])
    assert.deepEqual(m.status(record.cid), { cid: record.cid, action: 'admit', outcome: 'effective' })
  })

  it('2 of 3: one signature is pending, two take effect', () => {
    const charter = makeCharter({ quorum: 2 })
    const first = admit(charter, alice, dan, day(3))
    const one = computeMembership(charter, [first])
    assert.equal(one.isMember(dan.did, day(4)), false)
    assert.deepEqual(one.pending, [{ action: 'admit', member: dan.did, effectiveFrom: day(3), signers: [alice.did], records: [first.cid], needed: 1 }])
    assert.equal(one.status(first.cid)?.outcome, 'pending')

    // the second admin signs later; the change still takes effect at the agreed effectiveFrom
    const second = admit(charter, carol, dan, day(3), day(6))
    const two = computeMembership(charter, [first, second])
    assert.equal(two.isMember(dan.did, day(3)), true)
    assert.deepEqual(two.intervals(dan.did), [[day(3), Infinity]])
    assert.deepEqual(two.pending, [])
    assert.deepEqual(two.signersOf('admit', dan.did, day(3)), [alice.did, carol.did].sort())
    assert.deepEqual(two.changes[0].records, [first.cid, second.cid].sort())
  })

  it('counts distinct admins: one admin signing twice is one signature', () => {
    const charter = makeCharter({ quorum: 2 })
    const again = membershipRecord(charter, alice, { action: 'admit', member: dan.did, effectiveFrom: at(day(3)) }, day(4))
    const m = computeMembership(charter, [admit(charter, alice, dan, day(3)), again])
    assert.equal(m.isMember(dan.did, day(5)), false)
    assert.equal(m.pending[0].needed, 1)
    assert.equal(m.pending[0].records.length, 2)
  })

  it('signatures on different effectiveFrom instants are different changes; the same instant spelled twice is one', () => {
    const charter = makeCharter({ quorum: 2 })
    const m = computeMembership(charter, [admit(charter, alice, dan, day(3)), admit(charter, bob, dan, day(3) + 1)])
    assert.equal(m.isMember(dan.did, day(5)), false)
    assert.equal(m.pending.length, 2)
    const plain = membershipRecord(charter, alice, { action: 'admit', member: erin.did, effectiveFrom: '2025-03-03T00:00:00Z' }, day(3))
    const millis = membershipRecord(charter, bob, { action: 'admit', member: erin.did, effectiveFrom: '2025-03-03T00:00:00.000Z' }, day(3))
    assert.equal(computeMembership(charter, [plain, millis]).isMember(erin.did, day(3)), true)
  })

  it('an admit signed by a non-admin is ignored and counts toward nothing', () => {
    const charter = makeCharter({ quorum: 2 })
    const forged = admit(charter, mallory, dan, day(3))
    const m = computeMembership(charter, [admit(charter, alice, dan, day(3)), forged])
    assert.equal(m.isMember(dan.did, day(4)), false)
    assert.deepEqual(m.pending[0].signers, [alice.did])
    assert.deepEqual(m.status(forged.cid), { cid: forged.cid, action: 'admit', outcome: 'ignored', reason: 'not-admin' })
  })

  it('records dated before the charter, or changes effective before it, are ignored', () => {
    const charter = makeCharter({ validFrom: day(2) })
    const early = admit(charter, alice, dan, day(1))
    const backdated = admit(charter, alice, erin, day(1), day(3))
    const m = computeMembership(charter, [early, backdated])
    assert.deepEqual(m.members(), charter.credential.credentialSubject.admins.slice().sort())
    assert.equal(m.status(early.cid)?.outcome, 'ignored')
    assert.deepEqual(m.status(backdated.cid), { cid: backdated.cid, action: 'admit', outcome: 'ignored', reason: 'before-charter' })
  })
})

describe('computeMembership: removal and re-admission', () => {
  const charter = makeCharter({ quorum: 2 })
  const admitted = [admit(charter, alice, dan, day(2)), admit(charter, bob, dan, day(2))]
  const removed = [remove(charter, alice, dan, day(10)), remove(charter, carol, dan, day(10), day(12))]

  it('a removal by quorum ends membership at its effectiveFrom; earlier records stay valid', () => {
    const m = computeMembership(charter, [...admitted, ...removed])
    const before = attest(charter, dan, day(9))
    const after = attest(charter, dan, day(11))
    assert.equal(m.isMember(dan.did, before.time), true, 'a record before the removal: still a member at its time')
    assert.equal(m.isMember(dan.did, after.time), false, 'a record after the removal: not a member at its time')
    assert.equal(m.isMember(dan.did, day(10)), false, 'the removal instant itself is outside')
    assert.equal(m.isMember(dan.did, day(10) - 1), true)
    assert.deepEqual(m.intervals(dan.did), [[day(2), day(10)]])
    assert.deepEqual(m.removals(dan.did), [day(10)])
    assert.equal(m.members().includes(dan.did), false)
    assert.equal(m.members(day(5)).includes(dan.did), true)
  })

  it('a removal short of quorum changes nothing', () => {
    const m = computeMembership(charter, [...admitted, removed[0]])
    assert.equal(m.isMember(dan.did, day(20)), true)
    assert.deepEqual(m.pending.map(p => [p.action, p.needed]), [['remove', 1]])
    assert.deepEqual(m.removals(dan.did), [])
  })

  it('re-admission after removal opens a new interval', () => {
    const readmitted = [admit(charter, bob, dan, day(15)), admit(charter, carol, dan, day(15))]
    const m = computeMembership(charter, [...admitted, ...removed, ...readmitted])
    assert.deepEqual(m.intervals(dan.did), [[day(2), day(10)], [day(15), Infinity]])
    assert.equal(m.isMember(dan.did, day(12)), false)
    assert.equal(m.isMember(dan.did, day(15)), true)
    assert.deepEqual(m.changes.map(c => [c.action, c.at]), [['admit', day(2)], ['remove', day(10)], ['admit', day(15)]])
  })

  it('a removal of a non-member, and a second admit of a member, change nothing', () => {
    const quorum1 = makeCharter({ quorum: 1 })
    const m = computeMembership(quorum1, [remove(quorum1, alice, erin, day(3)), admit(quorum1, alice, erin, day(4)), admit(quorum1, bob, erin, day(6))])
    assert.deepEqual(m.intervals(erin.did), [[day(4), Infinity]])
    assert.deepEqual(m.changes.map(c => c.action), ['admit'])
  })

  it('an admission and a removal at the same instant leave the member out', () => {
    const quorum1 = makeCharter({ quorum: 1 })
    const m = computeMembership(quorum1, [admit(quorum1, alice, erin, day(4)), remove(quorum1, bob, erin, day(4))])
    assert.deepEqual(m.intervals(erin.did), [])
    assert.equal(m.isMember(erin.did, day(4)), false)
  })

  it('admission may be back-dated: effectiveFrom before the signatures counts', () => {
    const quorum1 = makeCharter({ quorum: 1 })
    const m = computeMembership(quorum1, [admit(quorum1, alice, frank, day(2), day(8))])
    assert.equal(m.isMember(frank.did, day(3)), true)
  })
})

describe('computeMembership: what it reads', () => {
  const charter = makeCharter({ quorum: 1 })
  const otherCharter = makeCharter({ name: 'Another collective' })

  it('ignores records of another collective', () => {
    const elsewhere = admit(otherCharter, alice, dan, day(3))
    const m = computeMembership(charter, [elsewhere, attest(charter, alice, day(3))])
    assert.equal(m.isMember(dan.did, day(4)), false)
    assert.equal(m.status(elsewhere.cid), undefined)
    assert.equal(computeMembership(otherCharter, [elsewhere]).isMember(dan.did, day(4)), true)
  })

  it('ignores records of other kinds, the charter itself, and repeats of the same record', () => {
    const record = admit(charter, alice, dan, day(3))
    const m = computeMembership(charter, [charter, otherCharter, attest(charter, dan, day(4)), record, record, record])
    assert.deepEqual(m.intervals(dan.did), [[day(3), Infinity]])
    assert.deepEqual(m.changes[0].records, [record.cid])
  })

  it('reads any iterable once', () => {
    const records = [admit(charter, alice, dan, day(3)), admit(charter, alice, erin, day(4))]
    function * generate (): Generator<(typeof records)[number]> { yield * records }
    assert.deepEqual(computeMembership(charter, generate()).members(), computeMembership(charter, records).members())
  })

  it('returns copies: callers cannot change the computed membership', () => {
    const m = computeMembership(charter, [admit(charter, alice, dan, day(3))])
    m.intervals(dan.did)[0][1] = 0
    assert.deepEqual(m.intervals(dan.did), [[day(3), Infinity]])
    assert.throws(() => { (m.admins as string[]).push(mallory.did) })
  })
})
