/**
 * A raw libp2p peer (no Atelier node behind it) joins a collective's gossip topic on a real daemon and sends a
 * tampered record: the daemon rejects it, stores nothing, and the peer's gossip score falls below zero.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import type { Libp2pOptions } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { TestDaemon, waitFor } from './harness.ts'
import { buildLibp2pOptions } from '../../src/net/libp2p-config.ts'
import type { BaseLibp2pServices } from '../../src/net/libp2p-config.ts'
import { gossipsubService, topicOf } from '../../src/net/gossip/index.ts'
import type { GossipRouter } from '../../src/net/gossip/index.ts'
import { createSigner, issueRecord, nobleCrypto } from '../../src/records/index.ts'

describe('gossip from a hostile peer', { timeout: 120_000 }, () => {
  let d: TestDaemon
  let raw: Libp2p<{ pubsub: GossipRouter }>
  let collective: string

  before(async () => {
    d = await TestDaemon.create('atelier-attack-')
    await d.start()
    const base = buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    const options = { ...base, services: { ...base.services, pubsub: gossipsubService() } } as Libp2pOptions<BaseLibp2pServices & { pubsub: GossipRouter }>
    raw = await createLibp2p(options)
  })

  after(async () => {
    await raw?.stop()
    await d?.destroy()
  })

  it('rejects a tampered record, stores nothing, and the sender\'s score falls', async () => {
    const created = await d.api('/v1/collectives', { method: 'POST', json: { name: 'Guarded' } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    collective = created.body.id
    const did = (await d.api('/v1/node')).body.did
    const addrs: string[] = (await d.api('/v1/node')).body.addresses
    const topic = topicOf(collective)

    raw.services.pubsub.subscribe(topic)
    await raw.dial(multiaddr(addrs[0]))
    await waitFor(() => raw.services.pubsub.getSubscribers(topic).length > 0 ? true : undefined, 20_000, 'the daemon to be seen on the topic')

    // a record of a real member, signed, then altered after signing
    const member = createSigner(new Uint8Array(randomBytes(32)), nobleCrypto)
    const good = issueRecord('attestation', { record: collective, claim: 'endorsement' }, { signer: member, crypto: nobleCrypto, collective })
    const tampered = JSON.parse(new TextDecoder().decode(good.bytes))
    tampered.credentialSubject.comment = 'altered in transit'
    const before = (await d.api(`/v1/collectives/${collective}/digest`)).body

    for (let i = 0; i < 5; i++) {
      tampered.credentialSubject.comment = `altered in transit ${i}`
      await raw.services.pubsub.publish(topic, new TextEncoder().encode(JSON.stringify(tampered)))
    }
    await raw.services.pubsub.publish(topic, new TextEncoder().encode('not even json'))

    const rawId = raw.peerId.toString()
    const score = await waitFor(async () => {
      const peers = (await d.api('/v1/peers')).body.items as Array<{ peerId: string, score?: number }>
      const p = peers.find(x => x.peerId === rawId)
      if (p == null) return -Infinity // already disconnected for its score
      return p.score != null && p.score < 0 ? p.score : undefined
    }, 20_000, 'the hostile peer\'s score to fall below zero')
    assert.ok(score < 0)

    const metrics = await (await fetch(`${d.url}/metrics`)).text()
    assert.match(metrics, /atelier_records_rejected_total\{source="gossip",code="ERR_INVALID_SIGNATURE"\} [1-9]/)
    assert.deepEqual((await d.api(`/v1/collectives/${collective}/digest`)).body, before)
    assert.equal((await d.api(`/v1/records/${good.cid}`)).status, 404)
    assert.equal((await d.api('/healthz')).status, 200)
    assert.ok(did.startsWith('did:key:'))
  })
  it('rejects valid records that name another collective or none (score falls), and ignores an outsider\'s valid records without relaying or counting them', async () => {
    const base = buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    const fresh = await createLibp2p({ ...base, services: { ...base.services, pubsub: gossipsubService() } } as Libp2pOptions<BaseLibp2pServices & { pubsub: GossipRouter }>)
    try {
      const other = (await d.api('/v1/collectives', { method: 'POST', json: { name: 'Elsewhere' } })).body.id
      const target = (await d.api('/v1/collectives', { method: 'POST', json: { name: 'Scoped' } })).body.id
      const addrs: string[] = (await d.api('/v1/node')).body.addresses
      const topic = topicOf(target)
      fresh.services.pubsub.subscribe(topic)
      await fresh.dial(multiaddr(addrs[0]))
      await waitFor(() => fresh.services.pubsub.getSubscribers(topic).length > 0 ? true : undefined, 20_000, 'the daemon to be seen on the topic')
      const before = (await d.api(`/v1/collectives/${target}/digest`)).body

      const stranger = createSigner(new Uint8Array(randomBytes(32)), nobleCrypto)
      // an outsider's valid record of this collective: not counted, not relayed, no penalty (an honest relay may know more)
      const outsider = issueRecord('attestation', { record: target, claim: 'endorsement' }, { signer: stranger, crypto: nobleCrypto, collective: target })
      await fresh.services.pubsub.publish(topic, outsider.bytes)
      // valid, signed records carried on the wrong topic: the sender's fault
      for (let i = 0; i < 5; i++) {
        const misfiled = issueRecord('attestation', { record: other, claim: 'other', comment: `misfiled ${i}` }, { signer: stranger, crypto: nobleCrypto, collective: other })
        await fresh.services.pubsub.publish(topic, misfiled.bytes)
        const loose = issueRecord('attestation', { record: other, claim: 'other', comment: `no collective ${i}` }, { signer: stranger, crypto: nobleCrypto })
        await fresh.services.pubsub.publish(topic, loose.bytes)
      }
      const id = fresh.peerId.toString()
      const score = await waitFor(async () => {
        const p = ((await d.api('/v1/peers')).body.items as Array<{ peerId: string, score?: number }>).find(x => x.peerId === id)
        if (p == null) return -Infinity
        return p.score != null && p.score < 0 ? p.score : undefined
      }, 20_000, 'the misfiling peer\'s score to fall below zero')
      assert.ok(score < 0)
      const metrics = await (await fetch(`${d.url}/metrics`)).text()
      assert.match(metrics, /atelier_records_rejected_total\{source="gossip",code="ERR_INVALID_RECORD"\} [1-9]/)
      assert.deepEqual((await d.api(`/v1/collectives/${target}/digest`)).body, before, 'nothing counted')
      assert.equal((await d.api(`/v1/records/${outsider.cid}`)).status, 404)
    } finally {
      await fresh.stop()
    }
  })
})
