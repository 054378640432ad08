/**
 * The node's view (createIndexLineageView over a Level RecordIndex and record bodies) answers the lineage reports
 * exactly as the in-memory view does: same royalty reports, same PROV-JSON, same C2PA view, content references
 * and cycles included.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RecordIndex } from '../../src/index/index.ts'
import { createIndexLineageView } from '../../src/lineage/index-view.ts'
import type { LineageView } from '../../src/lineage/view.ts'
import { splitRoyalties } from '../../src/lineage/royalties.ts'
import { toProvJson } from '../../src/lineage/prov.ts'
import { toC2paManifestStore } from '../../src/lineage/c2pa.ts'
import type { ValidRecord } from '../../src/records/types.ts'
import { LineageBuilder, cidOf, fakeDid, rng } from './royalties-fixtures.ts'
import { LinkDirectory } from '../../src/node/link-directory.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { exportLineage } from './prov-fixtures.ts'

let dir: string
const indexes: RecordIndex[] = []

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-lineage-view-'))
})

after(async () => {
  for (const index of indexes) await index.close()
  await rm(dir, { recursive: true, force: true })
})

/** Index `records` in a fresh Level index and view them as the node does (with its link directory when `links`) */
async function indexView (records: ValidRecord[], options: { links?: boolean } = {}): Promise<LineageView> {
  const index = new RecordIndex({ path: join(dir, `index-${indexes.length}`) })
  indexes.push(index)
  await index.open()
  await index.put(records)
  // signed records carry their canonical bytes; the unsigned fixtures are served as plain JSON
  const bodies = new Map(records.map(r => [r.cid, r.bytes.length > 0 ? r.bytes : new TextEncoder().encode(JSON.stringify(r.credential))]))
  return createIndexLineageView({
    index,
    ...(options.links === true ? { links: new LinkDirectory({ index, logger: silentLogger() }) } : {}),
    store: {
      async getRecord (cid: string) {
        const b = bodies.get(cid)
        if (b == null) throw Object.assign(new Error(`no record ${cid}`), { name: 'NotFoundError' })
        return b
      }
    }
  })
}

describe('the index-backed lineage view', () => {
  it('gives the same royalty report, PROV-JSON and C2PA view as the memory view', async () => {
    const { g, remix } = exportLineage()
    const view = await indexView(g.records)
    const money = { amount: 123457, currency: 'EUR' }
    assert.deepEqual(await splitRoyalties(view, remix, money), await splitRoyalties(g.view, remix, money))
    assert.deepEqual(await toProvJson(view, remix), await toProvJson(g.view, remix))
    assert.deepEqual(await toC2paManifestStore(view, remix), await toC2paManifestStore(g.view, remix))
  })

  it('resolves content references, breaks their cycles and applies revocations the same way', async () => {
    const g = new LineageBuilder()
    const [a, b, c] = ['a', 'b', 'c'].map(fakeDid)
    const [cx, cy] = [cidOf('content x', 0x55), cidOf('content y', 0x55)]
    const x = g.asset({ creators: [[a, 10000]], content: cx, parents: [{ relationship: 'parentOf', content: cy }] })
    const y = g.asset({ creators: [[b, 10000]], content: cy, parents: [x] })
    const leaf = g.asset({ creators: [[c, 10000]], parents: [y, { relationship: 'inputTo', content: cx }] })
    g.license(x, { rate: 700, policy: 'LAP' })
    const lic = g.license(y, { rate: 1500, policy: 'LRP' })
    g.license(y, { rate: 300, policy: 'LRP' })
    g.revoke(lic)
    const view = await indexView(g.records)
    const money = { amount: 1_000_003, currency: 'EUR' }
    const fromIndex = await splitRoyalties(view, leaf, money)
    assert.deepEqual(fromIndex, await splitRoyalties(g.view, leaf, money))
    assert.equal(fromIndex.cycles.length, 1)
    assert.equal(fromIndex.assets.find(s => s.cid === y)?.rate, 300, 'the revoked license does not govern')
  })

  it('answers a whole list at once as it answers each record (the batch forms a walk uses), links on and off', async () => {
    const g = new LineageBuilder()
    const [a, b] = ['a', 'b'].map(fakeDid)
    const cx = cidOf('content x', 0x55)
    const x = g.asset({ creators: [[a, 10000]], content: cx })
    const y = g.asset({ creators: [[b, 10000]], parents: [x, { relationship: 'inputTo', content: cx }] })
    const z = g.asset({ creators: [[a, 5000], [b, 5000]], parents: [y, x] })
    const lic = g.license(x, { rate: 700, policy: 'LAP' })
    g.license(y, { rate: 300, policy: 'LRP' })
    g.revoke(lic)
    const missing = cidOf('not held')
    const cids = [z, missing, x, y, lic, x]
    for (const links of [false, true]) {
      const view = await indexView(g.records, { links })
      assert.deepEqual(await view.summaries?.(cids), await Promise.all(cids.map(async c => await view.summary(c))))
      assert.deepEqual(await view.records?.(cids), await Promise.all(cids.map(async c => await view.record(c))))
      assert.deepEqual(await view.parentsOfMany?.(cids), await Promise.all(cids.map(async c => await view.parentsOf(c))))
      assert.deepEqual(await view.licensesOfMany?.(cids), await Promise.all(cids.map(async c => await view.licensesOf(c))))
      assert.deepEqual(await view.revocationsOfMany?.(cids), await Promise.all(cids.map(async c => await view.revocationsOf(c))))
      // and the same lists as the memory view
      assert.deepEqual(await view.parentsOfMany?.(cids), await g.view.parentsOfMany(cids))
      assert.deepEqual(await view.licensesOfMany?.(cids), await g.view.licensesOfMany(cids))
    }
  })

  it('splits as the memory view over random graphs, through the link directory, and as a view without batch forms', async () => {
    const random = rng(7)
    for (let round = 0; round < 5; round++) {
      const g = new LineageBuilder()
      const people = ['a', 'b', 'c', 'd'].map(fakeDid)
      const assets: string[] = []
      for (let i = 0; i < 40; i++) {
        const parents = assets.length === 0 ? [] : [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => assets[Math.floor(random() * assets.length)]))]
        const asset = g.asset({ creators: [[people[i % 4], 6000], [people[(i + 1) % 4], 4000]], parents })
        assets.push(asset)
        if (random() < 0.7) g.license(asset, { rate: 1 + Math.floor(random() * 900), policy: random() < 0.5 ? 'LAP' : 'LRP' })
      }
      const leaf = assets[assets.length - 1]
      const money = { amount: 9_999_991, currency: 'EUR' }
      const expected = await splitRoyalties(g.view, leaf, money)
      const view = await indexView(g.records, { links: true })
      assert.deepEqual(await splitRoyalties(view, leaf, money), expected)
      // a view with the single-record questions only (a view of another maker) is asked record by record
      const single: LineageView = {
        summary: async c => await g.view.summary(c),
        record: async c => await g.view.record(c),
        licensesOf: async c => await g.view.licensesOf(c),
        revocationsOf: async c => await g.view.revocationsOf(c),
        parentsOf: async c => await g.view.parentsOf(c)
      }
      assert.deepEqual(await splitRoyalties(single, leaf, money), expected)
    }
  })

  it('answers not found for a record it does not hold', async () => {
    const view = await indexView([])
    await assert.rejects(splitRoyalties(view, cidOf('nothing'), { amount: 1, currency: 'EUR' }), { name: 'NotFoundError' })
  })
})
