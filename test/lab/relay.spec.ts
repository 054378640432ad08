/**
 * The network lab's smallest scenario in CI (issue 17): two members, each behind its own nftables NAT router in a
 * network namespace, meet only through a fellow member's relay, and every node ends holding every record. Skipped,
 * with the reason printed, where the machine cannot build namespaces (not root, no `ip netns`, no nft).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { unavailable } from '../../lab/netns.ts'
import { runScenario, formatReport } from '../../lab/run.ts'

const why = unavailable()
if (why != null) console.log(`# network lab skipped: ${why}`)

describe('network lab: NAT\'d members meet through a relay', { timeout: 180_000, skip: why }, () => {
  it('every record reaches every node through the relay', async () => {
    const m = await runScenario('relay', l => { console.log(`# ${l}`) })
    console.log(`# ${formatReport('relay', m)}`)
    assert.equal(m.missing, 0)
    assert.equal(m.nodes, 3)
    assert.ok(m.peersMax >= 2, 'A and B are connected to each other as well as to R')
  })
})
