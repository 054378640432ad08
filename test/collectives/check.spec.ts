/**
 * checkMembershipRecord / checkCollectiveRecord: the verdict on one incoming record (accept, refuse with a typed
 * error, park for a missing record, keep without effect), dependenciesOf, and agreement with computeMembership.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { checkCollectiveRecord, checkMembershipRecord, computeMembership, dependenciesOf } from '../../src/collectives/index.ts'
import type { MembershipCheck } from '../../src/collectives/index.ts'
import type { ValidRecord } from '../../src/records/index.ts'
import { isAtelierError } from '../../src/errors.ts'
import { admit, alice, attest, bob, dan, day, erin, frank, invite, join, makeCharter, mallory, remove } from './helpers.ts'
import * as scenario from './scenario.ts'

/** The verdict is a refusal with this reason, error name, code and HTTP status */
function assertInvalid (check: MembershipCheck, reason: string, name: string, code: string, httpStatus: number): void {
  assert.equal(check.status, 'invalid', JSON.stringify(check))
  if (check.status !== 'invalid') return
  assert.equal(check.reason, reason)
  assert.ok(isAtelierError(check.error))
  assert.equal(check.error.name, name)
  assert.equal(check.error.code, code)
  assert.equal(check.error.httpStatus, httpStatus)
  assert.equal(check.error.details?.reason, reason)
}

describe('checkMembershipRecord', () => {
  const charter = makeCharter({ policy: 'invite', quorum: 2 })
  const inv = invite(charter, alice, day(2), day(10), 1)
  const held = [inv, admit(charter, alice, dan, day(2))]
  const membership = computeMembership(charter, held)
  const check = (record: ValidRecord): MembershipCheck => checkMembershipRecord(charter, membership, record)

  it('an admin\'s admit is ok: pending below quorum, effective when it completes one', () => {
    assert.deepEqual(check(admit(charter, bob, erin, day(3))), { status: 'ok', effect: 'pending' })
    assert.deepEqual(check(admit(charter, bob, dan, day(2))), { status: 'ok', effect: 'effective' })
    // the same admin again does not complete the quorum
    assert.deepEqual(check(admit(charter, alice, dan, day(2), day(3))), { status: 'ok', effect: 'pending' })
  })

  it('a record it already holds gets the verdict it got there', () => {
    assert.deepEqual(check(held[1]), { status: 'ok', effect: 'pending' })
    assert.deepEqual(check(inv), { status: 'ok', effect: 'effective' })
  })

  it('admit, remove or invite by a non-admin: NotAdminError (403)', () => {
    assertInvalid(check(admit(charter, mallory, erin, day(3))), 'not-admin', 'NotAdminError', 'ERR_NOT_ADMIN', 403)
    assertInvalid(check(remove(charter, mallory, dan, day(3))), 'not-admin', 'NotAdminError', 'ERR_NOT_ADMIN', 403)
    assertInvalid(check(invite(charter, mallory, day(3), day(9))), 'not-admin', 'NotAdminError', 'ERR_NOT_ADMIN', 403)
  })

  it('a join with an unknown invite is missing that invite', () => {
    const unknownInvite = invite(charter, bob, day(2), day(10))
    const j = join(charter, erin, unknownInvite.cid, day(3))
    const verdict = check(j)
    assert.equal(verdict.status, 'missing')
    if (verdict.status !== 'missing') return
    assert.deepEqual(verdict.missing, [unknownInvite.cid])
    assert.equal(verdict.reason, 'invite-unknown')
    assert.equal(verdict.error.name, 'MissingDependencyError')
    assert.equal(verdict.error.code, 'ERR_MISSING_DEPENDENCY')
    assert.deepEqual(verdict.error.details?.missing, [unknownInvite.cid])
    // once the invite is held, the join is judged
    assert.deepEqual(checkMembershipRecord(charter, computeMembership(charter, [...held, unknownInvite]), j), { status: 'ok', effect: 'effective' })
  })

  it('a join with a valid invite is ok; expired or early: InviteInvalidError (400)', () => {
    assert.deepEqual(check(join(charter, erin, inv.cid, day(4))), { status: 'ok', effect: 'effective' })
    assertInvalid(check(join(charter, erin, inv.cid, day(10))), 'invite-expired', 'InviteInvalidError', 'ERR_INVITE_INVALID', 400)
    assertInvalid(check(join(charter, erin, inv.cid, day(1, 12))), 'invite-not-yet-valid', 'InviteInvalidError', 'ERR_INVITE_INVALID', 400)
  })

  it('a join whose invite is void, or not an invite, is refused', () => {
    const forged = invite(charter, mallory, day(2), day(10))
    const m = computeMembership(charter, [...held, forged])
    assertInvalid(checkMembershipRecord(charter, m, join(charter, erin, forged.cid, day(3))), 'invite-invalid', 'InviteInvalidError', 'ERR_INVITE_INVALID', 400)
    assertInvalid(check(join(charter, erin, held[1].cid, day(3))), 'not-an-invite', 'InviteInvalidError', 'ERR_INVITE_INVALID', 400)
  })

  it('a join beyond maxUses is kept without effect; an earlier one would take the use', () => {
    const first = join(charter, erin, inv.cid, day(4))
    const m = computeMembership(charter, [...held, first])
    assert.deepEqual(checkMembershipRecord(charter, m, join(charter, frank, inv.cid, day(5))), { status: 'ineffective', reason: 'invite-exhausted' })
    assert.deepEqual(checkMembershipRecord(charter, m, join(charter, frank, inv.cid, day(3))), { status: 'ok', effect: 'effective' })
    assert.deepEqual(checkMembershipRecord(charter, m, join(charter, erin, inv.cid, day(6))), { status: 'ineffective', reason: 'duplicate-join' })
  })

  it('a join by a removed member: NotMemberError (403)', () => {
    const m = computeMembership(charter, [...held, admit(charter, bob, dan, day(2)), remove(charter, alice, dan, day(3)), remove(charter, bob, dan, day(3))])
    assertInvalid(checkMembershipRecord(charter, m, join(charter, dan, inv.cid, day(4))), 'joiner-removed', 'NotMemberError', 'ERR_NOT_MEMBER', 403)
  })

  it('rules of the charter alone: policy, admins, dates, collective, kind', () => {
    const quorumOnly = makeCharter({ policy: 'quorum', quorum: 1 })
    const m = computeMembership(quorumOnly, [])
    assertInvalid(checkMembershipRecord(quorumOnly, m, invite(quorumOnly, alice, day(2), day(9))), 'policy', 'InviteInvalidError', 'ERR_INVITE_INVALID', 400)
    assertInvalid(checkMembershipRecord(quorumOnly, m, join(quorumOnly, dan, inv.cid, day(3))), 'policy', 'InviteInvalidError', 'ERR_INVITE_INVALID', 400)
    assertInvalid(check(remove(charter, alice, bob, day(3))), 'admin-member', 'InvalidMembershipError', 'ERR_INVALID_MEMBERSHIP', 400)
    assertInvalid(check(admit(charter, alice, erin, day(1) - 1, day(2))), 'before-charter', 'InvalidMembershipError', 'ERR_INVALID_MEMBERSHIP', 400)
    assertInvalid(check(admit(quorumOnly, alice, erin, day(3))), 'wrong-collective', 'InvalidMembershipError', 'ERR_INVALID_MEMBERSHIP', 400)
    assertInvalid(check(attest(charter, alice, day(3))), 'not-membership', 'InvalidMembershipError', 'ERR_INVALID_MEMBERSHIP', 400)
  })

  it('error messages name the record', () => {
    const record = admit(charter, mallory, erin, day(3))
    const verdict = check(record)
    assert.ok(verdict.status === 'invalid' && verdict.error.message.includes(record.cid))
  })
})

describe('checkCollectiveRecord', () => {
  const charter = makeCharter({ quorum: 1 })
  const membership = computeMembership(charter, [admit(charter, alice, dan, day(3)), remove(charter, alice, dan, day(8))])

  it('accepts records of members at their validFrom, and refuses the rest with NotMemberError', () => {
    assert.deepEqual(checkCollectiveRecord(charter, membership, attest(charter, alice, day(2))), { status: 'ok', effect: 'effective' })
    assert.deepEqual(checkCollectiveRecord(charter, membership, attest(charter, dan, day(5))), { status: 'ok', effect: 'effective' })
    assertInvalid(checkCollectiveRecord(charter, membership, attest(charter, dan, day(2))), 'not-member', 'NotMemberError', 'ERR_NOT_MEMBER', 403)
    assertInvalid(checkCollectiveRecord(charter, membership, attest(charter, dan, day(9))), 'not-member', 'NotMemberError', 'ERR_NOT_MEMBER', 403)
    assertInvalid(checkCollectiveRecord(charter, membership, attest(charter, mallory, day(5))), 'not-member', 'NotMemberError', 'ERR_NOT_MEMBER', 403)
  })

  it('passes membership records to checkMembershipRecord, and refuses other collectives\' records', () => {
    assert.deepEqual(checkCollectiveRecord(charter, membership, admit(charter, bob, erin, day(4))), { status: 'ok', effect: 'effective' })
    const elsewhere = makeCharter({ name: 'Elsewhere' })
    assertInvalid(checkCollectiveRecord(charter, membership, attest(elsewhere, alice, day(2))), 'wrong-collective', 'InvalidMembershipError', 'ERR_INVALID_MEMBERSHIP', 400)
    assertInvalid(checkCollectiveRecord(charter, membership, elsewhere), 'wrong-collective', 'InvalidMembershipError', 'ERR_INVALID_MEMBERSHIP', 400)
  })
})

describe('dependenciesOf', () => {
  const charter = makeCharter()
  const inv = invite(charter, alice, day(2), day(10))

  it('a charter needs nothing; a collective record its charter; a join also its invite', () => {
    assert.deepEqual(dependenciesOf(charter), [])
    assert.deepEqual(dependenciesOf(admit(charter, alice, dan, day(2))), [charter.cid])
    assert.deepEqual(dependenciesOf(inv), [charter.cid])
    assert.deepEqual(dependenciesOf(join(charter, dan, inv.cid, day(3))), [charter.cid, inv.cid])
    assert.deepEqual(dependenciesOf(attest(charter, alice, day(2))), [charter.cid])
  })
})

describe('check and compute agree', () => {
  it('each record, checked against the membership of all the others, gets the verdict computeMembership gives it', () => {
    const { charter, records } = scenario
    const all = computeMembership(charter, records)
    const membershipRecords = records.filter(r => r.kind === 'membership' && r.collective === charter.cid)
    assert.ok(membershipRecords.length > 20)
    for (const record of membershipRecords) {
      const others = computeMembership(charter, records.filter(r => r.cid !== record.cid))
      const verdict = checkMembershipRecord(charter, others, record)
      const status = all.status(record.cid)!
      if (status.outcome === 'ignored') {
        assert.notEqual(verdict.status, 'ok', `${status.action} ${record.cid}`)
        assert.equal((verdict as { reason: string }).reason, status.reason, `${status.action} ${record.cid}`)
      } else {
        assert.deepEqual(verdict, { status: 'ok', effect: status.outcome }, `${status.action} ${record.cid}`)
      }
    }
  })
})
