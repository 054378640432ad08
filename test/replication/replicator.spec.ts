/**
 * The replicator's rounds with in-memory components (src/replication/replicator.ts): it pins the works this node
 * holds, never touches a pin of another source, and lets a `replication` pin go only after releaseDelayMs and with
 * all k holders live; an offline member's works move to the next member in order.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { Replicator } from '../../src/replication/replicator.ts'
import { holdersOf } from '../../src/replication/holders.ts'

const MEMBERS = ['did:key:z6Mka', 'did:key:z6Mkb', 'did:key:z6Mkc', 'did:key:z6Mkd']
const WORKS = Array.from({ length: 40 }, (_, i) => `bafkreiwork${i}`)
const OFFLINE_MS = 1000

function setup (self: string) {
  let now = 10_000
  const pins = new Map<string, string>()
  const live = new Set(MEMBERS)
  const members = [...MEMBERS]
  const r = new Replicator({
    self,
    collectives: () => ['c'],
    facts: async () => ({ replication: { copies: 2 }, members }),
    works: async function * () { yield * WORKS },
    // a member's node: its card was signed "now" while it is live, long ago once it went
    nodesOf: (_c, did) => [{ peerId: did, issued: live.has(did) ? now : 0 }],
    pin: async (cid) => { pins.set(cid, 'replication') },
    unpin: async (cid) => { pins.delete(cid) },
    pins: async function * () { for (const [cid, source] of pins) yield { cid, source } },
    clock: () => now,
    logger: pino({ level: 'silent' })
  }, { offlineMs: OFFLINE_MS, intervalMs: 60_000, releaseDelayMs: 5000, pinTimeoutMs: 1000 })
  const settle = async (): Promise<void> => { await r.runRound(); await new Promise(resolve => setTimeout(resolve, 20)) }
  return { r, pins, live, members, settle, tick: (ms: number) => { now += ms } }
}

describe('replicator', () => {
  it('pins exactly the works this node holds, and leaves other sources alone', async () => {
    const { r, pins, settle } = setup(MEMBERS[0])
    pins.set('bafkreiwork0', 'add')
    await settle()
    for (const w of WORKS) {
      const holder = holdersOf(w, MEMBERS, 2).includes(MEMBERS[0])
      if (w === 'bafkreiwork0') assert.equal(pins.get(w), 'add')
      else assert.equal(pins.has(w), holder, w)
    }
    const h = await r.health('c')
    assert.deepEqual(h?.below, [])
    assert.equal(h?.live, 4)
    await r.stop()
  })

  it('takes an offline member\'s works, and keeps them until the delay passed with k live holders', async () => {
    const me = MEMBERS[0]
    const { r, pins, live, settle, tick } = setup(me)
    await settle()
    const gone = MEMBERS[1]
    live.delete(gone)
    tick(OFFLINE_MS + 1)
    await settle()
    const moved = WORKS.filter(w => holdersOf(w, MEMBERS, 2).includes(gone) && !holdersOf(w, MEMBERS, 2).includes(me) &&
      holdersOf(w, MEMBERS, 2, d => d !== gone).includes(me))
    assert.ok(moved.length > 0, 'some works move to this node')
    for (const w of moved) assert.equal(pins.get(w), 'replication')
    // the member comes back: this node is no longer a holder of those works, but keeps them for releaseDelayMs
    live.add(gone)
    tick(10)
    await settle()
    for (const w of moved) assert.equal(pins.get(w), 'replication', 'kept during the release delay')
    tick(5000)
    await settle()
    for (const w of moved) assert.equal(pins.has(w), false, 'released after the delay, with k live holders')
    await r.stop()
  })

  it('keeps every work while fewer than k members are live (this node is then a holder of all), and health lists them', async () => {
    const me = MEMBERS[0]
    const { r, pins, live, members, settle, tick } = setup(me)
    const foreign = WORKS.find(w => !holdersOf(w, MEMBERS, 2).includes(me))!
    pins.set(foreign, 'replication')
    // one other member, offline: every work has one live holder, this node
    members.splice(0, members.length, me, MEMBERS[1])
    live.delete(MEMBERS[1])
    tick(OFFLINE_MS + 1)
    await settle()
    tick(60_000)
    await settle()
    assert.equal(pins.get(foreign), 'replication')
    const h = await r.health('c')
    assert.equal(h?.live, 1)
    assert.equal(h?.below.length, WORKS.length)
    await r.stop()
  })
})
