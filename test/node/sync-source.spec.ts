/**
 * NodeSyncSource: a collective's item list is loaded from the index once and kept from record events; after
 * `reset()` (the index was rebuilt) it is loaded again from what the index holds now.
 */
import { describe, it } from 'node:test'
import { createHash } from 'node:crypto'
import assert from 'node:assert/strict'
import { NodeSyncSource } from '../../src/node/sync-source.ts'
import { silentLogger } from '../../src/node/logger.ts'
import type { RecordService } from '../../src/node/record-service.ts'
import { fakeCid, fakeDid, iterate, makeAsset, openTempIndex } from '../index/fixtures.ts'
import { issueRecord, nobleCrypto } from '../../src/records/index.ts'
import { author, subjects } from '../records/helpers.ts'

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

  it('serves the bodies it counts, in the order asked, across read windows, skipping what it does not count', async () => {
    const { index, done } = await openTempIndex()
    try {
      const collective = fakeCid()
      const author = fakeDid()
      const records = Array.from({ length: 150 }, (_, i) => makeAsset({ author, time: 1000 + i, collective }))
      await index.put(records)
      const retired = records[7]
      await index.remove([retired])
      const source = new NodeSyncSource({
        index,
        records: (): RecordService => { throw new Error('not used') },
        scopes: () => [collective],
        logger: silentLogger()
      })
      // asked in an order of its own, with a CID it never held and one it no longer counts
      const asked = [...records].reverse().map(r => r.cid)
      asked.splice(40, 0, fakeCid())
      const expected = [...records].reverse().filter(r => r !== retired)
      const served: Uint8Array[] = []
      for await (const bytes of source.getRecords(asked)) served.push(bytes)
      assert.equal(served.length, expected.length)
      served.forEach((bytes, i) => { assert.deepEqual(Buffer.from(bytes), Buffer.from(expected[i].bytes), `record ${i}`) })
    } finally {
      await done()
    }
  })

  it('hands ingest the CID of the digest the session computed, so the bytes are not hashed again', async () => {
    const seen: Array<Record<string, unknown>> = []
    const source = new NodeSyncSource({
      index: { query: async () => { throw new Error('not used') }, get: async () => undefined, bodies: async () => [], collectiveRecords: async function * () {} },
      records: () => ({ ingest: async (_bytes: Uint8Array, options: Record<string, unknown>) => { seen.push(options); return { status: 'added' } } }) as unknown as RecordService,
      scopes: () => [],
      logger: silentLogger()
    })
    const record = issueRecord('asset', subjects().asset, { signer: author, crypto: nobleCrypto })
    const peer = { toString: () => 'peer-1' } as any
    const id = new Uint8Array(createHash('sha256').update(record.bytes).digest())
    assert.equal(await source.ingest(record.bytes, { scope: 'c', peer, id }), 'added')
    assert.equal(seen[0].cid, record.cid)
    assert.equal(seen[0].source, 'sync')
    // without the digest, ingest hashes the bytes itself
    assert.equal(await source.ingest(record.bytes, { scope: 'c', peer }), 'added')
    assert.equal(seen[1].cid, undefined)
  })

  it('gives a received record the timestamp its item has (validFrom), and none to bytes that are no record', () => {
    const source = new NodeSyncSource({
      index: { query: async () => { throw new Error('not used') }, get: async () => undefined, bodies: async () => [], collectiveRecords: async function * () {} },
      records: (): RecordService => { throw new Error('not used') },
      scopes: () => [],
      logger: silentLogger()
    })
    const record = issueRecord('asset', subjects().asset, { signer: author, crypto: nobleCrypto, validFrom: new Date('2025-06-01T10:00:00.250Z') })
    assert.equal(source.timestampOf(record.bytes), record.time)
    assert.equal(record.time, Date.UTC(2025, 5, 1, 10, 0, 0, 250))
    const deep = new TextEncoder().encode('['.repeat(100_000) + ']'.repeat(100_000))
    // read without a parse: a nested validFrom (sorted before the record's own) does not mislead it
    const nested = '{"credentialSubject":{"validFrom":"2001-01-01T00:00:00Z"},"validFrom":"2025-06-01T10:00:00.250Z"}'
    assert.equal(source.timestampOf(new TextEncoder().encode(nested)), record.time)
    assert.equal(source.timestampOf(new TextEncoder().encode('{ "validFrom" : "2025-06-01T10:00:00.250Z" }')), record.time)
    for (const junk of ['', 'null', '{"validFrom":5}', '{"validFrom":"yesterday"}', '{"validFrom":"2025-02-30T00:00:00Z"}', '\u00ff\u0000',
      '{"validFrom":"2025-06-01T10:00:00', '{"validFrom":"' + '9'.repeat(100) + '"}']) {
      assert.equal(source.timestampOf(new TextEncoder().encode(junk)), undefined, junk)
    }
    assert.equal(source.timestampOf(deep), undefined)
  })
})
