/**
 * The durability policy (docs/durability.md) on a real node: records acknowledged to someone (HTTP, the node's own
 * signing) are written by synced Level batches, shared by the records that arrive together (group commit); gossip
 * and sync batches are not synced; `ingest.syncAcknowledged: false` turns it off. The index's `put` is watched (its
 * options recorded, the real write done), since an fsync leaves nothing a test can read back.
 */
import { describe, it, afterEach } from 'node:test'
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
import type { PutOptions } from '../../src/index/index.ts'

const CONTENT = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const signer = createSigner(new Uint8Array(randomBytes(32)), nativeCrypto)

function assets (count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => issueRecord('asset', {
    id: `ipfs://${CONTENT}`, mediaType: 'text/plain', byteSize: 1, title: `durable ${i} ${randomBytes(4).toString('hex')}`,
    creators: [{ id: signer.did, share: 10000 }]
  }, { signer, crypto: nativeCrypto }).bytes)
}

describe('durability of acknowledged records', { timeout: 120_000 }, () => {
  let home: string | undefined
  let node: AtelierNode | undefined

  afterEach(async () => {
    await node?.stop()
    if (home != null) await rm(home, { recursive: true, force: true })
  })

  /** A started node whose index records the options of every put */
  async function watched (syncAcknowledged?: boolean): Promise<{ node: AtelierNode, puts: Array<{ records: number, sync: boolean }> }> {
    home = await mkdtemp(join(tmpdir(), 'atelier-durable-'))
    await initHome(home)
    node = new AtelierNode({
      config: resolveConfig(home, {
        http: { port: 0 },
        p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        ...(syncAcknowledged != null ? { ingest: { syncAcknowledged } } : {})
      }),
      logger: silentLogger(),
      processMetrics: false
    })
    await node.start()
    const puts: Array<{ records: number, sync: boolean }> = []
    const index = node.index
    const put = index.put.bind(index)
    index.put = async (records, options?: PutOptions) => {
      puts.push({ records: records.length, sync: options?.sync === true })
      return await put(records, options)
    }
    return { node, puts }
  }

  it('HTTP records are written by synced batches that concurrent records share', async () => {
    const { node, puts } = await watched()
    const out = await Promise.all(assets(64).map(async b => await node.records.ingest(b, { source: 'http' })))
    assert.ok(out.every(o => o.status === 'added'))
    assert.ok(puts.length > 0 && puts.every(p => p.sync), JSON.stringify(puts))
    // group commit: 64 records, far fewer fsyncs
    assert.ok(puts.length <= 8, `${puts.length} batches for 64 concurrent records`)
  })

  it('gossip and sync batches are not synced; the node\'s own records are', async () => {
    const { node, puts } = await watched()
    await Promise.all(assets(16).map(async b => await node.records.ingest(b, { source: 'gossip' })))
    await Promise.all(assets(16).map(async b => await node.records.ingest(b, { source: 'sync' })))
    assert.ok(puts.length > 0 && puts.every(p => !p.sync), JSON.stringify(puts))
    puts.length = 0
    await node.records.issue('attestation', { record: 'bagaaieraxbk5shnqdpbe6gdp4ddkwnfufxllsyd3zjlisimhkqnivkl7yvoq', claim: 'other' })
    assert.deepEqual(puts.map(p => p.sync), [true])
  })

  it('ingest.syncAcknowledged false: nothing is synced', async () => {
    const { node, puts } = await watched(false)
    await Promise.all(assets(16).map(async b => await node.records.ingest(b, { source: 'http' })))
    assert.ok(puts.length > 0 && puts.every(p => !p.sync), JSON.stringify(puts))
  })
})
