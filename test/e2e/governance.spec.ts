/**
 * Governance on three real daemons (protocols/governance.md): A founds a collective alone (quorum 1), B and C join;
 * A proposes making B an admin with a 2/3 threshold and 2/3 turnout, closing in 60 s; B and C vote for it; their
 * nodes witness each other's votes before the close; after the close every node tallies the same passed outcome and
 * lists B as an admin, and B's admit of a newcomer then counts on every node.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { didsOf, joinWithInvites, startDaemons, waitFor } from './harness.ts'
import type { TestDaemon } from './harness.ts'

const CONFIG = { sync: { intervalMs: 2000 }, governance: { receiptDelayMs: 200 } }
/** A did:key with no node behind it (RFC 8032 TEST 1024): admitted by B at the end */
const NEWCOMER = 'did:key:z6Mkh7U7jBwoMro3UeHmXes4tKtFbZhMRWejbtunbU4hhvjP'
const WINDOW_S = 60

describe('governance: a proposal passed by votes makes B an admin on every node', { timeout: 300_000 }, () => {
  let nodes: TestDaemon[] = []
  let a: TestDaemon, b: TestDaemon, c: TestDaemon
  let aDid: string, bDid: string, cDid: string
  let collective: string
  let proposal: string
  let defaultsProposal: string
  let closes: number

  const membersOf = async (n: TestDaemon): Promise<any> => (await n.api(`/v1/collectives/${collective}/members`)).body
  const tallyOf = async (n: TestDaemon): Promise<any> => (await n.api(`/v1/proposals/${proposal}`)).body

  before(async () => {
    nodes = await startDaemons(3, 'atelier-gov-', CONFIG)
    ;[a, b, c] = nodes
    ;[aDid, bDid, cDid] = await didsOf(nodes)
  })

  after(async () => {
    for (const d of nodes) await d.destroy()
  })

  it('A founds a collective alone; B and C join with invites', async () => {
    const created = await a.cli(['collective', 'create', 'Riverside', '--json'])
    assert.equal(created.code, 0, created.stderr)
    collective = JSON.parse(created.stdout).id
    await joinWithInvites(a, collective, [b, c])
    for (const n of nodes) {
      await waitFor(async () => { const m = await membersOf(n); return [aDid, bDid, cDid].every(d => m.members?.includes(d)) ? true : undefined }, 30_000, 'every node to list A, B and C')
      assert.deepEqual((await membersOf(n)).admins, [aDid])
    }
  })

  it('A proposes adding B as admin (threshold 2/3, turnout 2/3); the CLI prints its id', async () => {
    const out = await a.cli(['propose', collective, '--add-admin', bDid, '--threshold', '2/3', '--quorum', '2/3', '--closes-in', `${WINDOW_S}s`, '--json'])
    assert.equal(out.code, 0, out.stderr)
    const json = JSON.parse(out.stdout)
    proposal = json.id
    closes = Date.parse(json.closes)
    assert.match(proposal, /^bagaaiera/)
    const defaults = await a.cli(['propose', collective, '--default-license', 'CC-BY-4.0', '--default-ai-training', 'notAllowed', '--closes-in', `${WINDOW_S}s`])
    assert.equal(defaults.code, 0, defaults.stderr)
    defaultsProposal = defaults.stdout.trim()
    const text = await a.cli(['proposals', collective])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, new RegExp(`^${proposal}  open until `, 'm'))
  })

  it('B and C vote for it; each vote is witnessed by another member\'s node before the close', async () => {
    for (const n of [b, c]) await waitFor(async () => (await n.api(`/v1/proposals/${proposal}`)).status === 200 ? true : undefined, 30_000, 'the proposal to reach B and C')
    const bVote = await b.cli(['vote', proposal, 'for'])
    assert.equal(bVote.code, 0, bVote.stderr)
    assert.match(bVote.stdout, /^voted \(bagaaiera\w+\)/)
    const cVote = await c.cli(['vote', proposal, '0', '--json'])
    assert.equal(cVote.code, 0, cVote.stderr)
    for (const n of [b, c]) {
      await waitFor(async () => (await n.api(`/v1/proposals/${defaultsProposal}`)).status === 200 ? true : undefined, 30_000, 'the defaults proposal to reach B and C')
      const v = await n.cli(['vote', defaultsProposal, 'for'])
      assert.equal(v.code, 0, v.stderr)
    }
    // before the close, every node counts both votes (witnessed by receipts) and calls the outcome provisional
    for (const n of nodes) {
      await waitFor(async () => { const t = await tallyOf(n); return t.votes?.filter((v: any) => v.counted).length === 2 ? t : undefined }, 20_000, 'both votes to count everywhere')
    }
    const open = await tallyOf(a)
    assert.equal(open.status, 'open')
    assert.equal(open.outcome, 'passed')
    assert.ok(Date.now() < closes, 'the votes counted before the close')
    const bad = await b.cli(['vote', proposal, 'maybe'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /not one of the choices: for, against/)
  })

  it('after the close every node tallies the same passed outcome and lists B as an admin', async () => {
    await waitFor(() => Date.now() > closes + 500 ? true : undefined, (WINDOW_S + 5) * 1000, 'the close')
    const tallies = []
    for (const n of nodes) {
      const t = await tallyOf(n)
      assert.equal(t.status, 'closed')
      assert.equal(t.outcome, 'passed')
      tallies.push({ votes: t.votes, count: t.count, electorate: t.electorate, outcome: t.outcome })
      await waitFor(async () => (await membersOf(n)).admins?.includes(bDid) ? true : undefined, 10_000, 'B to be an admin')
      assert.deepEqual((await membersOf(n)).admins, [aDid, bDid].sort())
    }
    assert.deepEqual(tallies[1], tallies[0])
    assert.deepEqual(tallies[2], tallies[0])
    const shown = await c.cli(['proposal', 'show', proposal])
    assert.equal(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, /^status: closed$/m)
    assert.match(shown.stdout, /^turnout: T = 2 of W = 3; needs 2\/3: met$/m)
    assert.match(shown.stdout, /^threshold: for has 2 of B = 2; needs 2\/3: met$/m)
    assert.match(shown.stdout, /^outcome: passed$/m)
    const late = await c.cli(['vote', proposal, 'against'])
    assert.equal(late.code, 1)
    assert.match(late.stderr, /closed at/)
  })

  it('the defaults passed too: a work added to the collective without a license or AI-training choice takes them', async () => {
    await waitFor(async () => { const t = (await a.api(`/v1/proposals/${defaultsProposal}`)).body; return t.status === 'closed' && t.outcome === 'passed' ? true : undefined }, 20_000, 'the defaults to pass')
    assert.deepEqual((await a.api(`/v1/collectives/${collective}/defaults`)).body, { spdx: 'CC-BY-4.0', trainingMining: { 'cawg.ai_training': { use: 'notAllowed' } } })
    const file = join(a.home, 'print.txt')
    await writeFile(file, 'a print of the harbour')
    const added = await a.cli(['add', file, '--title', 'Print', '--collective', collective, '--json'])
    assert.equal(added.code, 0, added.stderr)
    const out = JSON.parse(added.stdout)
    const asset = (await a.api(`/v1/records/${out.record as string}?raw=1`)).body
    assert.deepEqual(asset.credentialSubject.trainingMining, { 'cawg.ai_training': { use: 'notAllowed' } })
    assert.ok(out.license != null, added.stdout)
    const license = (await a.api(`/v1/records/${out.license as string}?raw=1`)).body
    assert.equal(license.credentialSubject.spdx, 'CC-BY-4.0')
  })

  it('B, now an admin, admits a newcomer; the admit counts on every node', async () => {
    const out = await b.cli(['admit', collective, NEWCOMER, '--json'])
    assert.equal(out.code, 0, out.stderr)
    assert.equal(JSON.parse(out.stdout).effective, true)
    for (const n of nodes) {
      await waitFor(async () => (await membersOf(n)).members?.includes(NEWCOMER) ? true : undefined, 30_000, 'the newcomer to be a member everywhere')
    }
    const digests = await Promise.all(nodes.map(async n => (await n.api(`/v1/collectives/${collective}/digest`)).body))
    assert.deepEqual(digests[1], digests[0])
    assert.deepEqual(digests[2], digests[0])
  })
})
