/**
 * Private by construction (issue 13 D5): two real nodes connected on loopback; on node A every way out is hooked
 * (libp2p dial, dialProtocol, a connection's newStream, pubsub publish, the global fetch) while A ranks for its
 * creator from a graph of follows, endorsements and works. The ranking answers, and not one call or byte went out.
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

async function startNode (): Promise<{ node: AtelierNode, home: string }> {
  const home = await mkdtemp(join(tmpdir(), 'atelier-discovery-private-'))
  await initHome(home)
  const node = new AtelierNode({
    config: resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } }),
    logger: silentLogger(),
    processMetrics: false
  })
  await node.start()
  return { node, home }
}

describe('a ranking sends nothing', { timeout: 120_000 }, () => {
  let a: { node: AtelierNode, home: string }
  let b: { node: AtelierNode, home: string }

  before(async () => {
    a = await startNode()
    b = await startNode()
    await b.node.store.libp2p.dial(a.node.store.libp2p.getMultiaddrs()[0]!)
  })
  after(async () => {
    for (const r of [a, b]) { if (r != null) { await r.node.stop(); await rm(r.home, { recursive: true, force: true }) } }
  })

  it('ranks from the held graph while every way out of the node is hooked', async () => {
    const alice = createSigner(randomBytes(32), nativeCrypto)
    const bob = createSigner(randomBytes(32), nativeCrypto)
    const work = issueRecord('asset', {
      id: 'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', mediaType: 'image/png', byteSize: 10, title: 'Quay', creators: [{ id: bob.did, share: 10000 }]
    }, { signer: bob, crypto: nativeCrypto })
    const endorsement = issueRecord('attestation', { record: work.cid, claim: 'endorsement' }, { signer: alice, crypto: nativeCrypto })
    for (const r of [work, endorsement]) await a.node.records.ingest(r.bytes, { source: 'import' })
    await a.node.records.issue('follow', { target: alice.did })

    const libp2p = a.node.store.libp2p as any
    const calls: string[] = []
    const saved: Array<() => void> = []
    const hook = (obj: any, name: string, label: string): void => {
      const original = obj[name]
      obj[name] = (...args: unknown[]) => { calls.push(label); return original.apply(obj, args) }
      saved.push(() => { obj[name] = original })
    }
    hook(libp2p, 'dial', 'dial')
    hook(libp2p, 'dialProtocol', 'dialProtocol')
    for (const conn of libp2p.getConnections()) hook(conn, 'newStream', 'newStream')
    if (libp2p.services?.pubsub != null) hook(libp2p.services.pubsub, 'publish', 'publish')
    hook(globalThis, 'fetch', 'fetch')
    const sentBefore = libp2p.getConnections().map((c: any) => c.streams?.length ?? 0)
    let items
    try {
      items = await a.node.discovery.discover({ limit: 10 })
    } finally {
      for (const undo of saved.reverse()) undo()
    }
    assert.equal(items[0]?.record, work.cid)
    assert.ok(items[0]!.reasons.some(r => r.code === 'endorsedByFollowed' && r.via.includes(alice.did)))
    assert.deepEqual(calls, [])
    assert.deepEqual(libp2p.getConnections().map((c: any) => c.streams?.length ?? 0), sentBefore)
    assert.ok(libp2p.getConnections().length > 0, 'the node was connected to a peer throughout')
  })
})
