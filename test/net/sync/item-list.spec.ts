/**
 * SyncItemList, the flat item set a node keeps per collective: against a model (a Map by id and createSyncItems)
 * over random sequences of adds and deletes, with ids sharing their first bytes so probe runs collide and wrap.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { SyncItemList } from '../../../src/net/sync/item-list.ts'
import { createSyncItems, idKey } from '../../../src/net/sync/items.ts'
import { InvalidSyncItemsError } from '../../../src/net/sync/errors.ts'

/** An id from a small number: its first four bytes (its hash) take few values, so many ids share a home in the
 * table and their probe runs run into each other */
function idOf (n: number): Uint8Array {
  const id = new Uint8Array(32)
  id[0] = n % 3
  id[2] = n % 2
  id[3] = (n * 5) % 11
  id[31] = n & 0xff
  id[30] = n >> 8
  return id
}

const op = fc.oneof(
  fc.record({ add: fc.integer({ min: 0, max: 400 }), t: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ del: fc.integer({ min: 0, max: 400 }) })
)

describe('SyncItemList', () => {
  it('holds what a map by id holds, and sorts as createSyncItems, through adds and deletes', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 600 }), fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 30 }), (ops, subset) => {
      const list = new SyncItemList()
      const model = new Map<string, { timestamp: number, id: Uint8Array }>()
      for (const o of ops) {
        if ('add' in o) {
          const id = idOf(o.add)
          const fresh = !model.has(idKey(id))
          assert.equal(list.add(o.t, id), fresh)
          if (fresh) model.set(idKey(id), { timestamp: o.t, id })
        } else {
          const id = idOf(o.del)
          assert.equal(list.delete(id), model.delete(idKey(id)))
        }
        assert.equal(list.size, model.size)
      }
      for (let n = 0; n <= 400; n++) {
        const id = idOf(n)
        assert.equal(list.has(id), model.has(idKey(id)))
        assert.equal(list.timestampOf(id), model.get(idKey(id))?.timestamp)
      }
      assert.deepEqual(list.toSyncItems(), createSyncItems(model.values()))
      const picked = subset.map(idOf)
      const expected = createSyncItems(picked.map(id => model.get(idKey(id))).filter(i => i != null))
      assert.deepEqual(list.toSyncItems(picked), expected)
    }), { numRuns: 200 })
  })

  it('grows past its first capacity and keeps every item', () => {
    const list = new SyncItemList()
    for (let n = 0; n < 5000; n++) assert.ok(list.add(n, idOf(n)))
    for (let n = 0; n < 5000; n += 2) assert.ok(list.delete(idOf(n)))
    assert.equal(list.size, 2500)
    const items = list.toSyncItems()
    assert.equal(items.length, 2500)
    assert.deepEqual([...items.timestamps.subarray(0, 3)], [1, 3, 5])
    assert.ok(list.byteLength < 2500 * 200, 'flat arrays, not objects per item')
  })

  it('refuses an id of the wrong length and a timestamp that is no item time', () => {
    const list = new SyncItemList()
    assert.throws(() => list.add(1, new Uint8Array(31)), InvalidSyncItemsError)
    assert.throws(() => list.add(-1, idOf(1)), InvalidSyncItemsError)
    assert.throws(() => list.add(1.5, idOf(1)), InvalidSyncItemsError)
    assert.equal(list.has(new Uint8Array(3)), false)
    assert.equal(list.delete(new Uint8Array(3)), false)
    assert.equal(list.size, 0)
  })
})
