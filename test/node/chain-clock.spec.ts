/**
 * Chain and clock checks on a real node over its real HTTP gateway: a future-dated record is held (202, rule
 * `future`) and counted when its time comes, by the node's timer or when it comes by again once the node's
 * (injected) clock has moved; a forked chain shows `chain.fork` on the provenance report, of the fork and of a
 * descendant.
 */
import { after, before, describe, it } from 'node:test'
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
import type { AssetSubject, Signer, ValidRecord } from '../../src/records/types.ts'
import { waitFor } from '../e2e/harness.ts'
import { admit, alice, attest, dan, makeCharter } from '../collectives/helpers.ts'

const CONTENT = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const MINUTE = 60_000
const HOUR = 60 * MINUTE

function asset (signer: Signer, title: string, options: { at?: number, previous?: string, parent?: string } = {}): ValidRecord<'asset'> {
  const subject: AssetSubject = {
    id: `ipfs://${CONTENT}`,
    mediaType: 'text/plain',
    byteSize: 1,
    title,
    creators: [{ id: signer.did, role: 'author', share: 10000 }],
    ...(options.parent != null ? { ingredients: [{ relationship: 'parentOf' as const, record: options.parent }] } : {})
  }
  return issueRecord('asset', subject, {
    signer,
    crypto: nativeCrypto,
    validFrom: new Date(options.at ?? Date.now()),
    ...(options.previous != null ? { previous: options.previous } : {})
  })
}

/** A node on loopback with its own data dir; `shift` moves its clock */
async function startNode (clock?: () => number, existingHome?: string): Promise<{ node: AtelierNode, home: string, post: (r: ValidRecord) => Promise<{ status: number, body: any }>, get: (path: string) => Promise<{ status: number, body: any }> }> {
  const home = existingHome ?? await mkdtemp(join(tmpdir(), 'atelier-chain-clock-'))
  if (existingHome == null) await initHome(home)
  const node = new AtelierNode({
    config: resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } }),
    logger: silentLogger(),
    processMetrics: false,
    ...(clock != null ? { clock } : {})
  })
  await node.start()
  const post = async (r: ValidRecord): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${node.gatewayUrl}/v1/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${node.identity.apiToken}` },
      body: new TextDecoder().decode(r.bytes)
    })
    return { status: res.status, body: await res.json() }
  }
  const get = async (path: string): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${node.gatewayUrl}${path}`)
    return { status: res.status, body: await res.json() }
  }
  return { node, home, post, get }
}

describe('chain and clock checks on a node', { timeout: 120_000 }, () => {
  const ann = createSigner(randomBytes(32), nativeCrypto)
  const bob = createSigner(randomBytes(32), nativeCrypto)

  describe('with the real clock', () => {
    let n: Awaited<ReturnType<typeof startNode>>
    before(async () => { n = await startNode() })
    after(async () => {
      await n?.node.stop()
      if (n != null) await rm(n.home, { recursive: true, force: true })
    })

    it('a record dated beyond the clock plus the skew bound is held (202, rule future), then counted by the timer when its time comes', async () => {
      // 5 min skew by default: this record may count 2.5 s from now
      const early = asset(ann, 'from the future', { at: Date.now() + 5 * MINUTE + 2500 })
      const held = await n.post(early)
      assert.equal(held.status, 202)
      assert.equal(held.body.status, 'parked')
      assert.equal(held.body.rule, 'future')
      assert.match(held.body.reason, /after this node's clock/)
      assert.equal((await n.get(`/v1/records/${early.cid}`)).status, 404, 'not counted yet')
      const parked = (await n.get('/v1/parked')).body.items.find((e: any) => e.cid === early.cid)
      assert.equal(parked?.status, 'waiting')
      assert.equal(parked?.rule, 'future')
      assert.match(parked?.deps[0], /^clock:\d{15}$/)
      // nothing is sent again: the node's timer judges it again when the clock reaches its time
      const started = Date.now()
      await waitFor(async () => (await n.get(`/v1/records/${early.cid}`)).status === 200 ? true : undefined, 15_000, 'the held record to be counted')
      const waited = Date.now() - started
      assert.ok(waited >= 1500, `counted only once its time came (after ${waited} ms)`)
      assert.equal((await n.get('/v1/parked')).body.items.some((e: any) => e.cid === early.cid), false, 'its lot entry is gone')
    })

    it('a record within the skew bound counts at once', async () => {
      const r = asset(ann, 'a little ahead', { at: Date.now() + 4 * MINUTE })
      assert.equal((await n.post(r)).status, 201)
    })

    it('the provenance report of a forked chain shows chain.fork, on the fork and on its descendant\'s report', async () => {
      const t = Date.now() - HOUR
      const first = asset(ann, 'first', { at: t })
      const second = asset(ann, 'second', { at: t + MINUTE, previous: first.cid })
      // signed later but dated before `second`, on the same previous: the back-dated branch
      const branch = asset(ann, 'back-dated', { at: t + 30_000, previous: first.cid })
      const child = asset(bob, 'remix', { at: t + 2 * MINUTE, parent: branch.cid })
      for (const r of [first, second, branch, child]) assert.equal((await n.post(r)).status, 201)

      const straight = await n.get(`/v1/assets/${first.cid}/provenance`)
      assert.equal(straight.status, 200)
      assert.equal(straight.body.findings.some((f: any) => f.code.startsWith('chain.')), false)

      const report = await n.get(`/v1/assets/${branch.cid}/provenance`)
      assert.equal(report.status, 200)
      const fork = report.body.findings.find((f: any) => f.code === 'chain.fork')
      assert.deepEqual({ severity: fork?.severity, record: fork?.record, related: fork?.related },
        { severity: 'warning', record: branch.cid, related: [first.cid, second.cid] })
      assert.equal(report.body.verdict, 'warnings')

      const remix = await n.get(`/v1/assets/${child.cid}/provenance`)
      assert.ok(remix.body.findings.some((f: any) => f.code === 'chain.fork' && f.record === branch.cid), 'an ancestor on a fork shows on the descendant\'s report')
    })
  })

  describe('a future-dated membership record', () => {
    let n: Awaited<ReturnType<typeof startNode>>
    before(async () => { n = await startNode() })
    after(async () => {
      await n?.node.stop()
      if (n != null) await rm(n.home, { recursive: true, force: true })
    })

    it('changes nobody\'s membership while it is held, before and after a restart', async () => {
      const charter = makeCharter({ admins: [alice], policy: 'quorum', quorum: 1, validFrom: Date.now() - 2 * HOUR })
      assert.equal((await n.post(charter)).status, 201)
      // signed "an hour from now", admitting dan from an hour ago
      const early = admit(charter, alice, dan, Date.now() - HOUR, Date.now() + HOUR)
      const held = await n.post(early)
      assert.equal(held.status, 202)
      assert.equal(held.body.rule, 'future')
      const members = async (): Promise<string[]> => (await n.get(`/v1/collectives/${charter.cid}`)).body.members
      assert.deepEqual(await members(), [alice.did])
      const byDan = attest(charter, dan, Date.now() - 30 * MINUTE)
      assert.equal((await n.post(byDan)).status, 403, 'dan is no member yet')
      // a restart reads the held membership records from the lot: the future one must stay out of the membership
      await n.node.stop()
      n = await startNode(undefined, n.home)
      assert.deepEqual(await members(), [alice.did])
      assert.equal((await n.post(byDan)).status, 403, 'still no member after a restart')
    })
  })

  describe('with an injected clock', () => {
    let shift = -HOUR
    let n: Awaited<ReturnType<typeof startNode>>
    before(async () => { n = await startNode(() => Date.now() + shift) })
    after(async () => {
      await n?.node.stop()
      if (n != null) await rm(n.home, { recursive: true, force: true })
    })

    it('holds by the node\'s clock, not the machine\'s: counted once that clock has moved and the record comes by again', async () => {
      // dated now by the machine: an hour ahead of this node's clock
      const r = asset(bob, 'dated by a clock ahead')
      const held = await n.post(r)
      assert.equal(held.status, 202)
      assert.equal(held.body.rule, 'future')
      const report = await n.get(`/v1/assets/${r.cid}/provenance`)
      assert.equal(report.status, 404, 'a held record is not reported on')

      shift = 0
      const again = await n.post(r)
      assert.equal(again.status, 201)
      assert.equal(again.body.status, 'added')
      assert.equal((await n.get(`/v1/records/${r.cid}`)).status, 200)
      // the report is made for the node's clock by default, and `at` can ask for an earlier time
      const now = await n.get(`/v1/assets/${r.cid}/provenance`)
      assert.equal(now.body.findings.some((f: any) => f.code === 'time.future'), false)
      const before = await n.get(`/v1/assets/${r.cid}/provenance?at=${new Date(Date.now() - HOUR).toISOString()}`)
      assert.ok(before.body.findings.some((f: any) => f.code === 'time.future' && f.record === r.cid))
    })
  })
})
