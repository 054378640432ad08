/**
 * planChange (src/collectives/cosign.ts), pure: which change an admin's admit/remove signs. Admins using the
 * defaults converge on one change, whatever order they sign in, and signing twice or co-signing what is not pending
 * is refused by name and reason.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { computeMembership, planChange } from '../../src/collectives/index.ts'
import type { ValidRecord } from '../../src/records/index.ts'
import { admit, alice, at, bob, carol, dan, day, erin, makeCharter, membershipRecord, remove, seededRandom, shuffled } from './helpers.ts'
import type { Signer } from '../../src/records/index.ts'

const refusal = (name: string, reason?: string) => (err: any): boolean => {
  assert.equal(err.name, name, err.message)
  if (reason !== undefined) assert.equal(err.details?.reason, reason)
  return true
}

describe('planChange', () => {
  it('with nothing pending, a new change from now', () => {
    const charter = makeCharter({ quorum: 2 })
    const plan = planChange(computeMembership(charter, []), { action: 'admit', member: dan.did, signer: alice.did, now: day(3) })
    assert.deepEqual(plan, { action: 'admit', member: dan.did, effectiveFrom: day(3), others: [] })
  })

  it('admins signing with the defaults, in any order, make one change that takes effect at the first one\'s time', () => {
    const random = seededRandom(7)
    for (let round = 0; round < 20; round++) {
      const charter = makeCharter({ quorum: 3 })
      const records: ValidRecord[] = []
      const order: Signer[] = shuffled([alice, bob, carol], random)
      order.forEach((admin, i) => {
        const membership = computeMembership(charter, records)
        const plan = planChange(membership, { action: 'admit', member: dan.did, signer: admin.did, now: day(3 + i) })
        assert.equal(plan.effectiveFrom, day(3), 'the first signer\'s time')
        records.push(admit(charter, admin, dan, plan.effectiveFrom, day(3 + i)))
      })
      const membership = computeMembership(charter, records)
      assert.deepEqual(membership.pending, [])
      assert.deepEqual(membership.intervals(dan.did), [[day(3), Infinity]])
    }
  })

  it('two changes started apart: the next signature co-signs the other admin\'s, the earliest unsigned first', () => {
    const charter = makeCharter({ quorum: 2 })
    const records = [admit(charter, alice, dan, day(3)), admit(charter, bob, dan, day(4)), admit(charter, bob, dan, day(5))]
    const membership = computeMembership(charter, records)
    const plan = planChange(membership, { action: 'admit', member: dan.did, signer: alice.did, now: day(6) })
    assert.equal(plan.effectiveFrom, day(4))
    assert.deepEqual(plan.joins?.signers, [bob.did])
    assert.deepEqual(plan.others.map(o => o.effectiveFrom), [day(5)])
    const carolPlan = planChange(membership, { action: 'admit', member: dan.did, signer: carol.did, now: day(6) })
    assert.equal(carolPlan.effectiveFrom, day(3))
    assert.deepEqual(carolPlan.others.map(o => o.effectiveFrom), [day(4), day(5)])
  })

  it('pending changes of another action or member are left alone', () => {
    const charter = makeCharter({ quorum: 2 })
    const membership = computeMembership(charter, [remove(charter, bob, dan, day(3))])
    assert.equal(planChange(membership, { action: 'admit', member: dan.did, signer: alice.did, now: day(6) }).joins, undefined)
    assert.equal(planChange(membership, { action: 'remove', member: erin.did, signer: alice.did, now: day(6) }).joins, undefined)
  })

  it('an explicit effectiveFrom picks that change, pending or new', () => {
    const charter = makeCharter({ quorum: 2 })
    const membership = computeMembership(charter, [admit(charter, bob, dan, day(3))])
    assert.equal(planChange(membership, { action: 'admit', member: dan.did, signer: alice.did, effectiveFrom: day(3), now: day(6) }).joins?.effectiveFrom, day(3))
    const fresh = planChange(membership, { action: 'admit', member: dan.did, signer: alice.did, effectiveFrom: day(8), now: day(6) })
    assert.equal(fresh.joins, undefined)
    assert.equal(fresh.effectiveFrom, day(8))
  })

  it('signing the same change twice is refused: defaults, explicit time, cosign, and an effective change', () => {
    const charter = makeCharter({ quorum: 2 })
    const mine = admit(charter, alice, dan, day(3))
    const membership = computeMembership(charter, [mine])
    assert.throws(() => planChange(membership, { action: 'admit', member: dan.did, signer: alice.did, now: day(6) }), refusal('AlreadySignedError'))
    assert.throws(() => planChange(membership, { action: 'admit', member: dan.did, signer: alice.did, effectiveFrom: day(3), now: day(6) }), refusal('AlreadySignedError'))
    assert.throws(() => planChange(membership, { action: 'admit', signer: alice.did, cosign: mine.cid, now: day(6) }), refusal('AlreadySignedError'))
    const done = computeMembership(charter, [mine, admit(charter, bob, dan, day(3), day(4))])
    assert.throws(() => planChange(done, { action: 'admit', member: dan.did, signer: alice.did, effectiveFrom: day(3), now: day(6) }), refusal('AlreadySignedError'))
  })

  it('cosign names a pending change by any of its records, and refuses anything else with a reason', () => {
    const charter = makeCharter({ quorum: 2 })
    const pendingRemove = remove(charter, bob, dan, day(5))
    const effective = [admit(charter, alice, dan, day(3)), admit(charter, bob, dan, day(3), day(4))]
    const outsider = membershipRecord(charter, dan, { action: 'admit', member: carol.did, effectiveFrom: at(day(3)) }, day(3))
    const membership = computeMembership(charter, [pendingRemove, ...effective, outsider])
    const plan = planChange(membership, { action: 'remove', signer: alice.did, cosign: pendingRemove.cid, now: day(9) })
    assert.deepEqual([plan.member, plan.effectiveFrom], [dan.did, day(5)])
    const refuse = (request: Partial<Parameters<typeof planChange>[1]>, name: string, reason?: string): void => {
      assert.throws(() => planChange(membership, { action: 'remove', signer: alice.did, now: day(9), ...request }), refusal(name, reason))
    }
    refuse({ action: 'admit', cosign: pendingRemove.cid }, 'NotPendingError', 'other-action')
    refuse({ cosign: pendingRemove.cid, member: carol.did }, 'NotPendingError', 'other-member')
    refuse({ action: 'admit', cosign: effective[0].cid }, 'NotPendingError', 'effective')
    refuse({ action: 'admit', cosign: outsider.cid }, 'NotPendingError', 'ignored')
    refuse({ cosign: charter.cid }, 'NotPendingError', 'unknown')
    refuse({ cosign: pendingRemove.cid, effectiveFrom: day(5) }, 'InvalidRequestError')
    refuse({}, 'InvalidRequestError')
  })
})
