/**
 * A membership is a pure function of the set of records: 200 random orders of the same records (with repeats mixed
 * in) give identical members, intervals, pending changes, record verdicts and invite uses.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { computeMembership } from '../../src/collectives/index.ts'
import type { Membership } from '../../src/collectives/index.ts'
import { alice, bob, carol, dan, day, erin, frank, grace, mallory, seededRandom, shuffled } from './helpers.ts'
import { charter, forged, limited, open, records } from './scenario.ts'

const SHUFFLES = 200

const dids = [alice, bob, carol, dan, erin, frank, grace, mallory].map(s => s.did)
const probeTimes = [day(1) - 1, day(1), day(2), day(5), day(5, 6), day(6), day(7), day(8), day(10), day(14), day(30)]

/** Everything a membership answers, as one comparable value */
function snapshot (m: Membership): unknown {
  return {
    members: m.members(),
    membersAt: probeTimes.map(t => m.members(t)),
    intervals: dids.map(did => m.intervals(did).map(([from, to]) => [from, to === Infinity ? 'open' : to])),
    pending: m.pending,
    changes: m.changes,
    statuses: records.map(r => m.status(r.cid) ?? null),
    invites: [limited, open, forged].map(r => m.invite(r.cid) ?? null)
  }
}

describe('membership is a function of the set', () => {
  const baseline = snapshot(computeMembership(charter, records))

  it('the record set exercises what it claims', () => {
    const m = computeMembership(charter, records)
    assert.deepEqual(m.intervals(dan.did), [[day(2), day(8)], [day(14), Infinity]])
    assert.equal(m.pending.length, 1)
    assert.deepEqual(m.intervals(grace.did), [])
    assert.equal(m.invite(limited.cid)?.uses.length, 2)
    assert.ok(m.isMember(erin.did, day(7)), 'erin joined with the open invite')
    assert.equal(m.isMember(dan.did, day(10)), false, 'dan cannot join while removed')
  })

  it(`${SHUFFLES} random shuffles, with repeats, give identical results`, () => {
    const random = seededRandom(0x5eed)
    for (let i = 0; i < SHUFFLES; i++) {
      const order = shuffled(records, random)
      // repeat a few records at random places
      for (let k = 0; k < 3; k++) order.splice(Math.floor(random() * order.length), 0, records[Math.floor(random() * records.length)])
      assert.deepEqual(snapshot(computeMembership(charter, order)), baseline, `shuffle ${i} differs`)
    }
  })
})
