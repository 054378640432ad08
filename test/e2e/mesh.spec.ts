/**
 * A collective is a mesh, not a star (protocols/members.md): three real daemons on loopback. A founds a collective,
 * B and C join by A's invites (so each knows only A's address), then A goes offline. B's new asset must reach C
 * within seconds: history sync runs every 30 s here (the default), so only gossip over a direct B–C connection,
 * found through the member exchange, is fast enough. Then B and C restart, A still offline, and find each other
 * again from what they persisted.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestDaemon, waitFor } from './harness.ts'

/** The periodic sync interval stays at its default, so a record that arrives fast came by gossip */
const SYNC_INTERVAL_MS = 30_000
/** How long B's record may take to reach C */
const DEADLINE_MS = 10_000

describe('a collective stays connected without its founder', { timeout: 240_000 }, () => {
  const nodes: TestDaemon[] = []
  let a: TestDaemon, b: TestDaemon, c: TestDaemon
  let scratch: string
  let collective: string
  const ids = new Map<TestDaemon, string>()

  const connectedTo = async (from: TestDaemon, to: TestDaemon): Promise<boolean> => {
    const out = await from.cli(['peers', '--json'])
    assert.equal(out.code, 0, out.stderr)
    return JSON.parse(out.stdout).items.some((p: any) => p.peerId === ids.get(to) && p.connected)
  }
  /**
   * B adds a file to the collective; resolves with the record CID, how long C took to hold it once B's CLI returned
   * (`ms`), and from before B's CLI started (`totalMs`, the CLI's own start-up and upload included)
   */
  const addOnBReachesC = async (name: string): Promise<{ record: string, ms: number, totalMs: number }> => {
    const file = join(scratch, name)
    await writeFile(file, `${name}: ${Date.now()}\n`)
    const begun = Date.now()
    const added = await b.cli(['add', file, '--title', name, '--collective', collective, '--json'])
    assert.equal(added.code, 0, added.stderr)
    const record = JSON.parse(added.stdout).record
    const started = Date.now()
    await waitFor(async () => (await c.api(`/v1/records/${record}`)).status === 200 ? true : undefined, DEADLINE_MS, `C to receive B's ${name}`)
    return { record, ms: Date.now() - started, totalMs: Date.now() - begun }
  }

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'atelier-mesh-files-'))
    for (let i = 0; i < 3; i++) {
      const d = await TestDaemon.create(`atelier-mesh-${i}-`)
      await d.writeConfig({ sync: { intervalMs: SYNC_INTERVAL_MS } })
      await d.start()
      ids.set(d, (await d.api('/v1/node')).body.peerId)
      nodes.push(d)
    }
    ;[a, b, c] = nodes
  })

  after(async () => {
    for (const d of nodes) await d.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('B and C, who were given only A\'s address, connect to each other', async () => {
    const created = await a.cli(['collective', 'create', 'Harbour Weavers', '--json'])
    assert.equal(created.code, 0, created.stderr)
    collective = JSON.parse(created.stdout).id
    const started = Date.now()
    for (const d of [b, c]) {
      const inv = await a.cli(['invite', collective])
      assert.equal(inv.code, 0, inv.stderr)
      assert.ok(!inv.stdout.includes(ids.get(d) as string), 'the invite names only A')
      const joined = await d.cli(['join', inv.stdout.trim(), '--json'])
      assert.equal(joined.code, 0, joined.stderr)
    }
    const dids = await Promise.all(nodes.map(async n => (await n.api('/v1/node')).body.did))
    for (const n of nodes) {
      await waitFor(async () => {
        const m = (await n.api(`/v1/collectives/${collective}/members`)).body
        return dids.every((d: string) => m.members?.includes(d)) ? true : undefined
      }, 20_000, 'every node to count all three members')
    }
    await waitFor(async () => (await connectedTo(b, c)) && (await connectedTo(c, b)) ? true : undefined, 20_000, 'B and C to connect directly')
    console.log(`# B and C connected ${Date.now() - started} ms after the first join began`)
    const peersOfC = JSON.parse((await c.cli(['peers', '--json'])).stdout).items
    const bOnC = peersOfC.find((p: any) => p.peerId === ids.get(b))
    assert.deepEqual(bOnC.memberOf, [collective], 'C lists B as a member of the collective')
    assert.equal(bOnC.source, 'member')
    const text = await c.cli(['peers'])
    assert.match(text.stdout, /member of 1 shared collective/)
  })

  it('with A offline, B\'s asset reaches C within seconds', async () => {
    assert.equal(await a.stop(), 0)
    const { ms, totalMs } = await addOnBReachesC('tapestry.txt')
    console.log(`# with A offline, B's record was on C ${ms} ms after B's add returned (${totalMs} ms from running the CLI)`)
    assert.ok(ms < SYNC_INTERVAL_MS / 3, `by gossip, not periodic sync (${ms} ms)`)
  })

  it('B and C find each other again after both restart, A still offline', async () => {
    assert.equal(await b.stop(), 0)
    assert.equal(await c.stop(), 0)
    await b.start([], { sameP2pPort: true })
    await c.start([], { sameP2pPort: true })
    const started = Date.now()
    await waitFor(async () => (await connectedTo(b, c)) && (await connectedTo(c, b)) ? true : undefined, 20_000, 'B and C to reconnect')
    console.log(`# B and C reconnected ${Date.now() - started} ms after both daemons answered`)
    assert.equal(await connectedTo(b, a), false)
    // gossip needs the topic mesh to form again (a heartbeat or two) before a publish reaches C
    await new Promise(resolve => setTimeout(resolve, 2_000))
    const { ms, totalMs } = await addOnBReachesC('after-restart.txt')
    console.log(`# after the restart, B's record was on C ${ms} ms after B's add returned (${totalMs} ms from running the CLI)`)
  })
})
