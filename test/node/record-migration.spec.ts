/**
 * A data dir written by the previous release (index schema 3, every record also a pinned block file, retired
 * records only as block files) is migrated at start: records stored once, in the index, with the same counted set,
 * digest and held set, and no record block file left. The fixture was written by the release named in its
 * EXPECTED.json (see test/fixtures/README.md).
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { AtelierNode } from '../../src/node/atelier-node.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { resolveConfig } from '../../src/config.ts'
import { SCHEMA_VERSION } from '../../src/index/index.ts'
import { nativeCrypto } from '../../src/identity/index.ts'
import { issueRecord } from '../../src/records/index.ts'

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'datadir-release-1.tar.gz')

interface Expected {
  collective: string
  digest: { count: number, digest: string }
  counted: number
  own: string
  content: string
  memberRecords: string[]
  victimRecords: string[]
  waiting: string
  held: Array<{ cid: string, status: string, rule: string, bytes: boolean }>
}

async function heldSet (node: AtelierNode): Promise<string[]> {
  const out: string[] = []
  for await (const e of node.parking.all()) out.push(`${e.cid} ${e.status} ${e.rule}`)
  return out.sort()
}

async function schemaOf (home: string): Promise<string | undefined> {
  const db = new Level<string, string>(join(home, 'index'), { valueEncoding: 'utf8' })
  try {
    return await db.sublevel<string, string>('meta', { valueEncoding: 'utf8' }).get('version')
  } finally {
    await db.close()
  }
}

describe('migration of a previous release\'s data dir', { timeout: 120_000 }, () => {
  let home: string
  let expected: Expected
  let node: AtelierNode | undefined

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'atelier-migrate-'))
    execFileSync('tar', ['-xzf', FIXTURE, '-C', home])
    expected = JSON.parse(await readFile(join(home, 'EXPECTED.json'), 'utf8'))
  })

  after(async () => {
    await node?.stop()
    await rm(home, { recursive: true, force: true })
  })

  const start = async (): Promise<AtelierNode> => {
    const n = new AtelierNode({ config: resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [] } }), logger: silentLogger(), processMetrics: false })
    await n.start()
    return n
  }

  it('starts on it, keeps what it counted and held, and stores every record once, in the index', async () => {
    assert.equal(await schemaOf(home), '3', 'the fixture is a schema 3 index')
    node = await start()
    assert.deepEqual(await node.collectives.digest(expected.collective), expected.digest)
    assert.equal(await node.index.count(), expected.counted)
    assert.deepEqual(await heldSet(node), expected.held.map(h => `${h.cid} ${h.status} ${h.rule}`).sort())
    // no record block file, no record pin: only the content's blocks remain in the blockstore
    const records: string[] = []
    for await (const r of node.store.store.allRecords()) records.push(r.cid)
    assert.deepEqual(records, [])
    const usage = await node.store.store.usage()
    assert.equal(usage.blocks, 1, 'the one content block')
    // every record is still served by CID: counted ones, retired ones (held), and over /ipfs
    for (const cid of [...expected.memberRecords, ...expected.victimRecords, expected.own]) {
      const bytes = await node.store.store.getRecord(cid)
      assert.ok(bytes.byteLength > 0, cid)
    }
    for (const cid of expected.victimRecords) assert.equal(await node.index.has(cid), false, 'retired records stay uncounted')
    const res = await fetch(`${node.gatewayUrl}/ipfs/${expected.victimRecords[0]}?format=raw`)
    assert.equal(res.status, 200)
    assert.equal(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(await node.store.store.getRecord(expected.victimRecords[0]))), true)
    await node.stop()
    node = undefined
    assert.equal(await schemaOf(home), String(SCHEMA_VERSION))
  })

  it('a second start finds nothing to migrate and gives the same answers; reindex keeps them', async () => {
    node = await start()
    assert.deepEqual(await node.collectives.digest(expected.collective), expected.digest)
    assert.deepEqual(await heldSet(node), expected.held.map(h => `${h.cid} ${h.status} ${h.rule}`).sort())
    const re = await node.reindex()
    assert.equal(re.records, expected.counted)
    assert.deepEqual(await node.collectives.digest(expected.collective), expected.digest)
    for (const cid of expected.victimRecords) assert.ok((await node.store.store.getRecord(cid)).byteLength > 0, 'held bodies survive a reindex')
  })

  it('a record block stored and never indexed (a crash of an older release) is judged through the door at start', async () => {
    const running = node as AtelierNode
    const record = issueRecord('asset', {
      id: `ipfs://${expected.content}`, mediaType: 'text/plain', byteSize: 22, title: 'left behind', creators: [{ id: running.identity.did, share: 10000 }]
    }, { signer: running.identity.signer, crypto: nativeCrypto })
    await running.store.store.putRecord(record.cid, record.bytes)
    assert.equal(await running.index.has(record.cid), false)
    await running.stop()
    node = await start()
    assert.equal(await node.index.has(record.cid), true, 'counted after the restart')
    const records: string[] = []
    for await (const r of node.store.store.allRecords()) records.push(r.cid)
    assert.deepEqual(records, [], 'and its block file is gone')
    assert.ok((await node.store.store.getRecord(record.cid)).byteLength > 0)
  })

  it('on the upgraded data dir, an asset signed for content of the old release carries fingerprints and is indexed with them', async () => {
    const running = node as AtelierNode
    const res = await fetch(`${running.gatewayUrl}/v1/assets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${running.identity.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: expected.content, title: 'fingerprinted', mediaType: 'text/plain' })
    })
    const body = await res.json() as any
    assert.equal(res.status, 201, JSON.stringify(body))
    const claimed = body.record.credentialSubject.fingerprints.map((f: { alg: string }) => f.alg)
    assert.deepEqual(claimed, ['iscc-text-64', 'minhash-64x32'])
    const indexed: string[] = []
    for await (const f of running.index.iterateFingerprints()) if (f.cid === body.cid) indexed.push(f.alg)
    assert.deepEqual(indexed, claimed)
    // and a reindex writes them again
    await running.reindex()
    const again: string[] = []
    for await (const f of running.index.iterateFingerprints()) if (f.cid === body.cid) again.push(f.alg)
    assert.deepEqual(again, claimed)
  })
})
