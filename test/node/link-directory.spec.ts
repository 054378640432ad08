/**
 * LinkDirectory answers what the index answers, stays current from record events, and defers to the index when it
 * would grow past its bound.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { LinkDirectory } from '../../src/node/link-directory.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { fakeDid, makeAsset, makeLicense, makeRevocation, openTempIndex } from '../index/fixtures.ts'

describe('LinkDirectory', () => {
  it('lists the licenses of each asset and the revocations of each record, as the index does, and follows new records', async () => {
    const { index, done } = await openTempIndex()
    try {
      const author = fakeDid()
      const assets = Array.from({ length: 20 }, (_, i) => makeAsset({ author, time: 1000 + i }))
      const licenses = assets.flatMap((a, i) => Array.from({ length: i % 3 }, (_, j) => makeLicense({ author, time: 2000 + i * 10 + j, asset: a.cid })))
      const revocations = licenses.filter((_, i) => i % 4 === 0).map((l, i) => makeRevocation({ author, time: 5000 + i, target: l.cid }))
      await index.put([...assets, ...licenses, ...revocations])

      const links = new LinkDirectory({ index, logger: silentLogger() })
      for (const a of assets) {
        const fromIndex = (await index.query({ kind: 'license', asset: a.cid, limit: 1000 })).items.map(s => s.cid).sort()
        assert.deepEqual((await links.licensesOf(a.cid))?.sort(), fromIndex)
      }
      for (const l of licenses) {
        const fromIndex = (await index.query({ kind: 'revocation', target: l.cid, limit: 1000 })).items.map(s => s.cid).sort()
        assert.deepEqual((await links.revocationsOf(l.cid))?.sort(), fromIndex)
      }

      // a license and a revocation indexed later reach the directory through the record events
      const late = makeLicense({ author, time: 9000, asset: assets[0].cid })
      const lateRevocation = makeRevocation({ author, time: 9001, target: late.cid })
      await index.put([late, lateRevocation])
      links.onRecord({ record: late, source: 'sync' })
      links.onRecord({ record: lateRevocation, source: 'sync' })
      assert.ok((await links.licensesOf(assets[0].cid))?.includes(late.cid))
      assert.deepEqual(await links.revocationsOf(late.cid), [lateRevocation.cid])
      assert.deepEqual(await links.licensesOf('bagaaieranotheld'), [])
    } finally {
      await done()
    }
  })

  it('after reset() answers from the index as it is now, also when it had turned itself off', async () => {
    const { index, done } = await openTempIndex()
    try {
      const author = fakeDid()
      const asset = makeAsset({ author, time: 1 })
      const first = makeLicense({ author, time: 2, asset: asset.cid })
      await index.put([asset, first])
      const links = new LinkDirectory({ index, logger: silentLogger() }, { maxEntries: 3 })
      assert.deepEqual(await links.licensesOf(asset.cid), [first.cid])
      // the index changes with no record event (as a reindex does): the loaded directory does not know
      const rebuilt = [makeLicense({ author, time: 3, asset: asset.cid }), makeLicense({ author, time: 4, asset: asset.cid })]
      await index.rebuild((async function * () { yield * [asset, ...rebuilt] })())
      assert.deepEqual(await links.licensesOf(asset.cid), [first.cid])
      links.reset()
      assert.deepEqual((await links.licensesOf(asset.cid))?.sort(), rebuilt.map(l => l.cid).sort())
      // past its bound it defers to the index; a reset lets it load again once the index is small enough
      await index.put([makeLicense({ author, time: 5, asset: asset.cid }), makeLicense({ author, time: 6, asset: asset.cid })])
      links.reset()
      assert.equal(await links.licensesOf(asset.cid), undefined)
      await index.rebuild((async function * () { yield * [asset, first] })())
      links.reset()
      assert.deepEqual(await links.licensesOf(asset.cid), [first.cid])
    } finally {
      await done()
    }
  })

  it('turns itself off past its bound, so callers ask the index', async () => {
    const { index, done } = await openTempIndex()
    try {
      const author = fakeDid()
      const asset = makeAsset({ author, time: 1 })
      const licenses = Array.from({ length: 10 }, (_, i) => makeLicense({ author, time: 10 + i, asset: asset.cid }))
      await index.put([asset, ...licenses])
      const links = new LinkDirectory({ index, logger: silentLogger() }, { maxEntries: 5 })
      assert.equal(await links.licensesOf(asset.cid), undefined)
      assert.equal(await links.revocationsOf(licenses[0].cid), undefined)
      links.onRecord({ record: makeLicense({ author, time: 99, asset: asset.cid }), source: 'sync' })
      assert.equal(await links.licensesOf(asset.cid), undefined)
    } finally {
      await done()
    }
  })
})
