/**
 * `atelier reindex` on a running daemon under load: records keep arriving over HTTP while the index is rebuilt
 * beside the live one. Queries never answer empty, every record posted is indexed and none parked, the count
 * matches, and the royalty split (served from the in-memory link directory) knows a license posted meanwhile.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestDaemon } from './harness.ts'
import { createSigner, issueRecord } from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/index.ts'

/** records in the node before the reindex, so the rebuild takes long enough to overlap the posts */
const SEEDED = 2000
/** records posted while the reindex runs at most, and how long posting goes on at most */
const POST_LIMIT = 4000
const POST_MS = 60_000
const CONCURRENCY = 8

describe('reindex on a running daemon', { timeout: 300_000 }, () => {
  let d: TestDaemon
  let scratch: string
  const signers = Array.from({ length: 16 }, () => createSigner(new Uint8Array(randomBytes(32)), nativeCrypto))
  let n = 0
  /** an endorsement of `target`, signed elsewhere, each one distinct */
  const endorsement = (target: string): { cid: string, json: unknown } => {
    const i = n++
    const rec = issueRecord('attestation', { record: target, claim: 'endorsement', comment: `n${i}` }, { signer: signers[i % signers.length], crypto: nativeCrypto })
    return { cid: rec.cid, json: JSON.parse(new TextDecoder().decode(rec.bytes)) }
  }

  before(async () => {
    d = await TestDaemon.create()
    scratch = await mkdtemp(join(tmpdir(), 'atelier-e2e-reindex-'))
    await d.start()
  })

  after(async () => {
    await d?.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('keeps answering and taking records during the rebuild, and is current after it', async () => {
    const add = async (name: string, args: string[]): Promise<{ cid: string, record: string }> => {
      const file = join(scratch, name)
      await writeFile(file, `${name} ${Math.random()}\n`)
      const r = await d.cli(['add', file, '--title', name, ...args, '--json'])
      assert.equal(r.code, 0, r.stderr)
      return JSON.parse(r.stdout)
    }
    const parent = await add('parent.txt', [])
    const child = await add('child.txt', ['--parent', parent.record])
    const royalties = async (): Promise<any> => {
      const r = await d.api(`/v1/assets/${child.record}/royalties?amount=10000&currency=EUR`)
      assert.equal(r.status, 200, JSON.stringify(r.body))
      return r.body
    }
    // loads the link directory: the parent has no license yet
    const before = await royalties()
    assert.equal(before.assets.find((a: any) => a.cid === parent.record)?.license, undefined)

    const post = async (rec: { cid: string, json: unknown }): Promise<number> => {
      const started = Date.now()
      const r = await d.api('/v1/records', { method: 'POST', json: rec.json })
      assert.equal(r.status, 201, JSON.stringify(r.body))
      assert.equal(r.body.status, 'added')
      return Date.now() - started
    }
    const seedStarted = Date.now()
    const seeded = Array.from({ length: SEEDED }, () => endorsement(parent.record))
    for (let i = 0; i < seeded.length; i += CONCURRENCY * 4) await Promise.all(seeded.slice(i, i + CONCURRENCY * 4).map(post))
    const seedMs = Date.now() - seedStarted
    const baseline = (await d.api('/v1/node')).body.records as number
    assert.equal(baseline, SEEDED + 2)

    // the load: posts in a loop until the reindex is done (bounded), and readers that must never see an empty index
    let reindexing = true
    const posted: string[] = []
    const latencies: number[] = []
    let postedDuring = 0
    const deadline = Date.now() + POST_MS
    const posters = Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (reindexing && posted.length < POST_LIMIT && Date.now() < deadline) {
        const rec = endorsement(child.record)
        posted.push(rec.cid)
        latencies.push(await post(rec))
        if (reindexing) postedDuring++
      }
    }))
    let reads = 0
    const readers = Promise.all([0, 1].map(async () => {
      while (reindexing) {
        const r = await d.api('/v1/records?limit=5')
        assert.equal(r.status, 200, JSON.stringify(r.body))
        assert.equal(r.body.items.length, 5, 'GET /v1/records answered short during the reindex')
        const node = await d.api('/v1/node')
        assert.ok(node.body.records >= baseline, `the count went down to ${node.body.records} during the reindex`)
        reads++
      }
    }))
    // let the load get going, then reindex; a license arrives during the rebuild
    while (posted.length < 50) await new Promise(resolve => setTimeout(resolve, 20))
    const reindex = d.cli(['reindex', '--json'])
    const license = await d.api('/v1/licenses', { method: 'POST', json: { asset: parent.record, preset: 'cc-by', terms: { commercialRevShare: 1500 } } })
    assert.equal(license.status, 201, JSON.stringify(license.body))
    const r = await reindex
    reindexing = false
    await Promise.all([posters, readers])
    assert.equal(r.code, 0, r.stderr)
    const result = JSON.parse(r.stdout)
    assert.ok(postedDuring > 0 && reads > 0, 'posts and reads ran during the reindex')

    // every record is indexed, none parked, the count matches
    const all = new Set<string>()
    let cursor: string | undefined
    do {
      const page = await d.api(`/v1/records?limit=1000${cursor != null ? `&cursor=${cursor}` : ''}`)
      for (const i of page.body.items) all.add(i.cid)
      cursor = page.body.cursor ?? undefined
    } while (cursor != null)
    const expected = baseline + 1 + posted.length
    for (const cid of [...seeded.map(s => s.cid), ...posted, license.body.cid]) assert.ok(all.has(cid), `${cid} is indexed after the reindex`)
    assert.equal(all.size, expected)
    assert.equal((await d.api('/v1/node')).body.records, expected)
    assert.ok(result.records >= baseline + 1 && result.records <= expected, `the reindex counted ${result.records}`)
    const parked = await d.api('/v1/parked')
    assert.equal(parked.body.count, 0, JSON.stringify(parked.body))

    // the royalty split reads licenses from the link directory: it knows the license posted during the rebuild
    const afterwards = await royalties()
    assert.equal(afterwards.assets.find((a: any) => a.cid === parent.record)?.license, license.body.cid)
    const lineage = await d.api(`/v1/assets/${parent.record}/lineage?direction=descendants&depth=1`)
    assert.ok(lineage.body.nodes.some((x: any) => x.cid === child.record))
    assert.deepEqual((await readdir(d.home)).filter(f => f.startsWith('index')), ['index'])

    latencies.sort((a, b) => a - b)
    assert.equal(typeof result.swapMs, 'number')
    console.log(`# seeded ${SEEDED} records in ${seedMs} ms; reindex of ${result.records} records took ${result.ms} ms` +
      ` (swap ${result.swapMs} ms); ${postedDuring} posted meanwhile, post latency p50 ` +
      `${latencies[Math.floor(latencies.length / 2)]} ms, max ${latencies[latencies.length - 1]} ms; ${reads} reads during it`)

    // and the index holds after a restart
    assert.equal(await d.stop(), 0)
    await d.start()
    assert.equal((await d.api('/v1/node')).body.records, expected)
  })
})
