import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fakeDid, iterate, makeAsset, openTempIndex } from './fixtures.ts'

describe('RecordIndex write caches', () => {
  it('a parent\'s "has children" marker written once still finds every child, and after a rebuild', async () => {
    const { index, done } = await openTempIndex()
    try {
      const author = fakeDid()
      const parent = makeAsset({ author, time: 1000, title: 'parent' })
      const children = Array.from({ length: 5 }, (_, i) => makeAsset({ author: fakeDid(), time: 2000 + i, parents: [parent.cid] }))
      await index.put([parent])
      for (const c of children) await index.put([c]) // the marker is written by the first child only
      const kids = async (): Promise<string[]> => (await index.lineage(parent.cid, { direction: 'descendants', depth: 1 })).nodes.slice(1).map(n => n.cid).sort()
      assert.deepEqual(await kids(), children.map(c => c.cid).sort())
      // a rebuild clears the database: the marker must be written again, not skipped from memory
      await index.rebuild(iterate([parent, children[3]]))
      assert.deepEqual(await kids(), [children[3].cid])
      await index.put([children[4]])
      assert.deepEqual(await kids(), [children[3].cid, children[4].cid].sort())
    } finally {
      await done()
    }
  })

  it('heads stay exact across batches, out-of-order arrivals and a rebuild', async () => {
    const { index, done } = await openTempIndex()
    try {
      const author = fakeDid()
      const late = makeAsset({ author, time: 5000 })
      const early = makeAsset({ author, time: 1000 })
      await index.put([late])
      await index.put([early])
      assert.equal(await index.head(author), late.cid)
      await index.rebuild(iterate([early]))
      assert.equal(await index.head(author), early.cid)
      const later = makeAsset({ author, time: 3000 })
      await index.put([later])
      assert.equal(await index.head(author), later.cid)
    } finally {
      await done()
    }
  })
})
