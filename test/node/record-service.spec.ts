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
  it('a group from one delivery (ingestMany) is answered record by record as the single door answers each', async () => {
    const { id: collective } = await node.collectives.create({ name: 'Groups', admission: { policy: 'invite', quorum: 1 } })
    const { id: other } = await node.collectives.create({ name: 'Other group', admission: { policy: 'invite', quorum: 1 } })
    const signer = node.identity.signer
    const stranger = createSigner(new Uint8Array(randomBytes(32)), nativeCrypto)
    const opts = { crypto: nativeCrypto, collective }
    const counted = issueRecord('asset', asset('counted before'), { signer, ...opts })
    assert.equal((await node.records.ingest(counted.bytes, { source: 'sync', scope: collective })).status, 'added')
    const fresh = Array.from({ length: 5 }, (_, i) => issueRecord('asset', asset(`group ${i}`), { signer, ...opts }))
    // a license before its asset in the same group, and one whose asset comes in no group at all
    const overtaken = issueRecord('asset', asset('overtaken in the group'), { signer, ...opts })
    const license = issueRecord('license', { asset: overtaken.cid, terms: OPEN_TERMS, royaltyPolicy: 'LAP' }, { signer, ...opts })
    const absent = issueRecord('asset', asset('never sent'), { signer, ...opts })
    const waiting = issueRecord('license', { asset: absent.cid, terms: OPEN_TERMS, royaltyPolicy: 'LAP' }, { signer, ...opts })
    const elsewhere = issueRecord('asset', asset('of another collective'), { signer, crypto: nativeCrypto, collective: other })
    const strangers = issueRecord('asset', { ...asset('a stranger'), creators: [{ id: stranger.did, share: 10000 }] }, { signer: stranger, crypto: nativeCrypto, collective })
    const forged = new Uint8Array(fresh[0].bytes)
    forged[forged.length - 10] ^= 1
    const items = [
      license, ...fresh, overtaken, counted, fresh[1], waiting, elsewhere, strangers
    ].map(r => ({ bytes: r.bytes })).concat([{ bytes: forged }, { bytes: new Uint8Array(70_000) }])
    const events = { rejected: 0, duplicate: 0 }
    const onRejected = (): void => { events.rejected++ }
    const onDuplicate = (): void => { events.duplicate++ }
    node.records.on('rejected', onRejected)
    node.records.on('duplicate', onDuplicate)
    let outcomes: Array<{ status?: string, name?: string }>
    try {
      outcomes = await within(10_000, node.records.ingestMany(items, { source: 'sync', scope: collective, peer: 'peer-g' }), 'the group') as any
    } finally {
      node.records.off('rejected', onRejected)
      node.records.off('duplicate', onDuplicate)
    }
    const got = outcomes.map(o => o.status ?? o.name)
    assert.deepEqual(got, [
      'added', 'added', 'added', 'added', 'added', 'added', 'added', // the license, the five, its asset
      'duplicate', 'duplicate', // counted before; a repeat inside the group
      'parked', // its asset never came
      'OutOfScopeError', 'NotMemberError', 'InvalidRecordError', 'TooLargeError'
    ])
    // the single door refuses each of the refused the same way
    for (const k of [10, 11, 12, 13]) {
      const single = await node.records.ingest(items[k].bytes, { source: 'sync', scope: collective }).then(o => o.status, (err: Error) => err.name)
      assert.equal(single, got[k], `item ${k}`)
    }
    assert.equal(events.duplicate, 2)
    assert.equal(events.rejected, 4)
    events.rejected = 0
    for (const r of [license, ...fresh, overtaken]) assert.equal(await node.index.has(r.cid), true, `${r.kind} counted`)
    assert.equal(await node.index.has(waiting.cid), false)
    assert.equal((await node.parking.get(waiting.cid))?.rule, 'dependency-missing')
    for (const r of [elsewhere, strangers]) assert.equal(await node.index.has(r.cid) || await node.parking.has(r.cid), false, 'a refused record is not stored')
    // a record held in the lot (for a reason that has passed) and delivered in a group is counted, and leaves the lot
    const wasHeld = issueRecord('asset', asset('held, then in a group'), { signer, ...opts })
    await node.parking.park(wasHeld, { status: 'waiting', deps: ['record:gone'], reason: 'test', rule: 'dependency-missing', source: 'sync', keepBytes: true })
    const [outcome] = await node.records.ingestMany([{ bytes: wasHeld.bytes }], { source: 'sync', scope: collective })
    assert.equal((outcome as { status: string }).status, 'added')
    assert.equal(await node.index.has(wasHeld.cid), true)
    assert.equal(await node.parking.has(wasHeld.cid), false, 'counted, so no longer held')
    // the same group again: every record it counted is a duplicate now, by one index read and no validation
    const again = await node.records.ingestMany([license, ...fresh].map(r => ({ bytes: r.bytes })), { source: 'sync', scope: collective })
    assert.deepEqual(again.map(o => (o as { status: string }).status), Array(6).fill('duplicate'))
  })

  it('copies of one record in concurrent groups and single deliveries share one validation and one outcome', async () => {
    const signer = createSigner(new Uint8Array(randomBytes(32)), nativeCrypto)
    const recs = Array.from({ length: 30 }, (_, i) => issueRecord('asset', { ...asset(`shared ${i}`), creators: [{ id: signer.did, share: 10000 }] }, { signer, crypto: nativeCrypto }))
    const verifier = (node.records as unknown as { components: { verifier: { validate: (b: Uint8Array) => Promise<unknown>, validateMany: (b: Uint8Array[]) => Promise<unknown> } } }).components.verifier
    const { validate, validateMany } = verifier
    let validations = 0
    verifier.validate = async (b) => { validations++; return await validate.call(verifier, b) }
    verifier.validateMany = async (b) => { validations += b.length; return await validateMany.call(verifier, b) }
    const runs = await within(10_000, Promise.all([
      node.records.ingestMany(recs.map(r => ({ bytes: r.bytes })), { source: 'sync', peer: 'a' }),
      node.records.ingestMany([...recs].reverse().map(r => ({ bytes: r.bytes })), { source: 'gossip', peer: 'b' }),
      Promise.all(recs.map(async r => await node.records.ingest(r.bytes, { source: 'gossip', peer: 'c' })))
    ]), 'three deliveries').finally(() => { verifier.validate = validate; verifier.validateMany = validateMany })
    assert.equal(validations, recs.length, 'each record validated once')
    for (const [k, r] of recs.entries()) {
      const statuses = [runs[0][k], runs[1][recs.length - 1 - k], runs[2][k]].map(o => (o as { status: string }).status).sort()
      assert.deepEqual(statuses, ['added', 'duplicate', 'duplicate'], `record ${k}`)
      assert.equal(await node.index.has(r.cid), true)
    }
  })
})
