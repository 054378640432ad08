/**
 * The store's change counter (issue 16: storage on the dashboard and in `atelier id` read 0 B after adds): every
 * block written or removed moves it, so the node's cached usage figure knows to measure again.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pieces, removeHome, startStore, tempHome, testBytes } from './helpers.ts'
import type { ContentStoreNode } from '../../src/store/index.ts'

describe('content store: usage and its change counter', () => {
  let home: string
  let node: ContentStoreNode

  before(async () => {
    home = await tempHome()
    node = await startStore(home, { chunkSize: 64 * 1024 })
  })

  after(async () => {
    await node.stop()
    await removeHome(home)
  })

  it('moves on an add and the usage then counts the new bytes; stays put on reads', async () => {
    const before = { changes: node.store.changes(), usage: await node.store.usage() }
    const bytes = testBytes(300 * 1024)
    const added = await node.store.addContent(pieces(bytes))
    const changed = node.store.changes()
    assert.ok(changed > before.changes, `changes ${before.changes} → ${changed}`)
    const usage = await node.store.usage()
    assert.ok(usage.bytes >= before.usage.bytes + bytes.byteLength, `usage ${before.usage.bytes} → ${usage.bytes}`)
    assert.ok(usage.blocks > before.usage.blocks)
    for await (const _ of node.store.read(added.cid)) { /* read it all */ }
    assert.equal(node.store.changes(), changed, 'reading writes nothing')
  })
})
