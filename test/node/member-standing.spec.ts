/** memberStanding: what `collective list` and `join` say about this node's creator, from the membership alone */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { computeMembership } from '../../src/collectives/index.ts'
import type { ValidRecord } from '../../src/records/types.ts'
import { memberStanding } from '../../src/node/member-standing.ts'
import { admit, alice, bob, carol, dan, day, makeCharter, membershipRecord, remove, at } from '../collectives/helpers.ts'

const byCid = (records: ValidRecord[]): Map<string, ValidRecord> => new Map(records.map(r => [r.cid, r]))

describe('memberStanding', () => {
  it('an admin is a member since the charter; a stranger is not a member', () => {
    const charter = makeCharter()
    const m = computeMembership(charter, [])
    assert.deepEqual(memberStanding(m, new Map(), alice.did, day(2)), { status: 'member', since: day(1) })
    assert.deepEqual(memberStanding(m, new Map(), dan.did, day(2)), { status: 'not-member' })
  })

  it('a removed member is told when, by which admins, and why; not "not a member yet"', () => {
    const charter = makeCharter({ quorum: 2 })
    const records = [
      admit(charter, alice, dan, day(3)), admit(charter, bob, dan, day(3)),
      membershipRecord(charter, alice, { action: 'remove', member: dan.did, effectiveFrom: at(day(8)), reason: 'left the studio' }, day(8)),
      remove(charter, carol, dan, day(8), day(8, 6)) // signed six hours later, with its own reason
    ]
    const m = computeMembership(charter, records)
    assert.deepEqual(memberStanding(m, byCid(records), dan.did, day(5)), { status: 'member', since: day(3) })
    assert.deepEqual(memberStanding(m, byCid(records), dan.did, day(9)), { status: 'removed', at: day(8), by: [alice.did, carol.did].sort(), reason: 'left the studio' })
    // before the removal takes effect, still a member
    assert.equal(memberStanding(m, byCid(records), dan.did, day(8) - 1).status, 'member')
  })

  it('an admit short of its quorum is pending; re-admitted after a removal is a member again', () => {
    const charter = makeCharter({ quorum: 2 })
    const one = [admit(charter, alice, dan, day(3))]
    assert.deepEqual(memberStanding(computeMembership(charter, one), byCid(one), dan.did, day(4)), { status: 'pending' })
    const back = [
      admit(charter, alice, dan, day(3)), admit(charter, bob, dan, day(3)),
      remove(charter, alice, dan, day(5)), remove(charter, bob, dan, day(5)),
      admit(charter, alice, dan, day(7)), admit(charter, carol, dan, day(7))
    ]
    assert.deepEqual(memberStanding(computeMembership(charter, back), byCid(back), dan.did, day(8)), { status: 'member', since: day(7) })
  })
})
