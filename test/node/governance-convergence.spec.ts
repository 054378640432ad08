/**
 * Governance on node state (protocols/governance.md §6–§7, collectives.md §6): a history where proposals pass and
 * fail (an admin added, an admin removed, a quorum lowered), races with the records they change (admits signed by
 * the would-be admin, removals of the admin that loses its role, records of a member removed under the new terms) is
 * delivered to three real record cores in random orders, with repeats, concurrent deliveries and restarts. Every
 * node ends with the answers of a fresh node that took the set in (validFrom, CID) order, and with the admins,
 * members and outcomes the pure function gives.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { computeCollective } from '../../src/governance/index.ts'
import { issueRecord } from '../../src/records/index.ts'
import type { ValidRecord } from '../../src/records/index.ts'
import { admit, alice, at, bob, carol, crypto, dan, day, erin, frank, remove } from '../collectives/helpers.ts'
import { propose, receipt, vote } from '../governance/helpers.ts'
import { ViewCore } from './view-core.ts'

const RUNS = Number(process.env.ATELIER_GOV_RUNS ?? 8)

function history (): { charter: ValidRecord<'charter'>, records: ValidRecord[] } {
  const charter = issueRecord('charter', { name: `governance model ${Math.random()}`, admins: [alice, bob, carol].map(s => s.did), admission: { policy: 'quorum', quorum: 2 } },
    { signer: alice, crypto, validFrom: new Date(day(1)) })
  const records: ValidRecord[] = [charter, admit(charter, alice, dan, day(1)), admit(charter, bob, dan, day(1))]
  // passes: dan becomes an admin at day 5
  const p1 = propose(charter, alice, day(2), { changes: [{ action: 'addAdmin', member: dan.did }], closes: at(day(5)), turnout: { numerator: 1, denominator: 2 } })
  const v1 = [vote(charter, bob, p1, { choice: 0 }, day(3)), vote(charter, carol, p1, { choice: 0 }, day(3, 2)), vote(charter, dan, p1, { choice: 1 }, day(3, 4))]
  records.push(p1, ...v1, receipt(charter, alice, p1, v1, day(3, 6)))
  // dan, admin from day 5, admits erin from day 6 with alice: counts only once p1 has passed on the node
  records.push(admit(charter, dan, erin, day(6), day(5, 12)), admit(charter, alice, erin, day(6)))
  // passes: carol loses her admin role at day 8, and the quorum becomes 1
  const p2 = propose(charter, bob, day(6), { changes: [{ action: 'removeAdmin', member: carol.did }, { action: 'setQuorum', quorum: 1 }], closes: at(day(8)) })
  const v2 = [vote(charter, alice, p2, { choice: 0 }, day(6, 3)), vote(charter, dan, p2, { choice: 0 }, day(6, 4)), vote(charter, erin, p2, { choice: 0 }, day(6, 5))]
  records.push(p2, ...v2, receipt(charter, carol, p2, v2, day(7)))
  // then bob alone removes carol from day 9 (quorum 1 by then); her later record is not the collective's
  records.push(remove(charter, bob, carol, day(9)))
  records.push(issueRecord('attestation', { record: charter.cid, claim: 'endorsement' }, { signer: carol, crypto, validFrom: new Date(day(10)), collective: charter.cid }))
  records.push(issueRecord('attestation', { record: charter.cid, claim: 'endorsement' }, { signer: carol, crypto, validFrom: new Date(day(8, 12)), collective: charter.cid }))
  // fails (nobody witnessed the vote): frank is not admitted by decree
  const p3 = propose(charter, erin, day(7), { changes: [{ action: 'admit', member: frank.did }], closes: at(day(9)) })
  records.push(p3, vote(charter, erin, p3, { choice: 0 }, day(7, 1)))
  // frank's record, counted only if he were a member
  records.push(issueRecord('attestation', { record: charter.cid, claim: 'other' }, { signer: frank, crypto, validFrom: new Date(day(10)), collective: charter.cid }))
  return { charter, records }
}

const byTimeThenCid = (a: ValidRecord, b: ValidRecord): number => a.time - b.time || (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0)

describe('governance convergence on node state', { timeout: 900_000 }, () => {
  let nodes: ViewCore[] = []
  let reference: ViewCore

  before(async () => {
    nodes = await Promise.all([ViewCore.create(), ViewCore.create(), ViewCore.create()])
    reference = await ViewCore.create()
  })
  after(async () => { for (const n of [...nodes, reference]) await n?.destroy() })

  const governanceOf = async (node: ViewCore, id: string): Promise<unknown> => {
    const state = await node.collectives.directory.load(id)
    return {
      admins: state?.membership.admins,
      members: state?.membership.members(),
      outcomes: [...(state?.governance.tallies.values() ?? [])].map(t => `${t.proposal}:${t.outcome}`).sort()
    }
  }

  it(`${RUNS} random deliveries with repeats and restarts end in the reference's answers`, async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 30, maxLength: 30 }), fc.nat(3), fc.integer({ min: -1, max: 10 })), { minLength: 3, maxLength: 3 }),
      async (deliveries) => {
        const { charter, records } = history()
        const scope = charter.cid
        const pure = computeCollective(charter, records)
        assert.deepEqual(pure.membership.admins, [alice.did, bob.did, dan.did].sort(), 'the history passes p1 and p2')
        assert.deepEqual(pure.membership.members(), [alice.did, bob.did, dan.did, erin.did].sort())
        const sorted = [...records].sort(byTimeThenCid)
        for (const r of sorted) await reference.deliver(r.bytes, scope)
        await reference.settled()
        await reference.redeliver(sorted, scope)
        const expected = await reference.answers(scope, [])
        const expectedGov = await governanceOf(reference, scope)
        assert.deepEqual((expectedGov as any).admins, pure.membership.admins)
        assert.deepEqual((expectedGov as any).members, pure.membership.members())
        const counted: ValidRecord[] = []
        for (const r of sorted) if (await reference.index.has(r.cid)) counted.push(r)
        assert.equal(counted.some(r => r.author === frank.did), false, 'frank\'s record is not counted')
        assert.equal(counted.filter(r => r.author === carol.did && r.kind === 'attestation').length, 1, 'carol\'s record after her removal is not counted')

        await Promise.all(nodes.map(async (node, k) => {
          const [keys, repeats, restartAt] = deliveries[k]
          const order = records.map((r, i) => ({ r, key: keys[i % keys.length] * 64 + i })).sort((a, b) => a.key - b.key).map(x => x.r)
          for (let i = 0; i < repeats && order.length > 0; i++) order.push(order[keys[i] % order.length])
          for (let i = 0; i < order.length; i += 3) {
            if (i === restartAt * 3) { await node.settled(); await node.restart() }
            await Promise.all(order.slice(i, i + 3).map(async r => await node.deliver(r.bytes, scope)))
          }
          await node.settled()
          await node.redeliver(counted, scope)
          await node.redeliver(sorted, scope)
        }))
        for (const [k, node] of nodes.entries()) {
          assert.deepEqual(await node.answers(scope, []), expected, `node ${k} differs from the reference`)
          assert.deepEqual(await governanceOf(node, scope), expectedGov, `node ${k}'s governance differs`)
        }
      }
    ), { numRuns: RUNS, endOnFailure: true })
  })
})
