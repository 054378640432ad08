/**
 * Future-dated records in the lot: entries waiting for a time are found in time order by one key range read
 * (`due`, `nextDue`), and FutureRelease judges them again when an injected clock reaches their time: not before,
 * each once, and again after a clock that jumps.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeState } from '../../src/node/state.ts'
import { clockDependency, ParkingLot, recordDependency } from '../../src/node/parking.ts'
import type { ParkedRecord } from '../../src/node/parking.ts'
import { FutureRelease } from '../../src/node/future-release.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { waitFor } from '../e2e/harness.ts'

const bounds = { maxBytes: 1_000_000, maxRecords: 1000, perAuthorBytes: 1_000_000, perPeerBytes: 1_000_000 }
const T = Date.UTC(2030, 0, 1)

function entry (cid: string): { cid: string, bytes: Uint8Array, kind: string, author: string } {
  return { cid, bytes: new Uint8Array(10), kind: 'asset', author: 'did:key:zAuthor' }
}
const heldFor = (at: number) => ({ status: 'waiting' as const, deps: [clockDependency(at)], reason: 'future', rule: 'future', source: 'http', keepBytes: true })

describe('future-dated records', () => {
  let dir: string
  let state: NodeState
  let lot: ParkingLot

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-future-'))
    state = new NodeState(dir)
    await state.open()
    lot = new ParkingLot({ state, logger: silentLogger() }, bounds)
    await lot.open()
  })
  after(async () => {
    await state.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('due() lists the entries whose time has come, earliest first; nextDue() the earliest time', async () => {
    assert.equal(await lot.nextDue(), undefined)
    await lot.park(entry('c-late'), heldFor(T + 3000))
    await lot.park(entry('c-early'), heldFor(T + 1000))
    await lot.park(entry('c-mid'), heldFor(T + 2000))
    await lot.park(entry('c-other'), { ...heldFor(0), deps: [recordDependency('x')], rule: 'dependency-missing' })
    assert.equal(await lot.nextDue(), T + 1000)
    assert.deepEqual((await lot.due(T + 999, 10)).map(e => e.cid), [])
    assert.deepEqual((await lot.due(T + 1000, 10)).map(e => e.cid), ['c-early'], 'the instant itself is due')
    assert.deepEqual((await lot.due(T + 5000, 10)).map(e => e.cid), ['c-early', 'c-mid', 'c-late'])
    assert.deepEqual((await lot.due(T + 5000, 2)).map(e => e.cid), ['c-early', 'c-mid'], 'bounded')
    await lot.drop(['c-early', 'c-mid', 'c-late', 'c-other'])
    assert.equal(await lot.nextDue(), undefined)
  })

  it('FutureRelease judges an entry again once the injected clock reaches its time, each once', async () => {
    let now = T
    const judged: string[] = []
    const release = new FutureRelease({
      parking: lot,
      clock: () => now,
      logger: silentLogger(),
      // what RecordService.rejudge does for a record whose time has come: it is counted, its entry goes
      rejudge: async (e: ParkedRecord) => { judged.push(e.cid); await lot.drop([e.cid]) }
    })
    await lot.park(entry('soon'), heldFor(T + 50))
    await lot.park(entry('much-later'), heldFor(T + 3_600_000))
    release.start()
    try {
      // the clock moves on its own in real time here: 50 ms of it, so `soon` comes due
      const started = Date.now()
      now = T + 10
      await new Promise(resolve => setTimeout(resolve, 150))
      assert.equal(judged.length, 0, 'nothing before its time (the timer was set by the clock at start)')
      now = T + 60
      release.poke()
      await waitFor(() => judged.includes('soon') ? true : undefined, 5000, 'soon to be judged')
      assert.ok(Date.now() - started < 5000)
      // a clock that jumps an hour ahead: the earliest is found again by the next poke (or within a minute)
      now = T + 3_600_000
      release.poke()
      await waitFor(() => judged.includes('much-later') ? true : undefined, 5000, 'much-later to be judged')
      assert.deepEqual(judged, ['soon', 'much-later'], 'each once')
      assert.equal(await lot.nextDue(), undefined)
    } finally {
      await release.stop()
    }
  })
})
