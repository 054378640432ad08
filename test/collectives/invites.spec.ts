/**
 * Invites and joins: a join takes effect at its own validFrom when the invite is valid then; everything that makes
 * an invite or a join void; maxUses with a deterministic winner.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { computeMembership } from '../../src/collectives/index.ts'
import { admit, alice, bob, dan, day, erin, frank, grace, invite, join, makeCharter, mallory, remove } from './helpers.ts'

describe('invites and joins', () => {
  const charter = makeCharter({ policy: 'invite', quorum: 2 })
  const inv = invite(charter, alice, day(2), day(10))

  it('a valid join makes the joiner a member from its validFrom', () => {
    const j = join(charter, dan, inv.cid, day(4, 12))
    const m = computeMembership(charter, [inv, j])
    assert.equal(m.isMember(dan.did, day(4, 12) - 1), false)
    assert.equal(m.isMember(dan.did, day(4, 12)), true)
    assert.deepEqual(m.intervals(dan.did), [[day(4, 12), Infinity]])
    assert.deepEqual(m.changes, [{ action: 'join', member: dan.did, at: day(4, 12), records: [j.cid] }])
    assert.deepEqual(m.invite(inv.cid)?.uses, [{ cid: j.cid, joiner: dan.did, at: day(4, 12) }])
    assert.deepEqual(m.status(inv.cid), { cid: inv.cid, action: 'invite', outcome: 'effective' })
    assert.deepEqual(m.status(j.cid), { cid: j.cid, action: 'join', outcome: 'effective' })
  })

  it('a join at or after the expiration is void; just before it is fine', () => {
    const late = join(charter, dan, inv.cid, day(10))
    const justInTime = join(charter, erin, inv.cid, day(10) - 1)
    const m = computeMembership(charter, [inv, late, justInTime])
    assert.equal(m.isMember(dan.did, day(11)), false)
    assert.deepEqual(m.status(late.cid), { cid: late.cid, action: 'join', outcome: 'ignored', reason: 'invite-expired' })
    assert.equal(m.isMember(erin.did, day(11)), true)
  })

  it('a join dated before its invite is void', () => {
    const early = join(charter, dan, inv.cid, day(1, 12))
    const m = computeMembership(charter, [inv, early])
    assert.equal(m.status(early.cid)?.outcome, 'ignored')
    assert.equal((m.status(early.cid) as { reason: string }).reason, 'invite-not-yet-valid')
  })

  it('an invite by a non-admin is void, and so is every join with it', () => {
    const forged = invite(charter, mallory, day(2), day(10))
    const j = join(charter, dan, forged.cid, day(3))
    const m = computeMembership(charter, [forged, j])
    assert.equal(m.isMember(dan.did, day(4)), false)
    assert.equal(m.invite(forged.cid), undefined)
    assert.deepEqual(m.status(forged.cid), { cid: forged.cid, action: 'invite', outcome: 'ignored', reason: 'not-admin' })
    assert.deepEqual(m.status(j.cid), { cid: j.cid, action: 'join', outcome: 'ignored', reason: 'invite-invalid' })
  })

  it('a join naming a membership record that is not an invite is void; one naming an unseen record waits', () => {
    const a = admit(charter, alice, frank, day(2))
    const j = join(charter, dan, a.cid, day(3))
    const unseen = join(charter, erin, charter.cid, day(3))
    const m = computeMembership(charter, [a, j, unseen])
    assert.equal((m.status(j.cid) as { reason: string }).reason, 'not-an-invite')
    assert.equal((m.status(unseen.cid) as { reason: string }).reason, 'invite-unknown')
  })

  it('under policy quorum, invites and joins are ignored; admits still work', () => {
    const quorumOnly = makeCharter({ policy: 'quorum', quorum: 1 })
    const i = invite(quorumOnly, alice, day(2), day(10))
    const j = join(quorumOnly, dan, i.cid, day(3))
    const m = computeMembership(quorumOnly, [i, j, admit(quorumOnly, bob, erin, day(3))])
    assert.equal(m.policy, 'quorum')
    assert.equal(m.isMember(dan.did, day(4)), false)
    assert.equal(m.isMember(erin.did, day(4)), true)
    assert.equal((m.status(i.cid) as { reason: string }).reason, 'policy')
    assert.equal((m.status(j.cid) as { reason: string }).reason, 'policy')
  })

  it('maxUses: the first joins in (validFrom, CID) order win, whatever order they arrive in', () => {
    const limited = invite(charter, bob, day(2), day(10), 2)
    const joins = [join(charter, grace, limited.cid, day(5)), join(charter, dan, limited.cid, day(3)), join(charter, erin, limited.cid, day(4)), join(charter, frank, limited.cid, day(3))]
    const m = computeMembership(charter, [limited, ...joins])
    // day 3 has two joins: both are before erin's and grace's, so they take the two uses
    assert.deepEqual(m.members(), [...m.admins, dan.did, frank.did].sort())
    assert.equal((m.status(joins[2].cid) as { reason: string }).reason, 'invite-exhausted')
    assert.equal((m.status(joins[0].cid) as { reason: string }).reason, 'invite-exhausted')
    assert.deepEqual(m.invite(limited.cid)?.uses.map(u => u.joiner).sort(), [dan.did, frank.did].sort())
    assert.deepEqual(computeMembership(charter, [...joins].reverse().concat(limited)).members(), m.members())
  })

  it('maxUses: joins at the same instant are ordered by CID', () => {
    const once = invite(charter, bob, day(2), day(10), 1)
    const a = join(charter, dan, once.cid, day(3))
    const b = join(charter, erin, once.cid, day(3))
    const [winner, loser] = a.cid < b.cid ? [a, b] : [b, a]
    for (const order of [[once, a, b], [b, a, once]]) {
      const m = computeMembership(charter, order)
      assert.equal(m.isMember(winner.author, day(3)), true)
      assert.equal(m.isMember(loser.author, day(3)), false)
    }
  })

  it('a second join of the same joiner with the same invite uses nothing and changes nothing', () => {
    const twice = invite(charter, bob, day(2), day(10), 2)
    const first = join(charter, dan, twice.cid, day(3))
    const again = join(charter, dan, twice.cid, day(4))
    const other = join(charter, erin, twice.cid, day(5))
    const m = computeMembership(charter, [twice, first, again, other])
    assert.equal((m.status(again.cid) as { reason: string }).reason, 'duplicate-join')
    assert.deepEqual(m.intervals(dan.did), [[day(3), Infinity]])
    assert.equal(m.isMember(erin.did, day(5)), true)
  })

  it('a removed member cannot come back with an invite; only an admit by quorum re-admits', () => {
    const j1 = join(charter, dan, inv.cid, day(3))
    const removal = [remove(charter, alice, dan, day(5)), remove(charter, bob, dan, day(5))]
    const j2 = join(charter, dan, inv.cid, day(6))
    const m = computeMembership(charter, [inv, j1, ...removal, j2])
    assert.deepEqual(m.intervals(dan.did), [[day(3), day(5)]])
    // j2 is refused for the removal, not as a duplicate of j1
    assert.equal((m.status(j2.cid) as { reason: string }).reason, 'joiner-removed')
    const readmit = [admit(charter, alice, dan, day(8)), admit(charter, bob, dan, day(8))]
    assert.deepEqual(computeMembership(charter, [inv, j1, ...removal, j2, ...readmit]).intervals(dan.did), [[day(3), day(5)], [day(8), Infinity]])
  })

  it('a refused join does not use up the invite', () => {
    const once = invite(charter, bob, day(2), day(10), 1)
    const removal = [remove(charter, alice, dan, day(2)), remove(charter, bob, dan, day(2))]
    const refused = join(charter, dan, once.cid, day(3))
    const accepted = join(charter, erin, once.cid, day(4))
    const m = computeMembership(charter, [once, ...removal, refused, accepted])
    assert.equal(m.isMember(erin.did, day(4)), true)
  })

  it('an admin\'s join is ignored; admins are members anyway', () => {
    const j = join(charter, alice, inv.cid, day(3))
    const m = computeMembership(charter, [inv, j])
    assert.equal((m.status(j.cid) as { reason: string }).reason, 'admin-member')
    assert.deepEqual(m.invite(inv.cid)?.uses, [])
  })

  it('a joined member leaves by a removal like any other', () => {
    const j = join(charter, dan, inv.cid, day(3))
    const m = computeMembership(charter, [inv, j, remove(charter, alice, dan, day(7)), remove(charter, bob, dan, day(7))])
    assert.deepEqual(m.intervals(dan.did), [[day(3), day(7)]])
  })
})
