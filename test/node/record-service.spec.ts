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

  it('a collective record whose parent is missing is parked, then applied when the parent arrives', async () => {
    const { id: collective } = await node.collectives.create({ name: 'Parking', admission: { policy: 'invite', quorum: 1 } })
    const signer = node.identity.signer
    // parent and child, signed elsewhere by this node's key, delivered child first
    const parent = issueRecord('asset', asset('parent'), { signer, crypto: nativeCrypto, collective })
    const child = issueRecord('asset', asset('child', parent.cid), { signer, crypto: nativeCrypto, collective })
    const first = await node.records.ingest(child.bytes, { source: 'sync' })
    assert.equal(first.status, 'parked')
    assert.match(first.reason ?? '', new RegExp(parent.cid))
    assert.equal(await node.index.has(child.cid), false)
    assert.equal(await node.parking.has(child.cid), true)

    assert.equal((await node.records.ingest(parent.bytes, { source: 'sync' })).status, 'added')
    await within(5000, (async () => { while (!(await node.index.has(child.cid))) await new Promise(resolve => setTimeout(resolve, 20)) })(), 'the child to be released')
    assert.equal(await node.parking.has(child.cid), false)
    const lineage = await node.index.lineage(child.cid, { direction: 'ancestors' })
    assert.deepEqual(lineage.edges, [{ from: child.cid, to: parent.cid, relationship: 'parentOf' }])
  })

  it('a non-member\'s collective record is parked, and refused outright when this node\'s own user writes as a non-member', async () => {
    const { id: collective } = await node.collectives.create({ name: 'Members only', admission: { policy: 'invite', quorum: 1 } })
    const stranger = createSigner(new Uint8Array(randomBytes(32)), nativeCrypto)
    const rec = issueRecord('attestation', { record: collective, claim: 'endorsement' }, { signer: stranger, crypto: nativeCrypto, collective })
    const out = await node.records.ingest(rec.bytes, { source: 'gossip' })
    assert.equal(out.status, 'parked')
    assert.match(out.reason ?? '', /not a member/)
    const own = issueRecord('attestation', { record: collective, claim: 'other' }, { signer: stranger, crypto: nativeCrypto, collective })
    await assert.rejects(node.records.ingest(own.bytes, { source: 'local' }), (err: any) => err.code === 'ERR_NOT_MEMBER')
  })
})
