/**
 * BufferPool: lends at most its buffers, takes back only what it lent, once.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BufferPool } from '../../src/store/buffer-pool.ts'

describe('BufferPool', () => {
  it('lends up to maxBuffers, then answers undefined until one comes back', () => {
    const pool = new BufferPool({ bufferBytes: 1024, maxBuffers: 2 })
    const a = pool.borrow(1000)
    const b = pool.borrow(10)
    assert.ok(a != null && b != null)
    assert.equal(a.byteLength, 1024)
    assert.notEqual(a.buffer, b.buffer, 'two loans never share memory')
    assert.equal(pool.borrow(1), undefined, 'all lent')
    assert.deepEqual(pool.stats(), { lent: 2, free: 0, allocated: 2 })
    pool.giveBack(a.subarray(5, 20)) // a view gives back its whole buffer
    assert.deepEqual(pool.stats(), { lent: 1, free: 1, allocated: 2 })
    const c = pool.borrow(1024)
    assert.equal(c?.buffer, a.buffer, 'the buffer given back is lent again, not a new one')
  })

  it('ignores what it did not lend, a second give-back, and sizes over its buffers', () => {
    const pool = new BufferPool({ bufferBytes: 64, maxBuffers: 4 })
    assert.equal(pool.borrow(65), undefined, 'too big to lend')
    const a = pool.borrow(64)
    assert.ok(a != null)
    pool.giveBack(new Uint8Array(64))
    pool.giveBack(Buffer.alloc(64))
    assert.deepEqual(pool.stats(), { lent: 1, free: 0, allocated: 1 })
    pool.giveBack(a)
    pool.giveBack(a)
    assert.deepEqual(pool.stats(), { lent: 0, free: 1, allocated: 1 }, 'given back once, listed free once')
    const b = pool.borrow(1)
    const c = pool.borrow(1)
    assert.ok(b != null && c != null && b.buffer !== c.buffer, 'a double give-back did not make one buffer lendable twice')
  })

  it('lends nothing with no buffers, and refuses bad sizes', () => {
    assert.equal(new BufferPool({ bufferBytes: 64, maxBuffers: 0 }).borrow(1), undefined)
    assert.throws(() => new BufferPool({ bufferBytes: 0, maxBuffers: 1 }), RangeError)
    assert.throws(() => new BufferPool({ bufferBytes: 64, maxBuffers: -1 }), RangeError)
  })
})
