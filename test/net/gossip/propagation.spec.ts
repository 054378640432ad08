/**
 * Propagation over real libp2p nodes on 127.0.0.1, three in a line A–B–C (A and C never connect): accepted records
 * travel through B, a record B rejects stops at B, a record is delivered once however often it is published, and a
 * lone node publishes without error.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { NotJoinedError } from '../../../src/net/gossip/index.ts'
import type { GossipVerdictEvent } from '../../../src/net/gossip/index.ts'
import {
  charterCid, connect, newSigner, recordingValidator, signedRecord, startPeer, stopAll, tampered, waitFor, waitForMesh
} from './helpers.ts'
import type { Peer } from './helpers.ts'

describe('gossip in a line A–B–C', () => {
  const collective = charterCid('line')
  const signer = newSigner()
  let a: Peer, b: Peer, c: Peer
  const validators = { a: recordingValidator(), b: recordingValidator(), c: recordingValidator() }
  const rejectedAtB: GossipVerdictEvent[] = []

  before(async () => {
    [a, b, c] = await Promise.all([startPeer(), startPeer(), startPeer()])
    a.gossip.join(collective, validators.a.validate)
    b.gossip.join(collective, validators.b.validate)
    c.gossip.join(collective, validators.c.validate)
    b.gossip.on('rejected', (event) => { rejectedAtB.push(event) })
    await connect(a.libp2p, b.libp2p)
    await connect(b.libp2p, c.libp2p)
    await waitForMesh(a, collective, b)
    await waitForMesh(b, collective, a, c)
    await waitForMesh(c, collective, b)
  })

  after(async () => { await stopAll(a, b, c) })

  it('A and C are not connected to each other', () => {
    assert.equal(a.libp2p.getConnections(c.libp2p.peerId).length, 0)
  })

  it('a record published on A reaches C through B, validated on the way', async () => {
    const record = signedRecord(signer, 1)
    const { recipients } = await a.gossip.publish(collective, record.bytes)
    assert.equal(recipients, 1, 'A sends to its one mesh peer, B')
    await waitFor(() => validators.c.cids.includes(record.cid), 'the record at C')
    assert.ok(validators.b.cids.includes(record.cid), 'B validated it before forwarding')
    assert.ok(Buffer.from(record.bytes).equals(validators.c.seen.at(-1) ?? new Uint8Array()), 'C got the exact bytes')
    assert.equal(validators.a.cids.includes(record.cid), false, 'the publisher does not validate its own message')
    assert.ok(c.gossip.stats().accepted >= 1)
  })

  it('a record B rejects is not forwarded to C', async () => {
    const bad = tampered(signedRecord(signer, 2))
    const rejectedBefore = rejectedAtB.length
    await a.gossip.publish(collective, bad)
    const event = await waitFor(() => rejectedAtB.length > rejectedBefore && rejectedAtB.at(-1), 'B to reject the record')
    assert.equal(event.reason, 'ERR_INVALID_SIGNATURE', 'validateRecord threw InvalidSignatureError, counted as a reject')
    assert.equal(event.from.toString(), a.libp2p.peerId.toString())
    // a record published after it, on the same path, arrives at C; the rejected one never did
    const good = signedRecord(signer, 3)
    await a.gossip.publish(collective, good.bytes)
    await waitFor(() => validators.c.cids.includes(good.cid), 'the next record at C')
    const badText = Buffer.from(bad).toString()
    assert.equal(validators.c.seen.some(s => Buffer.from(s).toString() === badText), false)
    assert.ok(a.gossip.score(b.libp2p.peerId) >= 0, 'A holds nothing against B')
  })

  it('a record is delivered once, however many times and by whomever it is published', async () => {
    const record = signedRecord(signer, 4)
    const first = await a.gossip.publish(collective, record.bytes)
    assert.equal(first.recipients, 1)
    const again = await a.gossip.publish(collective, record.bytes)
    assert.equal(again.recipients, 0, 'a repeat publish is a no-op, not an error')
    // C publishes the same bytes on its own (say it got them over HTTP before gossip brought them)
    await waitFor(() => validators.c.cids.includes(record.cid), 'the record at C')
    const fromC = await c.gossip.publish(collective, record.bytes)
    assert.equal(fromC.recipients, 0, 'C has seen it: nothing is sent')
    // a record published after the copies marks the point where every copy has arrived
    const sentinel = signedRecord(signer, 5)
    await a.gossip.publish(collective, sentinel.bytes)
    await waitFor(() => validators.c.cids.includes(sentinel.cid), 'the sentinel at C')
    assert.equal(validators.c.cids.filter(cid => cid === record.cid).length, 1, 'validated (and delivered) once at C')
    assert.equal(validators.b.cids.filter(cid => cid === record.cid).length, 1, 'validated once at B')
  })

  it('reports mesh peers, subscribers and scores', () => {
    const ids = (peers: Array<{ toString: () => string }>): string[] => peers.map(p => p.toString()).sort()
    assert.deepEqual(ids(b.gossip.meshPeers(collective)), ids([a.libp2p.peerId, c.libp2p.peerId]))
    assert.deepEqual(ids(b.gossip.subscribers(collective)), ids([a.libp2p.peerId, c.libp2p.peerId]))
    assert.deepEqual(b.gossip.collectives(), [collective])
    assert.equal(typeof b.gossip.score(a.libp2p.peerId), 'number')
  })
})

describe('before libp2p starts', () => {
  it('join fails with NotReadyError and leaves nothing behind', async () => {
    const peer = await startPeer()
    try {
      await peer.libp2p.stop()
      const collective = charterCid('too early')
      assert.throws(() => { peer.gossip.join(collective, async () => 'accept') }, { name: 'NotReadyError' })
      assert.deepEqual(peer.gossip.collectives(), [])
      assert.equal(peer.libp2p.services.pubsub.topicValidators.size, 0)
      assert.deepEqual(Object.keys(peer.libp2p.services.pubsub.score.params.topics), [])
    } finally {
      await stopAll(peer)
    }
  })

  it('a stopped channel refuses to join and publish', async () => {
    const peer = await startPeer()
    try {
      peer.gossip.stop()
      const collective = charterCid('stopped')
      assert.throws(() => { peer.gossip.join(collective, async () => 'accept') }, { name: 'NotReadyError' })
      await assert.rejects(peer.gossip.publish(collective, new Uint8Array([1])), { name: 'NotReadyError' })
    } finally {
      await stopAll(peer)
    }
  })
})

describe('a lone node', () => {
  let lone: Peer
  before(async () => { lone = await startPeer() })
  after(async () => { await stopAll(lone) })

  it('publishes to a collective nobody else follows without error', async () => {
    const collective = charterCid('lonely')
    lone.gossip.join(collective, async () => 'accept')
    const record = signedRecord(newSigner(), 1)
    assert.deepEqual(await lone.gossip.publish(collective, record.bytes), { recipients: 0 })
    assert.deepEqual(await lone.gossip.publish(collective, record.bytes), { recipients: 0 }, 'and again')
    assert.equal(lone.gossip.stats().published, 2)
  })

  it('refuses to publish to a collective it has not joined, or left', async () => {
    const collective = charterCid('elsewhere')
    const bytes = signedRecord(newSigner(), 2).bytes
    await assert.rejects(lone.gossip.publish(collective, bytes), (err: any) => err.name === NotJoinedError.name && err.code === 'ERR_NOT_JOINED')
    lone.gossip.join(collective, async () => 'accept')
    lone.gossip.leave(collective)
    lone.gossip.leave(collective)
    await assert.rejects(lone.gossip.publish(collective, bytes), { name: 'NotJoinedError' })
    assert.equal(lone.libp2p.services.pubsub.getTopics().includes(`/atelier/collective/${collective}/1`), false)
    assert.equal(lone.libp2p.services.pubsub.score.params.topics[`/atelier/collective/${collective}/1`], undefined)
  })

  it('refuses a message over the size cap, and a charter CID that is not a canonical record CID', async () => {
    const collective = charterCid('caps')
    lone.gossip.join(collective, async () => 'accept')
    await assert.rejects(lone.gossip.publish(collective, new Uint8Array(65_537)), { name: 'TooLargeError', code: 'ERR_TOO_LARGE' })
    assert.throws(() => { lone.gossip.join('not-a-cid', async () => 'accept') }, { name: 'InvalidCIDError' })
    assert.throws(() => { lone.gossip.join(collective.toUpperCase(), async () => 'accept') }, { name: 'InvalidCIDError' })
  })
})
