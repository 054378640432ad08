/**
 * The replicator's rounds with in-memory components (src/replication/replicator.ts): it pins the works this node
 * holds, never touches a pin of another source, and lets a `replication` pin go only after releaseDelayMs and with
 * all k holders live and each says it holds the work; an offline member's works move to the next member in order;
 * works this node does not hold are releasable to gc.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { Replicator } from '../../src/replication/replicator.ts'
import { holdersOf } from '../../src/replication/holders.ts'

const MEMBERS = ['did:key:z6Mka', 'did:key:z6Mkb', 'did:key:z6Mkc', 'did:key:z6Mkd']
const WORKS = Array.from({ length: 40 }, (_, i) => `bafkreiwork${i}`)
const OFFLINE_MS = 1000

function setup (self: string, holds?: (collective: string, did: string, works: string[]) => Promise<Set<string>>, maxMemberCards?: number) {
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
    ...(holds != null ? { holds } : {}),
    pins: async function * () { for (const [cid, source] of pins) yield { cid, source } },
    clock: () => now,
    logger: pino({ level: 'silent' })
  }, { offlineMs: OFFLINE_MS, intervalMs: 60_000, releaseDelayMs: 5000, pinTimeoutMs: 1000, ...(maxMemberCards != null ? { maxMemberCards } : {}) })
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

  it('releases a copy only once every holder says it holds the work, asking each holder once per round', async () => {
    const me = MEMBERS[0]
    const held = new Map<string, Set<string>>()
    const asked: Array<{ did: string, works: string[] }> = []
    const { r, pins, settle, tick } = setup(me, async (_c, did, works) => {
      asked.push({ did, works })
      return new Set(works.filter(w => held.get(did)?.has(w) === true))
    })
    const foreign = WORKS.filter(w => !holdersOf(w, MEMBERS, 2).includes(me)).slice(0, 3)
    for (const w of foreign) pins.set(w, 'replication')
    await settle()
    assert.equal(asked.length, 0, 'nobody asked before the release delay')
    for (const w of foreign) assert.equal(r.releasable(w), true, 'not held here: gc need not keep it for its record')
    assert.equal(r.releasable(WORKS.find(w => holdersOf(w, MEMBERS, 2).includes(me))!), false)
    tick(5001)
    await settle()
    for (const w of foreign) assert.equal(pins.get(w), 'replication', 'kept: no holder confirmed')
    const rounds = asked.length
    assert.ok(rounds > 0 && rounds <= 3, `one question per holder (${rounds})`)
    // one holder of foreign[0] has it, the other not yet: still kept
    const [h1, h2] = holdersOf(foreign[0], MEMBERS, 2)
    held.set(h1, new Set([foreign[0]]))
    tick(1000)
    await settle()
    assert.equal(pins.get(foreign[0]), 'replication', 'kept: one of two holders confirmed')
    held.set(h2, new Set([foreign[0]]))
    tick(1000)
    await settle()
    assert.equal(pins.has(foreign[0]), false, 'released once both holders confirmed')
    for (const w of foreign.slice(1)) assert.equal(pins.get(w), 'replication')
    await r.stop()
  })

  it('says its view is partial when the collective has more members than the node keeps cards for', async () => {
    const { r, settle } = setup(MEMBERS[0], undefined, MEMBERS.length - 1)
    await settle()
    assert.deepEqual((await r.health('c'))?.partialView, { members: MEMBERS.length, maxMemberCards: MEMBERS.length - 1 })
    await r.stop()
    const full = setup(MEMBERS[0], undefined, MEMBERS.length)
    assert.equal((await full.r.health('c'))?.partialView, undefined)
    await full.r.stop()
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
