/**
 * Released copies are freed, and never before their replacement is stored (issue 17 D4, protocols/collectives.md §8
 * "Pinning and release", `/atelier/holding/1.0.0`). Three real daemons on loopback, a collective with
 * `--replication 1`: A (the author, whose `add` pins keep every work) and B; B holds the works that rank it first.
 * C joins and ranks first for some of them ("moved" works), but C's fetches are made to fail (pinTimeoutMs 1 ms):
 * for several release delays B keeps its pins and `atelier gc` frees nothing on B, although C is live and B is no
 * longer a holder. C restarts with a working fetch: it pins the moved works, B then drops its pins and gc frees their
 * bytes on B. On the way, C's `atelier collective health` names the holder by its profile name.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestDaemon, waitFor } from './harness.ts'
import { holdersOf } from '../../src/replication/holders.ts'

/** offline period long enough that C's restart does not make B a holder again */
const REPLICATION = { offlineMs: 15_000, intervalMs: 1000, releaseDelayMs: 2000, pinTimeoutMs: 20_000 }
/** works added until one moves from B to C */
const MAX_WORKS = 40
const WORK_BYTES = 64 * 1024
/** how long B must keep its copies while C cannot fetch: several release delays and rounds */
const HOLD_WINDOW_MS = 4 * REPLICATION.releaseDelayMs + 2 * REPLICATION.intervalMs
/** C's fetch, a round and B's release delay, with room for a loaded 2-core machine */
const RELEASE_BOUND_MS = 40_000

describe('replication: a node that stops being a holder frees the copy once the new holder has it', { timeout: 300_000 }, () => {
  const nodes: TestDaemon[] = []
  let scratch: string

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'atelier-reprel-files-'))
    for (let i = 0; i < 3; i++) {
      const d = await TestDaemon.create(`atelier-reprel-${i}-`)
      nodes.push(d) // before start: a start that times out still leaves a process for after() to stop
      // C's fetches time out at once until it restarts
      await d.writeConfig({ sync: { intervalMs: 2000 }, p2p: { memberExchangeMs: 1000 }, replication: { ...REPLICATION, ...(i === 2 ? { pinTimeoutMs: 1 } : {}) } })
      await d.start()
    }
  })

  after(async () => {
    for (const d of nodes) await d.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('keeps the copy while the new holder lacks it, and frees it after', async () => {
    const [a, b, c] = nodes
    const did = async (d: TestDaemon): Promise<string> => (await d.api('/v1/node')).body.did
    const [aDid, bDid, cDid] = [await did(a), await did(b), await did(c)]
    const pins = async (d: TestDaemon): Promise<Set<string>> => {
      const res = await d.api('/v1/pins?limit=1000')
      assert.equal(res.status, 200)
      return new Set(res.body.items.map((p: { cid: string }) => p.cid))
    }
    const gc = async (d: TestDaemon): Promise<{ blocks: number, bytes: number }> => {
      const res = await d.api('/v1/gc', { method: 'POST', json: {} })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body
    }
    const admit = async (d: TestDaemon, members: number): Promise<void> => {
      const invite = (await a.cli(['invite', collective])).stdout.trim()
      const joined = await d.cli(['join', invite])
      assert.equal(joined.code, 0, joined.stderr)
      for (const n of nodes.slice(0, members)) {
        await waitFor(async () => ((await n.api(`/v1/collectives/${collective}`)).body.members?.length === members ? true : undefined), 60_000, `${members} members`)
      }
    }

    const created = await a.cli(['collective', 'create', 'Spread', '--replication', '1', '--json'])
    assert.equal(created.code, 0, created.stderr)
    const collective: string = JSON.parse(created.stdout).id
    await admit(b, 2)

    // works until one ranks B first among {A, B} and C first among {A, B, C}
    const bHolds: string[] = []
    const moved: string[] = []
    for (let i = 0; i < MAX_WORKS && moved.length === 0; i++) {
      const file = join(scratch, `w${i}.bin`)
      await writeFile(file, randomBytes(WORK_BYTES))
      const added = await a.cli(['add', file, '--title', `W${i}`, '--collective', collective, '--json'])
      assert.equal(added.code, 0, added.stderr)
      const work: string = JSON.parse(added.stdout).cid
      if (holdersOf(work, [aDid, bDid], 1)[0] !== bDid) continue
      bHolds.push(work)
      if (holdersOf(work, [aDid, bDid, cDid], 1)[0] === cDid) moved.push(work)
    }
    assert.ok(moved.length > 0, `no work moved from B to C in ${MAX_WORKS} works`)
    for (const w of bHolds) await waitFor(async () => (await pins(b)).has(w) ? true : undefined, 60_000, `B to pin ${w}`)
    await gc(b) // whatever else B had lying around

    assert.equal((await c.cli(['profile', 'set', '--name', 'Carmen Holt'])).code, 0)
    await admit(c, 3)
    // C is live and the holder of the moved works, but its fetch fails
    for (const w of moved) {
      await waitFor(async () => {
        const h = (await c.api(`/v1/collectives/${collective}/health`)).body
        return h.below?.some((x: { work: string, self?: string }) => x.work === w && x.self === 'failed') === true ? true : undefined
      }, 60_000, `C to report its copy of ${w} failed`)
    }
    // the human output names the holder by its profile name, not its did; --json keeps the did
    const human = await c.cli(['collective', 'health', collective])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, new RegExp(`${moved[0]}  holders: Carmen Holt  this node: failed`))
    assert.ok(!human.stdout.includes(cDid.slice(-12)), human.stdout)
    const json = JSON.parse((await c.cli(['collective', 'health', collective, '--json'])).stdout)
    assert.deepEqual(json.below.find((x: { work: string }) => x.work === moved[0]).holders, [cDid])
    assert.equal(json.names[cDid], 'Carmen Holt')

    const windowEnd = Date.now() + HOLD_WINDOW_MS
    let checks = 0
    while (Date.now() < windowEnd) {
      const held = await pins(b)
      for (const w of moved) assert.ok(held.has(w), `B released ${w} before C held it`)
      assert.equal((await gc(b)).blocks, 0, 'gc freed blocks on B while C lacked its copy')
      for (const w of moved) assert.ok(!(await pins(c)).has(w))
      checks++
      await new Promise(resolve => setTimeout(resolve, 500))
    }
    assert.ok(checks >= 4, `only ${checks} checks in the window`)

    // C can fetch again: it pins the moved works, then B lets go and gc frees them
    await c.stop()
    await c.writeConfig({ replication: REPLICATION })
    const restarted = Date.now()
    await c.start().catch((err: Error) => { throw new Error(`${err.message}\n${c.log.slice(-3000)}`) })
    for (const w of moved) await waitFor(async () => (await pins(c)).has(w) ? true : undefined, RELEASE_BOUND_MS, `C to pin ${w}`)
    for (const w of moved) await waitFor(async () => (await pins(b)).has(w) ? undefined : true, RELEASE_BOUND_MS, `B to release ${w}`)
    const ms = Date.now() - restarted
    console.log(`B released ${moved.length} moved work(s) ${ms} ms after C restarted (bound ${RELEASE_BOUND_MS} ms, ratio ${(ms / RELEASE_BOUND_MS).toFixed(2)}; release delay ${REPLICATION.releaseDelayMs} ms)`)
    const freed = await gc(b)
    assert.ok(freed.bytes >= moved.length * WORK_BYTES, `gc freed ${freed.bytes} bytes on B, expected at least ${moved.length * WORK_BYTES}`)
    // what B still holds stays
    const held = await pins(b)
    for (const w of bHolds) if (!moved.includes(w)) assert.ok(held.has(w), `B dropped ${w}, which it still holds`)
    assert.equal((await gc(b)).blocks, 0)
  })
})
