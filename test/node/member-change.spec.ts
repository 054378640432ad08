/**
 * CollectiveService.changeMember on a real node: under quorum 2 an admin's admit/remove with the defaults co-signs
 * the change another admin started (the earliest, when several are pending), `cosign` names a change by one of its
 * records, and signing a change twice, or co-signing what is not a pending change, is refused by code.
 * The second admin B is a key held by the test; its records reach the node as imports, as sync would bring them.
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
import type { Signer } from '../../src/records/types.ts'

const HOUR = 3600_000

describe('changeMember: co-signing pending changes', { timeout: 120_000 }, () => {
  let home: string
  let node: AtelierNode
  let b: Signer
  let bHead: string | undefined
  let collective: string
  const newDid = (): string => createSigner(new Uint8Array(randomBytes(32)), nativeCrypto).did

  /** B signs a membership change and the node takes it in */
  const bSigns = async (subject: Record<string, unknown>): Promise<string> => {
    const rec = issueRecord('membership', subject as any, { signer: b, crypto: nativeCrypto, collective, previous: bHead })
    const out = await node.records.ingest(rec.bytes, { source: 'import' })
    assert.equal(out.status, 'added', out.reason)
    bHead = rec.cid
    return rec.cid
  }
  const members = async (): Promise<string[]> => (await node.collectives.describe(collective)).members
  const rejects = async (p: Promise<unknown>, name: string, details: Record<string, unknown> = {}): Promise<void> => {
    await assert.rejects(p, (err: any) => {
      assert.equal(err.name, name, err.message)
      assert.ok(err.httpStatus >= 400 && err.httpStatus < 500)
      for (const [k, v] of Object.entries(details)) assert.deepEqual(err.details?.[k], v, k)
      return true
    })
  }

  /** A charter of the node's and B's keys, quorum 2, dated a day back so changes may take effect in the past */
  const charter = async (name: string): Promise<string> => {
    const rec = issueRecord('charter', { name, admins: [node.identity.did, b.did], admission: { policy: 'quorum', quorum: 2 } },
      { signer: node.identity.signer, crypto: nativeCrypto, validFrom: new Date(Date.now() - 24 * HOUR) })
    assert.equal((await node.records.ingest(rec.bytes, { source: 'import' })).status, 'added')
    return rec.cid
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'atelier-cosign-'))
    await initHome(home)
    node = new AtelierNode({ config: resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } }), logger: silentLogger(), processMetrics: false })
    await node.start()
    b = createSigner(new Uint8Array(randomBytes(32)), nativeCrypto)
    collective = await charter('Two keys')
  })

  after(async () => {
    await node?.stop()
    await rm(home, { recursive: true, force: true })
  })

  it('an admit with the defaults starts a pending change; B signing the same change makes it effective', async () => {
    const m = newDid()
    const first = await node.collectives.changeMember(collective, 'admit', m)
    assert.equal(first.effective, false)
    assert.equal(first.cosigned, false)
    assert.deepEqual(first.signers, [node.identity.did])
    assert.equal(first.quorum, 2)
    assert.equal(first.needed, 1)
    const pending = (await node.collectives.describe(collective)).pending
    assert.deepEqual(pending.map(p => [p.action, p.member, p.effectiveFrom, p.signers, p.records]),
      [['admit', m, Date.parse(first.effectiveFrom), [node.identity.did], [first.cid]]])
    await bSigns({ action: 'admit', member: m, effectiveFrom: first.effectiveFrom })
    assert.ok((await members()).includes(m))
  })

  it('the node\'s admit with the defaults co-signs the change B started, taking its effectiveFrom', async () => {
    const m = newDid()
    const from = new Date(Date.now() - HOUR).toISOString()
    const bCid = await bSigns({ action: 'admit', member: m, effectiveFrom: from })
    const out = await node.collectives.changeMember(collective, 'admit', m)
    assert.equal(out.cosigned, true)
    assert.equal(out.effective, true)
    assert.equal(out.effectiveFrom, from)
    assert.deepEqual(out.signers, [node.identity.did, b.did].sort())
    assert.deepEqual(out.records, [bCid, out.cid].sort())
    assert.equal(out.needed, 0)
    assert.ok((await members()).includes(m))
    assert.deepEqual((await node.collectives.describe(collective)).intervals[m], [[Date.parse(from), null]])
  })

  it('with several pending changes of one member the earliest is signed and the others reported', async () => {
    const m = newDid()
    const early = new Date(Date.now() - 2 * HOUR).toISOString()
    const late = new Date(Date.now() - HOUR).toISOString()
    await bSigns({ action: 'admit', member: m, effectiveFrom: late })
    const earlyCid = await bSigns({ action: 'admit', member: m, effectiveFrom: early })
    const out = await node.collectives.changeMember(collective, 'admit', m)
    assert.equal(out.effectiveFrom, early)
    assert.equal(out.effective, true)
    assert.deepEqual(out.others.map(o => o.effectiveFrom), [late])
    assert.deepEqual(out.records, [earlyCid, out.cid].sort())
  })

  it('a pending change of another action or member is not co-signed by the defaults', async () => {
    const m = newDid()
    const other = newDid()
    await bSigns({ action: 'admit', member: other, effectiveFrom: new Date(Date.now() - HOUR).toISOString() })
    const out = await node.collectives.changeMember(collective, 'admit', m)
    assert.equal(out.cosigned, false)
    assert.equal(out.effective, false)
  })

  it('signing a change twice is refused: with the defaults, with the same --from, and by cosign', async () => {
    const m = newDid()
    const first = await node.collectives.changeMember(collective, 'admit', m)
    await rejects(node.collectives.changeMember(collective, 'admit', m), 'AlreadySignedError', { records: [first.cid], needed: 1 })
    await rejects(node.collectives.changeMember(collective, 'admit', m, { effectiveFrom: first.effectiveFrom }), 'AlreadySignedError')
    await rejects(node.collectives.changeMember(collective, 'admit', undefined, { cosign: first.cid }), 'AlreadySignedError')
    // still one signature, one record
    const pending = (await node.collectives.describe(collective)).pending.filter(p => p.member === m)
    assert.deepEqual(pending.map(p => p.records), [[first.cid]])
    // a different --from is a different change, and allowed
    const other = await node.collectives.changeMember(collective, 'admit', m, { effectiveFrom: new Date(Date.now() + HOUR).toISOString() })
    assert.equal(other.cosigned, false)
    assert.equal(other.effective, false)
  })

  it('cosign signs the named change: a remove B started', async () => {
    const m = newDid()
    await bSigns({ action: 'admit', member: m, effectiveFrom: new Date(Date.now() - 2 * HOUR).toISOString() })
    await node.collectives.changeMember(collective, 'admit', m)
    const from = new Date(Date.now() - HOUR).toISOString()
    const removal = await bSigns({ action: 'remove', member: m, effectiveFrom: from, reason: 'left' })
    assert.ok((await members()).includes(m), 'a pending removal changes nothing')
    const out = await node.collectives.changeMember(collective, 'remove', undefined, { cosign: removal })
    assert.equal(out.member, m)
    assert.equal(out.effectiveFrom, from)
    assert.equal(out.effective, true)
    assert.equal(out.cosigned, true)
    assert.ok(!(await members()).includes(m))
  })

  it('cosign refuses what is not a pending change of this action, member and collective', async () => {
    const m = newDid()
    const removal = await bSigns({ action: 'remove', member: m, effectiveFrom: new Date(Date.now() - HOUR).toISOString() })
    await rejects(node.collectives.changeMember(collective, 'admit', undefined, { cosign: removal }), 'NotPendingError', { reason: 'other-action', action: 'remove' })
    await rejects(node.collectives.changeMember(collective, 'remove', newDid(), { cosign: removal }), 'NotPendingError', { reason: 'other-member' })
    await rejects(node.collectives.changeMember(collective, 'remove', undefined, { cosign: collective }), 'NotPendingError', { reason: 'unknown' })
    // an admit already in effect needs no co-signature
    const done = await bSigns({ action: 'admit', member: m, effectiveFrom: new Date(Date.now() - 3 * HOUR).toISOString() })
    await node.collectives.changeMember(collective, 'admit', m)
    await rejects(node.collectives.changeMember(collective, 'admit', undefined, { cosign: done }), 'NotPendingError', { reason: 'effective' })
    // a pending change of another collective is unknown here
    const second = await charter('Another')
    const elsewhere = await node.collectives.changeMember(second, 'admit', m)
    await rejects(node.collectives.changeMember(collective, 'admit', undefined, { cosign: elsewhere.cid }), 'NotPendingError', { reason: 'unknown' })
    await rejects(node.collectives.changeMember(collective, 'admit', undefined, { cosign: removal, effectiveFrom: new Date().toISOString() }), 'InvalidRequestError')
    await rejects(node.collectives.changeMember(collective, 'admit', undefined), 'InvalidRequestError')
  })
})
