/**
 * A private collective's gossip topic on a real daemon, fed by a raw libp2p peer (no Atelier node behind it) that
 * holds a member's signing key and the current epoch key (protocols/private-collectives.md §7): a valid record of a
 * kind other than charter, membership and key sent in the clear is rejected and counted (ERR_NOT_SEALED), and the
 * daemon stores nothing of it; the same kind of record sealed to the epoch key is taken; a key record, an open kind,
 * still travels in the clear.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
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
import { issueRecord, nobleCrypto } from '../../src/records/index.ts'
import { readIdentity } from '../../src/identity/index.ts'
import { PrivateTraffic } from '../../src/node/private-traffic.ts'
import { epochSubjects } from '../../src/private/epochs.ts'
import { newEpochKey } from '../../src/private/epoch-keys.ts'

describe('gossip of a private collective from a raw peer', { timeout: 120_000 }, () => {
  let d: TestDaemon
  let raw: Libp2p<{ pubsub: GossipRouter }>

  before(async () => {
    d = await TestDaemon.create('atelier-private-gossip-')
    await d.start()
    const base = buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    raw = await createLibp2p({ ...base, services: { ...base.services, pubsub: gossipsubService() } } as Libp2pOptions<BaseLibp2pServices & { pubsub: GossipRouter }>)
  })

  after(async () => {
    await raw?.stop()
    await d?.destroy()
  })

  it('rejects a member\'s valid record in the clear, counts it, stores nothing; takes the same sealed', async () => {
    const created = await d.api('/v1/collectives', { method: 'POST', json: { name: 'Sealed only', visibility: 'private' } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const collective: string = created.body.id
    const auth = { headers: { authorization: `Bearer ${d.token}` } }
    // epoch 0 (the charter's), wrapped to the founder; the raw peer is handed it as a member's page would be
    const got = await waitFor(async () => { const r = await d.api(`/v1/collectives/${collective}/epochs/0/key`, auth); return r.status === 200 ? r.body : undefined }, 20_000, 'epoch 0')
    const epochKey = new Uint8Array(Buffer.from(got.key, 'base64url'))
    // the founder's own signing key: every record below is one the door counts, so only its wrapping is judged
    const founder = (await readIdentity(d.home)).signer

    const topic = topicOf(collective)
    raw.services.pubsub.subscribe(topic)
    await raw.dial(multiaddr((await d.api('/v1/node')).body.addresses[0]))
    await waitFor(() => raw.services.pubsub.getSubscribers(topic).length > 0 ? true : undefined, 20_000, 'the daemon to be seen on the topic')

    const clear = issueRecord('attestation', { record: collective, claim: 'endorsement', comment: 'sent in the clear' }, { signer: founder, crypto: nobleCrypto, collective })
    await raw.services.pubsub.publish(topic, clear.bytes)
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${d.url}/metrics`)).text()
      return /atelier_gossip_messages_rejected_total\{reason="ERR_NOT_SEALED"\} 1\b/.test(text) ? text : undefined
    }, 20_000, 'the unsealed record to be rejected and counted')
    assert.ok(metrics.length > 0)
    assert.equal((await d.api(`/v1/records/${clear.cid}`)).status, 404, 'nothing of it stored')

    // the honest path: the same kind of record sealed as a member's node seals it
    const traffic = new PrivateTraffic()
    traffic.bind({
      keys: { isPrivate: () => true, current: () => ({ epoch: 0, key: epochKey }), key: () => epochKey, holders: () => [] },
      cardDid: () => undefined
    })
    const sealed = issueRecord('attestation', { record: collective, claim: 'endorsement', comment: 'sent sealed' }, { signer: founder, crypto: nobleCrypto, collective })
    const envelope = traffic.outgoing(collective, sealed)
    assert.ok(envelope != null && !Buffer.from(envelope).includes(Buffer.from('sent sealed')), 'the envelope hides the record')
    await raw.services.pubsub.publish(topic, envelope)
    await waitFor(async () => (await d.api(`/v1/records/${sealed.cid}`)).status === 200 ? true : undefined, 20_000, 'the sealed record to be taken')

    // an open kind still travels in the clear: a rotation's key record, issued by the founder, sent by the raw peer
    const [subject] = epochSubjects(collective, 1, newEpochKey(), [founder.did], { reason: 'rotation' })
    const keyRecord = issueRecord('key', subject!, { signer: founder, crypto: nobleCrypto, collective })
    await raw.services.pubsub.publish(topic, keyRecord.bytes)
    await waitFor(async () => (await d.api(`/v1/records/${keyRecord.cid}`)).status === 200 ? true : undefined, 20_000, 'the key record to be taken in the clear')
    const text = await (await fetch(`${d.url}/metrics`)).text()
    assert.match(text, /atelier_gossip_messages_rejected_total\{reason="ERR_NOT_SEALED"\} 1\b/, 'neither the sealed record nor the key record counted as unsealed')
  })
})
