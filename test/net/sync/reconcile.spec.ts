/**
 * The pure engine: whatever the two sets, an exchange ends with each side having been sent exactly what it lacks
 * (so both reach the union), each record once, in a bounded number of rounds, and with cost that follows the
 * difference rather than the size.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createSyncItems, idKey, ItemSet, MAX_BOUND, MIN_BOUND } from '../../../src/net/sync/items.ts'
import { Reconciler, simulate } from '../../../src/net/sync/reconcile.ts'
import { decodeMessage } from '../../../src/net/sync/codec.ts'
import { readVarint } from '../../../src/net/sync/varint.ts'
import { prng, universeItem } from './helpers.ts'
import type { SyncItem, SyncItems } from '../../../src/net/sync/items.ts'
import type { ReconcileOptions } from '../../../src/net/sync/reconcile.ts'

const T0 = 1_700_000_000_000

/** Two sets drawn from one universe: `common` items on both sides, `onlyA` and `onlyB` on one */
function pair (seed: number, common: number, onlyA: number, onlyB: number, options: { spanMs?: number } = {}): { a: SyncItems, b: SyncItems } {
  const rand = prng(seed)
  const span = options.spanMs ?? (common + onlyA + onlyB) * 1000 + 1
  const universe: SyncItem[] = Array.from({ length: common + onlyA + onlyB }, (_, n) => universeItem(seed, n, T0 + Math.floor(rand() * span)))
  const shared = universe.slice(0, common)
  return {
    a: createSyncItems([...shared, ...universe.slice(common, common + onlyA)]),
    b: createSyncItems([...shared, ...universe.slice(common + onlyA)])
  }
}

function keys (set: SyncItems): Set<string> {
  const s = new ItemSet(set)
  return new Set(Array.from({ length: s.length }, (_, i) => idKey(s.id(i))))
}

/** Run an exchange and check it delivers exactly the difference, each record once */
function assertConverges (a: SyncItems, b: SyncItems, options: ReconcileOptions = {}): ReturnType<typeof simulate> {
  const result = simulate(a, b, options)
  const ka = keys(a)
  const kb = keys(b)
  const aSends = result.aSends.map(idKey)
  const bSends = result.bSends.map(idKey)
  assert.equal(new Set(aSends).size, aSends.length, 'a sends a record twice')
  assert.equal(new Set(bSends).size, bSends.length, 'b sends a record twice')
  assert.deepEqual(new Set(aSends), new Set([...ka].filter(k => !kb.has(k))), 'a must send exactly what b lacks')
  assert.deepEqual(new Set(bSends), new Set([...kb].filter(k => !ka.has(k))), 'b must send exactly what a lacks')
  // after the exchange, both hold the union
  const union = new Set([...ka, ...kb])
  assert.deepEqual(new Set([...ka, ...bSends]), union)
  assert.deepEqual(new Set([...kb, ...aSends]), union)
  return result
}

describe('reconcile: convergence', () => {
  it('random sets with random differences, both directions, always converge to the union', () => {
    const rand = prng(1)
    for (let trial = 0; trial < 60; trial++) {
      const common = Math.floor(rand() * (trial < 40 ? 300 : 3000))
      const onlyA = Math.floor(rand() * (rand() < 0.3 ? 200 : 8))
      const onlyB = Math.floor(rand() * (rand() < 0.3 ? 200 : 8))
      // narrow spans put many items on one timestamp, so bounds need id prefixes
      const spanMs = rand() < 0.3 ? 5 : undefined
      const { a, b } = pair(100 + trial, common, onlyA, onlyB, { spanMs })
      assertConverges(a, b)
      assertConverges(b, a)
    }
  })

  it('empty against full, full against empty, and both empty', () => {
    const { b: full } = pair(2, 0, 0, 1000)
    const empty = createSyncItems([])
    const joiner = assertConverges(empty, full)
    assert.equal(joiner.rounds, 1, 'a late joiner needs one round trip')
    assert.equal(joiner.bSends.length, 1000)
    assertConverges(full, empty)
    const none = assertConverges(empty, empty)
    assert.equal(none.aSends.length + none.bSends.length, 0)
  })

  it('identical sets: one round, nothing sent', () => {
    const { a } = pair(3, 5000, 0, 0)
    const result = assertConverges(a, a)
    assert.equal(result.rounds, 1)
    assert.equal(result.aSends.length + result.bSends.length, 0)
  })

  it('sets of one item: same, different, and one against none', () => {
    const { a, b } = pair(4, 0, 1, 1)
    assertConverges(a, b)
    assertConverges(a, a)
    assertConverges(a, createSyncItems([]))
    assertConverges(createSyncItems([]), b)
  })

  it('every item on one timestamp, with small buckets and thresholds', () => {
    for (const [buckets, idListThreshold] of [[2, 0], [2, 1], [3, 2], [16, 32]]) {
      const { a, b } = pair(5, 500, 7, 9, { spanMs: 1 })
      assertConverges(a, b, { buckets, idListThreshold })
    }
  })

  it('a tight message budget defers the rest to later rounds and still converges, each frame within the budget', () => {
    const options = { buckets: 16, idListThreshold: 32, messageBudget: 3_000, maxRounds: 500 }
    const { a, b } = pair(6, 20_000, 40, 40)
    const result = assertConverges(a, b, options)
    for (const f of result.frames) assert.ok(f.frame.length <= options.messageBudget + 8, `frame of ${f.frame.length} bytes`)
    assert.ok(result.rounds > 4, 'the budget should have forced extra rounds')
  })
})

describe('reconcile: cost follows the difference', () => {
  it('rounds stay within log_buckets(n) + 2', () => {
    for (const n of [100, 2_000, 50_000]) {
      const { a, b } = pair(7, n, 20, 20)
      const result = assertConverges(a, b)
      const bound = Math.ceil(Math.log(n) / Math.log(16)) + 2
      assert.ok(result.rounds <= bound, `${n} items: ${result.rounds} rounds > ${bound}`)
    }
  })

  it('50,000 items differing by 10: a few kilobytes of reconciliation, far below one id per item', () => {
    const { a, b } = pair(8, 50_000, 5, 5)
    const result = assertConverges(a, b)
    assert.ok(result.controlBytes < 30_000, `${result.controlBytes} bytes`)
    // more difference costs more, same size
    const wider = assertConverges(...Object.values(pair(8, 50_000, 200, 200)) as [SyncItems, SyncItems])
    assert.ok(wider.controlBytes > result.controlBytes)
  })

  it('a late joiner is sent every record without any id list', () => {
    const { b: full } = pair(9, 0, 0, 5_000)
    const result = simulate(createSyncItems([]), full)
    assert.ok(result.controlBytes < 100, `${result.controlBytes} bytes of control for a late joiner`)
  })
})

describe('reconcile: engine details', () => {
  it('frames of an exchange decode as the messages they carry', () => {
    const { a, b } = pair(10, 3_000, 40, 40)
    for (const f of simulate(a, b).frames) {
      const len = readVarint(f.frame, 0)!
      assert.equal(f.frame.length, len.next + len.value)
      decodeMessage(f.frame.subarray(len.next))
    }
  })

  it('the peer may only WANT ids that were offered in an IDLIST', () => {
    const { a, b } = pair(11, 10, 5, 5)
    const ra = new Reconciler(a)
    const first = ra.initiate()
    assert.equal(first.length, 1)
    assert.equal(first[0].mode, 'idlist')
    const sb = new ItemSet(b)
    assert.equal(ra.wasOffered(new ItemSet(a).id(0)), true)
    const onlyB = Array.from({ length: sb.length }, (_, i) => sb.id(i)).find(id => !keys(a).has(idKey(id)))!
    assert.equal(ra.wasOffered(onlyB), false)
  })

  it('bounds split at the smallest prefix that separates neighbours', () => {
    const ids = [Uint8Array.from([1, 2, 3, ...new Array(29).fill(0)]), Uint8Array.from([1, 2, 9, ...new Array(29).fill(0)])]
    const set = new ItemSet(createSyncItems(ids.map(id => ({ timestamp: 5, id }))))
    const bound = set.boundBefore(1)
    assert.deepEqual([...bound.prefix], [1, 2, 9])
    assert.equal(set.isBefore(0, bound), true)
    assert.equal(set.isBefore(1, bound), false)
    assert.equal(set.lowerBound(bound), 1)
    assert.equal(set.lowerBound(MIN_BOUND), 0)
    assert.equal(set.lowerBound(MAX_BOUND), 2)
    const other = new ItemSet(createSyncItems([{ timestamp: 4, id: ids[0] }, { timestamp: 6, id: ids[1] }]))
    assert.deepEqual(other.boundBefore(1), { timestamp: 6, prefix: new Uint8Array(0) })
  })

  it('fingerprints are the sum of the ids mod 2^256 with the count, and do not depend on how the set was built', () => {
    const { a } = pair(12, 300, 0, 0)
    const set = new ItemSet(a)
    let sum = 0n
    for (let i = 10; i < 200; i++) sum += BigInt('0x' + Buffer.from(set.id(i)).reverse().toString('hex'))
    sum %= 1n << 256n
    const input = Buffer.concat([Buffer.from(sum.toString(16).padStart(64, '0'), 'hex').reverse(), Buffer.from([190, 1])])
    const expected = new Uint8Array(createHash('sha256').update(input).digest()).slice(0, 16)
    assert.deepEqual(set.fingerprint(10, 200), expected)
    const copy = new ItemSet({ length: a.length, timestamps: a.timestamps.slice(), ids: a.ids.slice() })
    assert.deepEqual(copy.fingerprint(10, 200), expected)
  })

  it('refuses item sets that are unsorted, duplicated, or malformed', () => {
    const { a } = pair(13, 3, 0, 0)
    const swapped = { length: 3, timestamps: Float64Array.from([a.timestamps[1], a.timestamps[0], a.timestamps[2]]), ids: a.ids }
    const dup = { length: 2, timestamps: Float64Array.from([1, 1]), ids: new Uint8Array(64) }
    const short = { length: 3, timestamps: a.timestamps, ids: a.ids.subarray(0, 64) }
    const negative = { length: 1, timestamps: Float64Array.from([-1]), ids: new Uint8Array(32) }
    for (const bad of [swapped, dup, short, negative]) {
      assert.throws(() => new ItemSet(bad), (err: any) => err.name === 'InvalidSyncItemsError' && err.code === 'ERR_SYNC_INVALID_ITEMS')
    }
    assert.throws(() => createSyncItems([{ timestamp: 1.5, id: new Uint8Array(32) }]), { name: 'InvalidSyncItemsError' })
    assert.throws(() => createSyncItems([{ timestamp: 1, id: new Uint8Array(31) }]), { name: 'InvalidSyncItemsError' })
  })

  it('createSyncItems sorts and removes exact duplicates', () => {
    const x = universeItem(1, 1, 10)
    const y = universeItem(1, 2, 5)
    const set = createSyncItems([x, y, x])
    assert.equal(set.length, 2)
    assert.deepEqual([...set.timestamps], [5, 10])
  })

  it('refuses options out of range', () => {
    const empty = createSyncItems([])
    assert.throws(() => new Reconciler(empty, { buckets: 1 }), RangeError)
    assert.throws(() => new Reconciler(empty, { idListThreshold: 5000 }), RangeError)
    assert.throws(() => new Reconciler(empty, { messageBudget: 100 }), RangeError)
    assert.throws(() => new Reconciler(empty, { messageBudget: 1_000_000 }), RangeError)
  })
})
