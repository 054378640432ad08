/**
 * `rebuildBeside()`: a rebuild next to the live index, while it answers and takes writes, then a swap; and what an
 * interruption at any step leaves (each crash point is simulated by leaving the directories as it would).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { RecordIndex } from '../../src/index/index.ts'
import type { ValidRecord } from '../../src/records/types.ts'
import { allPages, buildDataset, fakeDid, iterate, makeAsset, makeLicense, tempDir } from './fixtures.ts'

/** A source that yields `records`, stopping after `pauseAt` of them until `resume()` */
function pausingSource (records: ValidRecord[], pauseAt: number): { source: AsyncIterable<ValidRecord>, paused: Promise<void>, resume: () => void } {
  let resume = (): void => {}
  let reached = (): void => {}
  const paused = new Promise<void>(resolve => { reached = resolve })
  const go = new Promise<void>(resolve => { resume = resolve })
  async function * source (): AsyncGenerator<ValidRecord> {
    for (let i = 0; i < records.length; i++) {
      if (i === pauseAt) { reached(); await go }
      yield records[i]
    }
  }
  return { source: source(), paused, resume }
}

/** Every answer the tests compare: all records in pages, count, a lineage, a head */
async function answers (index: RecordIndex, root: string, author: string): Promise<unknown> {
  return {
    pages: await allPages(index, { limit: 37 }),
    count: await index.count(),
    lineage: await index.lineage(root, { direction: 'both', depth: 5 }),
    head: await index.head(author)
  }
}

async function withMeta (path: string, fn: (meta: { put(k: string, v: string): Promise<void> }) => Promise<void>): Promise<void> {
  const db = new Level<string, string>(path)
  await db.open()
  try {
    await fn(db.sublevel<string, string>('meta', {}))
  } finally {
    await db.close()
  }
}

describe('RecordIndex.rebuildBeside', () => {
  it('answers the old way during the rebuild, takes writes meanwhile and has them after the swap', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    const index = new RecordIndex({ path })
    try {
      await index.open()
      const data = buildDataset(1200, 21)
      // the live index also holds a record the blocks no longer have: the rebuild must drop it
      const stale = makeAsset({ author: fakeDid(), time: data.times[3], title: 'not in the blocks' })
      await index.put([...data.records, stale])
      const root = data.assets[0].cid
      const author = data.authors[0]
      const before = await answers(index, root, author)

      const events: number[] = []
      index.on('reindexed', ({ records }) => { events.push(records) })
      const { source, paused, resume } = pausingSource(data.records, 700)
      let locked = 0
      const rebuilt = index.rebuildBeside(source, { lock: async fn => { locked++; return await fn() } })
      // readers that run through the whole rebuild and swap: none may fail or see an empty index
      let reading = true
      let reads = 0
      const readers = Promise.all([0, 1, 2].map(async () => {
        while (reading) {
          const page = await index.query({ limit: 5 })
          assert.equal(page.items.length, 5, 'a query during the rebuild answered short')
          assert.ok((await index.count()) >= data.records.length)
          reads++
        }
      }))
      await paused
      assert.deepEqual(await answers(index, root, author), before, 'answers during the rebuild are the old ones')
      assert.equal(await index.has(stale.cid), true)
      // writes while the build runs: visible at once in the live index, and after the swap in the new one
      const child = makeAsset({ author, time: data.times[39] + 1, parents: [root], title: 'written during the rebuild' })
      const license = makeLicense({ author, time: data.times[39] + 2, asset: root })
      const more = Array.from({ length: 600 }, (_, i) => makeAsset({ author: fakeDid(), time: data.times[i % 40], title: `late ${i}` }))
      await index.put([child, license])
      await Promise.all([index.put(more.slice(0, 300)), index.put(more.slice(300))])
      // a record the build will also read from the blocks, written before the build reaches it
      await index.put([data.records[1100]])
      assert.equal(await index.head(author), license.cid)
      assert.equal(events.length, 0)
      resume()
      const result = await rebuilt
      reading = false
      await readers
      assert.ok(reads > 0)

      assert.equal(locked, 1, 'the swap ran under the lock')
      assert.deepEqual(events, [data.records.length + 602])
      assert.equal(result.records, data.records.length + 602)
      assert.ok(result.swapMs >= 0 && result.swapMs < result.ms)
      assert.equal(await index.has(stale.cid), false, 'the new index holds only what the blocks hold, plus later writes')
      assert.equal(await index.count(), data.records.length + 602)
      for (const r of [child, license, ...more]) assert.equal(await index.has(r.cid), true, `${r.cid} written during the rebuild`)
      assert.equal(await index.head(author), license.cid)
      const tree = await index.lineage(root, { direction: 'descendants', depth: 1 })
      assert.ok(tree.nodes.some(n => n.cid === child.cid))

      // the same answers as an index that got the same records one by one
      const reference = new RecordIndex({ path: join(dir.path, 'reference') })
      await reference.open()
      await reference.put([...data.records, child, license, ...more])
      assert.deepEqual(await answers(index, root, author), await answers(reference, root, author))
      await reference.close()

      // writes go on after the swap, and survive a reopen; nothing is left beside the index
      const after = makeAsset({ author, time: data.times[39] + 3 })
      await index.put([after])
      await index.close()
      assert.deepEqual((await readdir(dir.path)).sort(), ['index', 'reference'])
      await index.open()
      assert.equal(await index.count(), data.records.length + 603)
      assert.equal(await index.head(author), after.cid)
    } finally {
      await index.close()
      await dir.cleanup()
    }
  })

  it('a failed build leaves the live index as it was and removes what it built', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    const index = new RecordIndex({ path })
    try {
      await index.open()
      const data = buildDataset(300, 22)
      await index.put(data.records)
      async function * broken (): AsyncGenerator<ValidRecord> {
        yield * data.records.slice(0, 100)
        throw new Error('disk gone')
      }
      await assert.rejects(index.rebuildBeside(broken()), /disk gone/)
      assert.deepEqual(await readdir(dir.path), ['index'])
      assert.equal(await index.count(), 300)
      const extra = makeAsset({ author: fakeDid(), time: 1 })
      await index.put([extra])
      assert.equal(await index.count(), 301)

      // one rebuild at a time
      const { source, paused, resume } = pausingSource(data.records, 10)
      const first = index.rebuildBeside(source)
      await paused
      await assert.rejects(index.rebuildBeside(iterate(data.records)), { name: 'BusyError' })
      await assert.rejects(index.rebuild(iterate(data.records)), { name: 'BusyError' })
      resume()
      // records the live index held only from writes are kept, since they were copied
      assert.equal((await first).records, 300)
      assert.equal(await index.has(extra.cid), false, 'a record indexed before the build but not in the source is dropped')
    } finally {
      await index.close()
      await dir.cleanup()
    }
  })

  it('close() during the build stops it; the next open finds the old index and nothing beside it', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    const index = new RecordIndex({ path })
    try {
      await index.open()
      const data = buildDataset(200, 23)
      await index.put(data.records)
      const { source, paused, resume } = pausingSource(data.records, 50)
      const rebuilt = index.rebuildBeside(source)
      await paused
      const closed = index.close()
      resume()
      await assert.rejects(rebuilt, { name: 'NotReadyError' })
      await closed
      assert.deepEqual(await readdir(dir.path), ['index'])
      await index.open()
      assert.equal(await index.count(), 200)
    } finally {
      await index.close()
      await dir.cleanup()
    }
  })

  describe('recovery on open after a crash', () => {
    /** `<dir>/index` with `old` records and `<dir>/index.next` with `next` records, both closed */
    async function twoIndexes (old: ValidRecord[], next: ValidRecord[]): Promise<{ dir: Awaited<ReturnType<typeof tempDir>>, path: string }> {
      const dir = await tempDir()
      const path = join(dir.path, 'index')
      for (const [p, records] of [[path, old], [path + '.next', next]] as const) {
        const i = new RecordIndex({ path: p })
        await i.open()
        await i.put(records)
        await i.close()
      }
      return { dir, path }
    }
    const oldSet = buildDataset(50, 24).records
    const newSet = buildDataset(70, 25).records

    it('during the build (a half-built index.next): discarded, the old index answers', async () => {
      const { dir, path } = await twoIndexes(oldSet, newSet.slice(0, 30))
      try {
        await withMeta(path + '.next', async meta => { await meta.put('rebuilding', '1') })
        const index = new RecordIndex({ path })
        await index.open()
        assert.equal(await index.count(), 50)
        assert.equal(await index.has(oldSet[0].cid), true)
        await index.close()
        assert.deepEqual(await readdir(dir.path), ['index'])
      } finally {
        await dir.cleanup()
      }
    })

    it('after the build, before the swap (a complete index.next beside the index): the old index answers', async () => {
      const { dir, path } = await twoIndexes(oldSet, newSet)
      try {
        const index = new RecordIndex({ path })
        await index.open()
        assert.equal(await index.count(), 50)
        await index.close()
        assert.deepEqual(await readdir(dir.path), ['index'])
      } finally {
        await dir.cleanup()
      }
    })

    it('between the two renames (index.old and index.next, no index): the swap is completed', async () => {
      const { dir, path } = await twoIndexes(oldSet, newSet)
      try {
        await rename(path, path + '.old')
        const index = new RecordIndex({ path })
        await index.open()
        assert.equal(await index.count(), 70)
        assert.equal(await index.has(newSet[0].cid), true)
        assert.equal(await index.has(oldSet[0].cid), false)
        await index.close()
        assert.deepEqual(await readdir(dir.path), ['index'])
      } finally {
        await dir.cleanup()
      }
    })

    it('after the renames (index and index.old): the replaced index is removed', async () => {
      const { dir, path } = await twoIndexes(oldSet, newSet)
      try {
        await rename(path, path + '.old')
        await rename(path + '.next', path)
        const index = new RecordIndex({ path })
        await index.open()
        assert.equal(await index.count(), 70)
        await index.close()
        assert.deepEqual(await readdir(dir.path), ['index'])
      } finally {
        await dir.cleanup()
      }
    })
  })
})
