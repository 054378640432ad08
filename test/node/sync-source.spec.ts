/**
 * NodeSyncSource: a collective's item list is loaded from the index once and kept from record events; after
 * `reset()` (the index was rebuilt) it is loaded again from what the index holds now.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { NodeSyncSource } from '../../src/node/sync-source.ts'
import { silentLogger } from '../../src/node/logger.ts'
import type { RecordService } from '../../src/node/record-service.ts'
import { fakeCid, fakeDid, iterate, makeAsset, openTempIndex } from '../index/fixtures.ts'

describe('NodeSyncSource', () => {
  it('reloads a collective\'s items from the index after reset()', async () => {
    const { index, done } = await openTempIndex()
    try {
      const collective = fakeCid()
      const author = fakeDid()
      const first = Array.from({ length: 3 }, (_, i) => makeAsset({ author, time: 1000 + i, collective }))
      await index.put(first)
      const source = new NodeSyncSource({
        index,
        store: { getRecord: async () => { throw new Error('not used') } },
        records: (): RecordService => { throw new Error('not used') },
        scopes: () => [collective],
        logger: silentLogger()
      })
      assert.equal((await source.items(collective)).length, 3)
      // the index is rebuilt with other records and no events: the loaded list does not know
      const rebuilt = Array.from({ length: 5 }, (_, i) => makeAsset({ author, time: 2000 + i, collective }))
      await index.rebuild(iterate(rebuilt))
      assert.equal((await source.items(collective)).length, 3)
      source.reset()
      assert.equal((await source.items(collective)).length, 5)
      // and events keep the reloaded list current
      const late = makeAsset({ author, time: 3000, collective })
      await index.put([late])
      source.onRecord({ record: late, source: 'gossip' })
      await new Promise(resolve => setImmediate(resolve))
      assert.equal((await source.items(collective)).length, 6)
    } finally {
      await done()
    }
  })
})
