/**
 * The partitioned voter (protocols/governance.md §5): C votes before the close while A's and B's nodes are down, so no
 * other member's node can witness its vote; after the close A and B come back, the records spread, and every node
 * counts the same: B's vote (witnessed before the partition) counts, C's is `unwitnessed` everywhere, and the
 * outcome and digests agree.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { TestDaemon, waitFor } from './harness.ts'

const CONFIG = { sync: { intervalMs: 2000 }, governance: { receiptDelayMs: 200 } }
const WINDOW_S = 40

describe('governance: a vote cast in a partition is judged the same on every node', { timeout: 300_000 }, () => {
  const nodes: TestDaemon[] = []
  let a: TestDaemon, b: TestDaemon, c: TestDaemon
  let cDid: string
  let collective: string
  let proposal: string
  let closes: number
  let bVote: string
  let cVote: string

  const tallyOf = async (n: TestDaemon): Promise<any> => (await n.api(`/v1/proposals/${proposal}`)).body

  before(async () => {
    for (let i = 0; i < 3; i++) {
      const d = await TestDaemon.create(`atelier-govp-${i}-`)
      await d.writeConfig(CONFIG)
      await d.start()
      nodes.push(d)
    }
    ;[a, b, c] = nodes
    cDid = (await c.api('/v1/node')).body.did
  })

  after(async () => {
    for (const d of nodes) await d.destroy()
  })

  it('A founds, B and C join; A proposes making C an admin (turnout 1/3, threshold 2/3)', async () => {
    const created = await a.cli(['collective', 'create', 'Harbour', '--json'])
    assert.equal(created.code, 0, created.stderr)
    collective = JSON.parse(created.stdout).id
    for (const d of [b, c]) {
      const inv = await a.cli(['invite', collective])
      const joined = await d.cli(['join', inv.stdout.trim(), '--json'])
      assert.equal(joined.code, 0, joined.stderr)
    }
    for (const n of nodes) await waitFor(async () => (await n.api(`/v1/collectives/${collective}/members`)).body.members?.length === 3 ? true : undefined, 30_000, 'three members everywhere')
    const out = await a.cli(['propose', collective, '--add-admin', cDid, '--threshold', '2/3', '--quorum', '1/3', '--closes-in', `${WINDOW_S}s`, '--json'])
    assert.equal(out.code, 0, out.stderr)
    ;({ id: proposal } = JSON.parse(out.stdout))
    closes = Date.parse(JSON.parse(out.stdout).closes)
    for (const n of [b, c]) await waitFor(async () => (await n.api(`/v1/proposals/${proposal}`)).status === 200 ? true : undefined, 30_000, 'the proposal everywhere')
  })

  it('B votes and is witnessed; then A and B go down and C votes alone, before the close', async () => {
    const v = await b.cli(['vote', proposal, 'for', '--json'])
    assert.equal(v.code, 0, v.stderr)
    bVote = JSON.parse(v.stdout).id
    await waitFor(async () => (await tallyOf(a)).votes?.find((x: any) => x.cid === bVote)?.counted === true ? true : undefined, 20_000, 'B\'s vote witnessed')
    await a.stop()
    await b.stop()
    const out = await c.cli(['vote', proposal, 'against', '--json'])
    assert.equal(out.code, 0, out.stderr)
    cVote = JSON.parse(out.stdout).id
    assert.ok(Date.now() < closes, 'C voted before the close')
    const alone = await tallyOf(c)
    assert.equal(alone.votes.find((x: any) => x.cid === cVote).reason, 'unwitnessed')
  })

  it('after the close A and B return; every node holds C\'s vote and counts it nowhere', async () => {
    await waitFor(() => Date.now() > closes + 500 ? true : undefined, (WINDOW_S + 5) * 1000, 'the close')
    await a.start([], { sameP2pPort: true })
    await b.start([], { sameP2pPort: true })
    for (const n of [a, b]) await waitFor(async () => (await n.api(`/v1/records/${cVote}`)).status === 200 ? true : undefined, 60_000, 'C\'s vote to reach A and B')
    const tallies = []
    for (const n of nodes) {
      const t = await tallyOf(n)
      assert.equal(t.status, 'closed')
      assert.deepEqual(t.votes.map((x: any) => [x.cid, x.counted ? 'counted' : x.reason]).sort(), [[bVote, 'counted'], [cVote, 'unwitnessed']].sort())
      assert.equal(t.outcome, 'passed')
      tallies.push({ votes: t.votes, count: t.count, outcome: t.outcome })
    }
    assert.deepEqual(tallies[1], tallies[0])
    assert.deepEqual(tallies[2], tallies[0])
    for (const n of nodes) await waitFor(async () => (await n.api(`/v1/collectives/${collective}/members`)).body.admins?.includes(cDid) ? true : undefined, 20_000, 'C to be an admin everywhere')
    const digests = await Promise.all(nodes.map(async n => (await n.api(`/v1/collectives/${collective}/digest`)).body))
    await waitFor(async () => {
      const now = await Promise.all(nodes.map(async n => (await n.api(`/v1/collectives/${collective}/digest`)).body.digest))
      return now.every(d => d === now[0]) ? true : undefined
    }, 30_000, 'equal digests')
    assert.ok(digests.length === 3)
  })
})
