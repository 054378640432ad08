/**
 * A collective of three real daemons on loopback: create, invite, join, share lineage by gossip, catch up by sync
 * after being offline, refuse non-members' and tampered records, read a peer's content over bitswap.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { createHash, randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestDaemon, waitFor } from './harness.ts'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { createSigner, issueRecord, nobleCrypto } from '../../src/records/index.ts'

/** Test daemons reconcile history every 2 s (30 s by default) so convergence is quick */
const CONFIG = { sync: { intervalMs: 2000 } }

describe('a collective of three nodes', { timeout: 300_000 }, () => {
  const nodes: TestDaemon[] = []
  let a: TestDaemon, b: TestDaemon, c: TestDaemon
  let scratch: string
  let collective: string
  let original: { cid: string, record: string }
  let bytes: Uint8Array

  const digest = async (d: TestDaemon): Promise<{ count: number, digest: string }> => (await d.api(`/v1/collectives/${collective}/digest`)).body
  const converged = async (expectAtLeast: number): Promise<{ count: number, digest: string }> => await waitFor(async () => {
    const ds = await Promise.all(nodes.filter(n => n.running).map(digest))
    return ds.every(d => d.digest === ds[0].digest && d.count >= expectAtLeast) ? ds[0] : undefined
  }, 60_000, 'the nodes to hold the same records')

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'atelier-collective-files-'))
    for (let i = 0; i < 3; i++) {
      const d = await TestDaemon.create(`atelier-collective-${i}-`)
      await d.writeConfig(CONFIG)
      await d.start()
      nodes.push(d)
    }
    ;[a, b, c] = nodes
  })

  after(async () => {
    for (const d of nodes) await d.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('A creates a collective; B and C join by invite and become members', async () => {
    const created = await a.cli(['collective', 'create', 'Riverside Printmakers', '--json'])
    assert.equal(created.code, 0, created.stderr)
    collective = JSON.parse(created.stdout).id
    assert.match(collective, /^bagaaiera/)

    for (const d of [b, c]) {
      const inv = await a.cli(['invite', collective])
      assert.equal(inv.code, 0, inv.stderr)
      const text = inv.stdout.trim()
      assert.ok(!text.includes('\n') && text.startsWith('atelier-invite:'), 'invite printed alone')
      const joined = await d.cli(['join', text, '--json'])
      assert.equal(joined.code, 0, joined.stderr)
      const out = JSON.parse(joined.stdout)
      assert.equal(out.id, collective)
      // judged with its own join: it said "not a member yet" while every node listed it
      assert.equal(out.member, true, JSON.stringify(out))
      assert.equal(out.standing.status, 'member')
      assert.match((await d.cli(['collective', 'list'])).stdout, /this node: member since /)
      // the catch-up's figures: the charter and invites at least came by sync
      assert.ok(out.catchUp.recordsReceived >= 2, JSON.stringify(out))
      assert.ok(out.catchUp.bytesReceived > 0)
      assert.ok(out.catchUp.recordsAdded >= 1, JSON.stringify(out.catchUp))
      const progress = (await d.api(`/v1/collectives/${collective}/sync`)).body
      assert.equal(progress.charter, true)
      assert.equal(typeof progress.active, 'number')
      assert.ok(progress.last.ms >= 0, 'the last finished session')
    }
    const described = (await b.api(`/v1/collectives/${collective}`)).body
    assert.equal(typeof described.sync.active, 'number', 'GET /v1/collectives/<id> says how sync goes')
    assert.equal((await a.api('/v1/collectives/bagaaieraxbk5shnqdpbe6gdp4ddkwnfufxllsyd3zjlisimhkqnivkl7yvoq/sync')).status, 404)
    const dids = await Promise.all(nodes.map(async n => (await n.api('/v1/node')).body.did))
    for (const n of nodes) {
      await waitFor(async () => {
        const m = (await n.api(`/v1/collectives/${collective}/members`)).body
        return dids.every((d: string) => m.members?.includes(d)) ? true : undefined
      }, 30_000, 'every node to count all three members')
    }
    const members = await b.cli(['members', collective, '--json'])
    assert.equal(members.code, 0, members.stderr)
    assert.deepEqual(JSON.parse(members.stdout).members.sort(), [...dids].sort())
  })

  it('an asset on A, a derivative on B and an attestation on C reach every node', async () => {
    bytes = new Uint8Array(randomBytes(2 * 1024 * 1024 + 777))
    const file = join(scratch, 'etching.bin')
    await writeFile(file, bytes)
    const added = await a.cli(['add', file, '--title', 'Etching', '--collective', collective, '--json'])
    assert.equal(added.code, 0, added.stderr)
    original = JSON.parse(added.stdout)

    await waitFor(async () => (await b.api(`/v1/records/${original.record}`)).status === 200 ? true : undefined, 30_000, 'B to receive the asset')
    const remixFile = join(scratch, 'remix.txt')
    await writeFile(remixFile, 'a remix of the etching\n')
    const remix = await b.cli(['add', remixFile, '--title', 'Etching remix', '--parent', original.record, '--collective', collective, '--json'])
    assert.equal(remix.code, 0, remix.stderr)
    const derivative = JSON.parse(remix.stdout).record

    await waitFor(async () => (await c.api(`/v1/records/${original.record}`)).status === 200 ? true : undefined, 30_000, 'C to receive the asset')
    // C endorses it (only A, its author, may license it)
    const att = await c.cli(['attest', original.record, '--claim', 'endorsement', '--collective', collective, '--json'])
    assert.equal(att.code, 0, att.stderr)

    await converged(6) // charter, 2 joins, 2 invites, asset, derivative, attestation
    const lineages = await Promise.all(nodes.map(async n => (await n.api(`/v1/assets/${derivative}/lineage?direction=both`)).body))
    for (const l of lineages) assert.deepEqual(l, lineages[0])
    assert.deepEqual(lineages[0].edges, [{ from: derivative, to: original.record, relationship: 'parentOf' }])
  })

  it('B reads A\'s asset bytes, fetched over bitswap', async () => {
    const res = await fetch(`${b.url}/ipfs/${original.cid}`)
    assert.equal(res.status, 200)
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes)
  })

  it('B fetches a record only A holds over bitswap, byte-identical, from A\'s record store', async () => {
    // a record of no collective: it is neither gossiped nor synced, so only A holds it (in its index: no block file
    // since schema 4). An attestation of the collective's asset would not do: without --collective it goes to its
    // target's collective, and gossip raced this check
    const localFile = join(scratch, 'a-only.txt')
    await writeFile(localFile, 'kept on A alone\n')
    const made = await a.cli(['add', localFile, '--title', 'A only', '--json'])
    assert.equal(made.code, 0, made.stderr)
    const cid = JSON.parse(made.stdout).record as string
    assert.equal((await a.api(`/v1/records/${cid}`)).body.record.collective, undefined, 'a record of no collective')
    assert.equal((await b.api(`/v1/records/${cid}`)).status, 404, 'B does not hold it')
    const fromA = Buffer.from(await (await fetch(`${a.url}/ipfs/${cid}?format=raw`)).arrayBuffer())
    const res = await fetch(`${b.url}/ipfs/${cid}?format=raw`)
    assert.equal(res.status, 200)
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), fromA)
    assert.equal(createHash('sha256').update(fromA).digest('hex'), Buffer.from(CID.parse(cid).multihash.digest).toString('hex'))
  })

  it('answers 404 for content no connected peer holds, after a bounded wait, not 500', async () => {
    const unknown = CID.createV1(raw.code, await sha256.digest(randomBytes(32))).toString()
    const started = Date.now()
    const res = await fetch(`${b.url}/ipfs/${unknown}`)
    const ms = Date.now() - started
    assert.equal(res.status, 404)
    assert.equal((await res.json() as any).error.code, 'ERR_NOT_FOUND')
    assert.ok(ms < 10_000, `answered in ${ms} ms`)
  })

  it('C, offline while A and B publish 500 records, catches up by sync alone', async () => {
    await c.stop()
    const publishers = [a, b]
    for (let i = 0; i < 500; i++) {
      const p = publishers[i % 2]
      const r = await p.api('/v1/attestations', { method: 'POST', json: { record: original.record, claim: 'endorsement', comment: `note ${i}`, collective } })
      assert.equal(r.status, 201, JSON.stringify(r.body))
    }
    const ab = await waitFor(async () => {
      const [da, db] = await Promise.all([digest(a), digest(b)])
      return da.digest === db.digest ? da : undefined
    }, 60_000, 'A and B to agree')
    await c.start()
    const all = await converged(ab.count)
    assert.equal(all.count, ab.count)
    assert.equal((await digest(c)).digest, ab.digest)
  })

  it('a node takes part in several collectives, each with its own records', async () => {
    const second = JSON.parse((await a.cli(['collective', 'create', 'Second circle', '--json'])).stdout).id
    const joined = await b.cli(['join', (await a.cli(['invite', second])).stdout.trim()])
    assert.equal(joined.code, 0, joined.stderr)
    const list = JSON.parse((await b.cli(['collective', 'list', '--json'])).stdout).items.map((c: any) => c.id).sort()
    assert.deepEqual(list, [collective, second].sort())
    const firstBefore = await digest(a)
    // a collective's records are about its own records: an attestation there of a record of the first is refused
    const across = await b.api('/v1/attestations', { method: 'POST', json: { record: original.record, claim: 'other', collective: second } })
    assert.equal(across.status, 400, JSON.stringify(across.body))
    assert.equal(across.body.error.code, 'ERR_LINK_OUTSIDE_COLLECTIVE')
    const r = await b.api('/v1/attestations', { method: 'POST', json: { record: second, claim: 'other', comment: 'second circle only', collective: second } })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    await waitFor(async () => (await a.api(`/v1/records/${r.body.cid}`)).status === 200 ? true : undefined, 30_000, 'A to receive the record of the second collective')
    assert.deepEqual(await digest(a), firstBefore, 'the first collective\'s records are unchanged')
    assert.equal((await c.api(`/v1/records/${r.body.cid}`)).status, 404, 'C, not in the second collective, does not get its records')
    const peers = JSON.parse((await b.cli(['peers', '--json'])).stdout).items
    assert.ok(peers.some((p: any) => p.connected), 'B lists a connected peer')
  })

  it('refuses a non-member\'s record on every node', async () => {
    const stranger = createSigner(new Uint8Array(randomBytes(32)), nobleCrypto)
    const rec = issueRecord('attestation', { record: original.record, claim: 'endorsement', comment: 'let me in' }, { signer: stranger, crypto: nobleCrypto, collective })
    const before = await digest(a)
    const res = await a.api('/v1/records', { method: 'POST', json: JSON.parse(new TextDecoder().decode(rec.bytes)) })
    assert.equal(res.status, 403, JSON.stringify(res.body))
    assert.equal(res.body.error.code, 'ERR_NOT_MEMBER')
    assert.equal(res.body.error.details.reason, 'not-member')
    assert.equal((await a.api('/v1/parked')).body.items.some((p: any) => p.cid === rec.cid), false, 'not held either')
    await new Promise(resolve => setTimeout(resolve, 3000))
    for (const n of nodes) {
      assert.equal((await n.api(`/v1/records/${rec.cid}`)).status, 404, 'non-member record not held')
      assert.equal((await digest(n)).digest, before.digest)
    }
  })

  it('a grant, attestation or revocation without --collective goes to its target\'s collective', async () => {
    const lic = await a.cli(['license', original.record, '--preset', 'cc-by', '--collective', collective, '--json'])
    assert.equal(lic.code, 0, lic.stderr)
    const license = JSON.parse(lic.stdout).cid
    const revoked = await a.cli(['revoke', license, '--json'])
    assert.equal(revoked.code, 0, revoked.stderr)
    const revocation = JSON.parse(revoked.stdout)
    assert.equal(revocation.record.collective, collective, 'the revocation reaches the members who hold the license')
    const att = await b.cli(['attest', original.record, '--claim', 'endorsement', '--json'])
    assert.equal(att.code, 0, att.stderr)
    const attestation = JSON.parse(att.stdout)
    assert.equal(attestation.collective, collective)
    for (const n of nodes) {
      await waitFor(async () => (await n.api(`/v1/records/${revocation.cid}`)).status === 200 && (await n.api(`/v1/records/${attestation.cid}`)).status === 200 ? true : undefined,
        30_000, 'every member to receive the revocation and the attestation')
    }
  })

  it('a removed member is told it was removed, when and by whom', async () => {
    const cDid = (await c.api('/v1/node')).body.did as string
    const aDid = (await a.api('/v1/node')).body.did as string
    const removed = await a.cli(['remove', collective, cDid, '--reason', 'left the studio', '--json'])
    assert.equal(removed.code, 0, removed.stderr)
    const listed = await waitFor(async () => {
      const r = await c.cli(['collective', 'list', '--json'])
      const item = JSON.parse(r.stdout).items.find((i: any) => i.id === collective)
      return item?.standing?.status === 'removed' ? item : undefined
    }, 30_000, 'C to learn of its removal')
    assert.deepEqual(listed.standing.by, [aDid])
    assert.equal(listed.standing.reason, 'left the studio')
    const text = (await c.cli(['collective', 'list'])).stdout
    assert.match(text, new RegExp(`this node: removed \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z by ${aDid} \\(left the studio\\)`))
    assert.doesNotMatch(text, /not a member yet/)
  })
})
