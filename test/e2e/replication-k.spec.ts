/**
 * k copies of each work (issue 17 D4, protocols/collectives.md §Replication): five real daemons on loopback in a
 * collective founded with `--replication 2`. Every work ends up pinned by exactly the 2 members rendezvous hashing
 * names (the author's own `add` pin aside), and `atelier collective health` reports every work at 2. Then one
 * holder of a work stops: once it has been offline for `replication.offlineMs` (3 s here) the next member in the
 * work's order fetches and pins it, within REPIN_BOUND_MS of the stop.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestDaemon, waitFor } from './harness.ts'
import { holdersOf } from '../../src/replication/holders.ts'

const NODES = 5
const COPIES = 2
const WORKS = 4
const REPLICATION = { offlineMs: 3000, intervalMs: 1000, releaseDelayMs: 2000, pinTimeoutMs: 20_000 }
/** offline period + a round + the fetch, with room for a loaded 2-core machine */
const REPIN_BOUND_MS = 20_000

describe('replication: k copies of each work', { timeout: 300_000 }, () => {
  const nodes: TestDaemon[] = []
  const dids = new Map<TestDaemon, string>()
  let scratch: string
  let collective: string
  const works: string[] = []

  const pinned = async (d: TestDaemon): Promise<Set<string>> => {
    const res = await d.api('/v1/pins?limit=1000')
    assert.equal(res.status, 200)
    return new Set(res.body.items.map((p: { cid: string }) => p.cid))
  }
  /** the nodes among `among` that pin `work`, the author (nodes[0], who added every work) left out */
  const pinners = async (work: string, among: TestDaemon[]): Promise<string[]> => {
    const out: string[] = []
    for (const d of among) if (d !== nodes[0] && (await pinned(d)).has(work)) out.push(dids.get(d)!)
    return out.sort()
  }

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'atelier-repk-files-'))
    for (let i = 0; i < NODES; i++) {
      const d = await TestDaemon.create(`atelier-repk-${i}-`)
      nodes.push(d) // before start: a start that times out still leaves a process for after() to stop
      await d.writeConfig({ sync: { intervalMs: 2000 }, p2p: { memberExchangeMs: 1000 }, replication: REPLICATION })
      await d.start()
      dids.set(d, (await d.api('/v1/node')).body.did)
    }
  })

  after(async () => {
    for (const d of nodes) await d.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('pins each work on exactly its k rendezvous holders, and re-pins a stopped holder\'s work within the bound', async () => {
    const [a, ...others] = nodes
    const created = await a.cli(['collective', 'create', 'Big archive', '--replication', String(COPIES), '--json'])
    assert.equal(created.code, 0, created.stderr)
    collective = JSON.parse(created.stdout).id
    for (const d of others) {
      const invite = (await a.cli(['invite', collective])).stdout.trim()
      const joined = await d.cli(['join', invite])
      assert.equal(joined.code, 0, joined.stderr)
    }
    const members = [...dids.values()].sort()
    for (const d of nodes) {
      await waitFor(async () => ((await d.api(`/v1/collectives/${collective}`)).body.members?.length === NODES ? true : undefined), 60_000, 'every node to count five members')
    }

    for (let i = 0; i < WORKS; i++) {
      const file = join(scratch, `work-${i}.bin`)
      await writeFile(file, randomBytes(64 * 1024 + i))
      const added = await a.cli(['add', file, '--title', `Work ${i}`, '--collective', collective, '--json'])
      assert.equal(added.code, 0, added.stderr)
      works.push(JSON.parse(added.stdout).cid)
    }

    // every work on exactly its holders (the author's add pin aside), as every node computes them
    for (const work of works) {
      const expected = holdersOf(work, members, COPIES).filter(d => d !== dids.get(a)).sort()
      await waitFor(async () => JSON.stringify(await pinners(work, nodes)) === JSON.stringify(expected) ? true : undefined, 60_000, `work ${work} on ${expected.join(', ')}`)
    }
    for (const d of nodes) {
      const health = await d.cli(['collective', 'health', collective, '--json'])
      assert.equal(health.code, 0, health.stderr)
      const h = JSON.parse(health.stdout)
      assert.equal(h.copies, COPIES)
      assert.equal(h.works, WORKS)
      assert.equal(h.live, NODES)
      assert.deepEqual(h.below, [], `node ${dids.get(d)} sees works below k`)
    }

    // stop a holder (not the author) of a work that neither it nor the member next in line leaves to the author, so
    // a new member must fetch it
    const aDid = dids.get(a)!
    let work = works[0]
    let victim = nodes[1]
    for (const w of works) {
      const hs = holdersOf(w, members, COPIES)
      const v = nodes.find(d => d !== a && hs.includes(dids.get(d)!))
      if (v == null || hs.includes(aDid)) continue
      if (!holdersOf(w, members, COPIES, did => did !== dids.get(v)).includes(aDid)) { work = w; victim = v; break }
    }
    const stoppedAt = Date.now()
    await victim.stop()
    const live = nodes.filter(d => d !== victim)
    const expected = holdersOf(work, members, COPIES, did => did !== dids.get(victim)).filter(d => d !== dids.get(a)).sort()
    await waitFor(async () => JSON.stringify(await pinners(work, live)) === JSON.stringify(expected) ? true : undefined, REPIN_BOUND_MS, `work ${work} re-pinned on ${expected.join(', ')}`)
    const ms = Date.now() - stoppedAt
    console.log(`re-pinned to ${COPIES} live holders ${ms} ms after a holder stopped (bound ${REPIN_BOUND_MS} ms, ratio ${(ms / REPIN_BOUND_MS).toFixed(2)}; offline period ${REPLICATION.offlineMs} ms)`)

    // a survivor's health counts the stopped member out of the live members and, once every work the stopped member
    // held has its k live holders again (the other works re-pin in parallel with the one timed above), is healthy
    const h = await waitFor(async () => {
      const body = (await live[1].api(`/v1/collectives/${collective}/health`)).body
      return body.live === NODES - 1 && body.healthy === true ? body : undefined
    }, REPIN_BOUND_MS, 'a survivor to count the stopped member offline and every work to have k live holders')
    assert.equal(h.below.length, 0)

    // a collective without k copies has no health to report: 400 with the documented error body
    const plain = await a.cli(['collective', 'create', 'Plain', '--json'])
    const bad = await a.api(`/v1/collectives/${JSON.parse(plain.stdout).id}/health`)
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 'ERR_INVALID_REQUEST')
    // copies outside 1…64 are refused at the door: 400 over HTTP, a usage error from the CLI
    for (const replication of [{ copies: 0 }, { copies: 65 }, { copies: 2, extra: 1 }, 'some']) {
      const res = await a.api('/v1/collectives', { method: 'POST', json: { name: 'Bad', replication } })
      assert.equal(res.status, 400, JSON.stringify(replication))
    }
    const cli = await a.cli(['collective', 'create', 'Bad', '--replication', '65'])
    assert.notEqual(cli.code, 0)
    assert.match(cli.stderr, /between 1 and 64/)
  })
})
