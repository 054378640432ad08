/**
 * RecordService, the one door, on a real node (store, index, verifier pool): ordering of group commits, duplicates,
 * parking and release.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { AtelierNode } from '../../src/node/atelier-node.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { initHome, nativeCrypto } from '../../src/identity/index.ts'
import { resolveConfig } from '../../src/config.ts'
import { createSigner, issueRecord } from '../../src/records/index.ts'
import { OPEN_TERMS } from '../lineage/verify-fixtures.ts'

const CONTENT = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

/** Fail instead of hanging when a promise never settles */
async function within<T> (ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`${what} did not settle within ${ms} ms`)) }, ms) })
  try { return await Promise.race([p, timeout]) } finally { clearTimeout(timer) }
}

describe('RecordService', { timeout: 120_000 }, () => {
  let home: string
  let node: AtelierNode

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'atelier-records-'))
    await initHome(home)
    node = new AtelierNode({ config: resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } }), logger: silentLogger(), processMetrics: false })
    await node.start()
  })

  after(async () => {
    await node?.stop()
    await rm(home, { recursive: true, force: true })
  })

  const asset = (title: string, parent?: string) => ({
    id: `ipfs://${CONTENT}`,
    mediaType: 'text/plain',
    byteSize: 1,
    title,
    creators: [{ id: node.identity.did, share: 10000 }],
    ...(parent != null ? { ingredients: [{ relationship: 'parentOf' as const, record: parent }] } : {})
  })

  it('sequential issues, each awaited, never wait on a batch that was already cut', async () => {
    let previous: string | undefined
    for (let i = 0; i < 300; i++) {
      const out = await within(5000, node.records.issue('asset', asset(`work ${i}`)), `issue ${i}`)
      assert.equal(out.status, 'added')
      assert.equal(out.record.previous, previous, 'records chain by previous')
      previous = out.cid
    }
    assert.equal(await node.index.head(node.identity.did), previous)
  })

  it('the same record ingested many times at once is added once', async () => {
    const signer = createSigner(new Uint8Array(randomBytes(32)), nativeCrypto)
    const rec = issueRecord('asset', { ...asset('twice'), creators: [{ id: signer.did, share: 10000 }] }, { signer, crypto: nativeCrypto })
    const outcomes = await within(5000, Promise.all(Array.from({ length: 20 }, async () => await node.records.ingest(rec.bytes, { source: 'import' }))), 'concurrent ingests')
    assert.equal(outcomes.filter(o => o.status === 'added').length, 1)
    assert.equal(outcomes.filter(o => o.status === 'duplicate').length, 19)
    const again = await node.records.ingest(rec.bytes, { source: 'import' })
    assert.equal(again.status, 'duplicate')
  })

  it('copies of one record from several peers at once are validated once and share its outcome', async () => {
    const signer = createSigner(new Uint8Array(randomBytes(32)), nativeCrypto)
    const rec = issueRecord('asset', { ...asset('from many peers'), creators: [{ id: signer.did, share: 10000 }] }, { signer, crypto: nativeCrypto })
    const service = node.records as unknown as { validate: (input: unknown) => Promise<unknown> }
    const original = service.validate
    let validations = 0
    service.validate = async function (this: unknown, input: unknown) { validations++; return await original.call(this, input) }
    try {
      const outcomes = await within(5000, Promise.all(Array.from({ length: 8 }, async (_, i) =>
        await node.records.ingest(rec.bytes, { source: 'sync', peer: `peer-${i}` }))), 'concurrent copies')
      assert.deepEqual(outcomes.map(o => o.status).sort(), ['added', ...Array(7).fill('duplicate')])
      assert.equal(validations, 1, 'one validation for eight copies')
      assert.ok(outcomes.every(o => o.cid === rec.cid))
    } finally {
      service.validate = original
    }
  })

  it('a license before its asset waits in the lot and is counted when the asset arrives; a child before its parent is counted at once', async () => {
    const { id: collective } = await node.collectives.create({ name: 'Parking', admission: { policy: 'invite', quorum: 1 } })
    const signer = node.identity.signer
    const parent = issueRecord('asset', asset('parent'), { signer, crypto: nativeCrypto, collective })
    const child = issueRecord('asset', asset('child', parent.cid), { signer, crypto: nativeCrypto, collective })
    const license = issueRecord('license', { asset: parent.cid, terms: OPEN_TERMS, royaltyPolicy: 'LAP' }, { signer, crypto: nativeCrypto, collective })
    // a parent is a reference, not a precondition: the child counts, its lineage shows the parent absent
    assert.equal((await node.records.ingest(child.bytes, { source: 'sync' })).status, 'added')
    const before = await node.index.lineage(child.cid, { direction: 'ancestors' })
    assert.equal(before.nodes.find(n => n.cid === parent.cid)?.present, false)

    const first = await node.records.ingest(license.bytes, { source: 'sync' })
    assert.equal(first.status, 'parked')
    assert.match(first.reason ?? '', new RegExp(parent.cid))
    assert.equal(await node.index.has(license.cid), false)
    assert.equal((await node.parking.get(license.cid))?.rule, 'dependency-missing')
    // delivered again while waiting: judged again, still waiting, not "already parked" forever
    assert.equal((await node.records.ingest(license.bytes, { source: 'gossip' })).status, 'parked')

    assert.equal((await node.records.ingest(parent.bytes, { source: 'sync' })).status, 'added')
    await within(5000, (async () => { while (!(await node.index.has(license.cid))) await new Promise(resolve => setTimeout(resolve, 20)) })(), 'the license to be released')
    assert.equal(await node.parking.has(license.cid), false)
    const after = await node.index.lineage(child.cid, { direction: 'ancestors' })
    assert.deepEqual(after.edges, [{ from: child.cid, to: parent.cid, relationship: 'parentOf' }])
    assert.equal(after.nodes.find(n => n.cid === parent.cid)?.present, true)
  })

  it('a license whose asset is being taken in at the same moment waits for it instead of being held in the lot', async () => {
    const { id: collective } = await node.collectives.create({ name: 'Overtaking', admission: { policy: 'invite', quorum: 1 } })
    const signer = node.identity.signer
    const pairs = Array.from({ length: 40 }, (_, i) => {
      const a = issueRecord('asset', asset(`overtaken ${i}`), { signer, crypto: nativeCrypto, collective })
      return [a, issueRecord('license', { asset: a.cid, terms: OPEN_TERMS, royaltyPolicy: 'LAP' }, { signer, crypto: nativeCrypto, collective })]
    })
    const held: string[] = []
    const onHeld = ({ record }: { record: { cid: string } }): void => { held.push(record.cid) }
    node.records.on('held', onHeld)
    try {
      // each license delivered first, its asset in the same tick: as a sync batch delivers them out of order
      const outcomes = await within(10_000, Promise.all(pairs.flatMap(([a, l]) => [
        node.records.ingest(l.bytes, { source: 'sync', scope: collective }),
        node.records.ingest(a.bytes, { source: 'sync', scope: collective })
      ])), 'the pairs')
      assert.deepEqual(outcomes.map(o => o.status), Array(80).fill('added'))
      assert.deepEqual(held, [], 'no license went through the lot')
      for (const [a, l] of pairs) {
        assert.equal(await node.index.has(a.cid), true)
        assert.equal(await node.index.has(l.cid), true)
      }
    } finally {
      node.records.off('held', onHeld)
    }
  })

  it('a stranger\'s collective record is refused and not stored; a removed member\'s is held, not counted, bounded; this node\'s own user is refused', async () => {
    const { id: collective } = await node.collectives.create({ name: 'Members only', admission: { policy: 'invite', quorum: 1 } })
    const stranger = createSigner(new Uint8Array(randomBytes(32)), nativeCrypto)
    const me = node.identity.signer
    const tick = async (): Promise<Date> => { await new Promise(resolve => setTimeout(resolve, 10)); return new Date() }
    const admitAt = await tick()
    const removeAt = await tick()
    const admitted = issueRecord('membership', { action: 'admit', member: stranger.did, effectiveFrom: admitAt.toISOString() }, { signer: me, crypto: nativeCrypto, collective, validFrom: admitAt })
    const removed = issueRecord('membership', { action: 'remove', member: stranger.did, effectiveFrom: removeAt.toISOString() }, { signer: me, crypto: nativeCrypto, collective, validFrom: removeAt })
    const rec = issueRecord('attestation', { record: collective, claim: 'endorsement' }, { signer: stranger, crypto: nativeCrypto, collective, validFrom: await tick() })
    // no membership record names the stranger: nothing of it is stored, whatever brought it
    for (const source of ['gossip', 'sync'] as const) {
      await assert.rejects(node.records.ingest(rec.bytes, { source, scope: collective, peer: 'p1' }), (err: any) => err.code === 'ERR_NOT_MEMBER' && err.details.reason === 'not-member')
    }
    assert.equal(await node.parking.has(rec.cid), false, 'a stranger\'s record is not held')
    assert.equal(await node.index.has(rec.cid), false, 'not counted')

    // once a membership record names the author (an admit, then a removal), its later records are held outside
    assert.equal((await node.records.ingest(admitted.bytes, { source: 'sync', scope: collective })).status, 'added')
    assert.equal((await node.records.ingest(removed.bytes, { source: 'sync', scope: collective })).status, 'added')
    await node.collectives.view.idle()
    const out = await node.records.ingest(rec.bytes, { source: 'gossip', scope: collective, peer: 'p1' })
    assert.equal(out.status, 'parked')
    const held = await node.parking.get(rec.cid)
    assert.equal(held?.status, 'outside')
    assert.equal(held?.rule, 'not-member')
    assert.equal(held?.peer, 'p1')
    assert.equal(await node.index.has(rec.cid), false, 'not counted')
    const own = issueRecord('attestation', { record: collective, claim: 'other' }, { signer: stranger, crypto: nativeCrypto, collective })
    await assert.rejects(node.records.ingest(own.bytes, { source: 'local' }), (err: any) => err.code === 'ERR_NOT_MEMBER' && err.details.reason === 'not-member')
    assert.equal(await node.parking.has(own.cid), false)
  })

  it('a record carried by another collective\'s topic or sync session is refused as out of scope', async () => {
    const { id: a } = await node.collectives.create({ name: 'Scope A', admission: { policy: 'invite', quorum: 1 } })
    const { id: b } = await node.collectives.create({ name: 'Scope B', admission: { policy: 'invite', quorum: 1 } })
    const rec = issueRecord('asset', asset('scoped'), { signer: node.identity.signer, crypto: nativeCrypto, collective: a })
    await assert.rejects(node.records.ingest(rec.bytes, { source: 'gossip', scope: b }), (err: any) => err.name === 'OutOfScopeError' && err.httpStatus === 400)
    const loose = issueRecord('asset', asset('no collective'), { signer: node.identity.signer, crypto: nativeCrypto })
    await assert.rejects(node.records.ingest(loose.bytes, { source: 'sync', scope: a }), (err: any) => err.name === 'OutOfScopeError')
    assert.equal((await node.records.ingest(rec.bytes, { source: 'gossip', scope: a })).status, 'added')
  })
})
