/**
 * The parking lot on a real state database: bounds in bytes overall, per author and per relaying peer, evicting the
 * oldest entry of the bound that overflowed; counters rebuilt on reopen; pages by cursor; entries replaced, never
 * duplicated. And the crash windows of the door on a node core: held and counted at once is resolved at start-up.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { NodeState } from '../../src/node/state.ts'
import { ParkingLot, recordDependency } from '../../src/node/parking.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { issueRecord } from '../../src/records/index.ts'
import { alice, bob, crypto, dan, day, makeCharter, admit, remove } from '../collectives/helpers.ts'
import { ViewCore } from './view-core.ts'

const bounds = { maxBytes: 10_000, maxRecords: 50, perAuthorBytes: 3_000, perPeerBytes: 5_000 }

function fake (i: number, author: string, size = 1000): { cid: string, bytes: Uint8Array, kind: string, author: string, collective: string } {
  return { cid: `cid${String(i).padStart(6, '0')}`, bytes: new Uint8Array(randomBytes(size)), kind: 'asset', author, collective: 'K' }
}
const waiting = (peer?: string) => ({ status: 'waiting' as const, deps: [recordDependency('dep')], reason: 'test', rule: 'dependency-missing', source: 'gossip', keepBytes: true, ...(peer != null ? { peer } : {}) })

describe('ParkingLot bounds', () => {
  let dir: string
  let state: NodeState
  let lot: ParkingLot

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-lot-'))
    state = new NodeState(dir)
    await state.open()
    lot = new ParkingLot({ state, logger: silentLogger() }, bounds)
    await lot.open()
  })
  after(async () => {
    await state.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('holds an author to its byte bound, evicting that author\'s oldest entries first', async () => {
    for (let i = 0; i < 5; i++) await lot.park(fake(i, 'mallory'), waiting())
    assert.ok(lot.bytes <= bounds.perAuthorBytes, `held ${lot.bytes} bytes`)
    assert.equal(await lot.has('cid000000'), false, 'the oldest went first')
    assert.equal(await lot.has('cid000004'), true, 'the newest stays')
  })

  it('holds a relaying peer to its byte bound whatever the authors', async () => {
    for (let i = 10; i < 20; i++) await lot.park(fake(i, `author${i}`), waiting('peerX'))
    const page = await lot.list({ limit: 1000 })
    const fromPeer = page.items.filter(e => e.peer === 'peerX')
    assert.ok(fromPeer.reduce((n, e) => n + e.size, 0) <= bounds.perPeerBytes)
    assert.equal(await lot.has('cid000019'), true)
  })

  it('holds the whole lot to its byte bound, and counters survive a reopen', async () => {
    for (let i = 100; i < 130; i++) await lot.park(fake(i, `a${i}`), waiting(`p${i}`))
    assert.ok(lot.bytes <= bounds.maxBytes)
    const before = { count: lot.count, bytes: lot.bytes }
    const again = new ParkingLot({ state, logger: silentLogger() }, bounds)
    await again.open()
    assert.deepEqual({ count: again.count, bytes: again.bytes }, before)
  })

  it('replaces an entry on a new verdict, and retired entries (no bytes) cost no held bytes', async () => {
    const r = fake(500, 'erin')
    await lot.park(r, waiting())
    const bytes = lot.bytes
    await lot.park(r, { ...waiting(), status: 'outside', rule: 'not-member', deps: ['member:K:erin'] })
    assert.equal((await lot.get(r.cid))?.rule, 'not-member')
    assert.equal(lot.bytes, bytes, 'one entry, not two')
    assert.deepEqual((await lot.waitingOn(recordDependency('dep'))).filter(e => e.cid === r.cid), [], 'old keys gone')
    const retired = fake(501, 'erin')
    const held = lot.bytes
    await lot.park(retired, { ...waiting(), keepBytes: false })
    assert.equal(lot.bytes, held)
    assert.equal((await lot.get(retired.cid))?.bytes, undefined)
  })

  it('waitingOn and get answer from memory for what the lot cannot hold, and from disk for what it holds', async () => {
    await lot.park(fake(900, 'w1'), { ...waiting(), deps: [recordDependency('needed')] })
    assert.deepEqual((await lot.waitingOn(recordDependency('needed'))).map(e => e.cid), ['cid000900'])
    assert.deepEqual(await lot.waitingOn(recordDependency('never-named')), [])
    assert.equal(await lot.get('cid-never-parked'), undefined)
    await lot.drop(['cid000900'])
    assert.deepEqual(await lot.waitingOn(recordDependency('needed')), [], 'a dropped entry waits on nothing')
    assert.equal(await lot.get('cid000900'), undefined)
    // and after a reopen, from what the database holds
    await lot.park(fake(901, 'w2'), { ...waiting(), deps: [recordDependency('needed-too')] })
    const again = new ParkingLot({ state, logger: silentLogger() }, bounds)
    await again.open()
    assert.deepEqual((await again.waitingOn(recordDependency('needed-too'))).map(e => e.cid), ['cid000901'])
    assert.equal((await again.get('cid000901'))?.cid, 'cid000901')
  })

  it('compacts the state database once evictions freed a quarter of its bound', async () => {
    let compactions = 0
    const compact = state.compact.bind(state)
    state.compact = async () => { compactions++; await compact() }
    try {
      const spill = new ParkingLot({ state, logger: silentLogger() }, bounds)
      await spill.open()
      // 20 more entries of 1,000 bytes through a 10,000-byte lot: about 20,000 bytes evicted
      for (let i = 1000; i < 1020; i++) await spill.park(fake(i, `s${i}`), waiting(`q${i}`))
      await spill.idle()
      assert.ok(compactions >= 2, `compacted ${compactions} times`)
      assert.ok(spill.bytes <= bounds.maxBytes)
    } finally {
      state.compact = compact
    }
  })

  it('pages through every entry by cursor, each once', async () => {
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await lot.list({ limit: 3, ...(cursor != null ? { cursor } : {}) })
      seen.push(...page.items.map(e => e.cid))
      cursor = page.cursor ?? undefined
    } while (cursor != null)
    assert.equal(seen.length, lot.count)
    assert.equal(new Set(seen).size, seen.length)
  })
})

describe('crash windows of the collective view', { timeout: 60_000 }, () => {
  it('a record both counted and held (a crash between retiring\'s two writes) is settled by the start-up sweep', async () => {
    const core = await ViewCore.create()
    try {
      const charter = makeCharter({ admins: [alice, bob], quorum: 1 })
      const scope = charter.cid
      await core.deliver(charter.bytes, scope)
      await core.deliver(admit(charter, alice, dan, day(2)).bytes, scope)
      const work = issueRecord('asset', { id: 'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', mediaType: 'text/plain', byteSize: 1, title: 'late', creators: [{ id: dan.did, share: 10000 }] },
        { signer: dan, crypto, validFrom: new Date(day(5)), collective: scope })
      assert.equal(await core.deliver(work.bytes, scope), 'added')
      await core.settled()
      // the removal is committed and the record held as retired, but the crash came before the index let it go
      const removal = remove(charter, alice, dan, day(4))
      await core.index.put([removal])
      await core.parking.park(work, { status: 'outside', deps: [`member:${scope}:${dan.did}`], reason: 'crash', rule: 'not-member', source: 'retired', keepBytes: false })
      assert.equal(await core.index.has(work.cid), true)
      await core.restart()
      await core.settled()
      assert.equal(await core.index.has(work.cid), false, 'the sweep took it out of the index')
      assert.equal((await core.parking.get(work.cid))?.rule, 'not-member', 'and kept it held, with its rule')
    } finally {
      await core.destroy()
    }
  })
})
