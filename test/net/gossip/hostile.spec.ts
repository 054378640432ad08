/**
 * Hostile and failing peers, against an honest node that validates with validateRecord: a RAW peer (plain
 * gossipsub, no validator) publishing garbage and tampered records loses score, drops below zero, and is disconnected
 * once below the graylist threshold; oversized messages and frames are dropped before the validator; a validator that
 * throws or stalls costs the sender nothing unless the error says the record is bad.
 */
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { BusyError, InvalidRecordError } from '../../../src/errors.ts'
import { SCORE_THRESHOLDS, topicOf } from '../../../src/net/gossip/index.ts'
import type { GossipVerdictEvent, Verdict } from '../../../src/net/gossip/index.ts'
import {
  charterCid, connect, newSigner, recordingValidator, signedRecord, startPeer, startRawNode, stopAll, tampered, waitFor
} from './helpers.ts'
import type { Peer, RawNode } from './helpers.ts'

/** Connect a raw node to an honest one on `collective` and wait until each knows the other subscribes */
async function rawJoins (raw: RawNode, honest: Peer, collective: string): Promise<string> {
  const topic = topicOf(collective)
  raw.services.pubsub.subscribe(topic)
  await connect(raw, honest.libp2p)
  await waitFor(() => raw.services.pubsub.getSubscribers(topic).some(p => p.equals(honest.libp2p.peerId)), 'the raw node to see the honest subscriber')
  await waitFor(() => honest.gossip.subscribers(collective).some(p => p.equals(raw.peerId)), 'the honest node to see the raw subscriber')
  return topic
}

/** Verdict events of a channel, collected */
function verdicts (peer: Peer): GossipVerdictEvent[] {
  const events: GossipVerdictEvent[] = []
  for (const name of ['accepted', 'rejected', 'ignored'] as const) peer.gossip.on(name, (event) => { events.push(event) })
  return events
}

/** The invalid-delivery counter gossipsub keeps for `peer` on `topic` (decays by 1 % a second) */
function invalidDeliveries (honest: Peer, peer: RawNode, topic: string): number {
  const dump = (honest.libp2p.services.pubsub as any).dumpPeerScoreStats() as Record<string, { topics: Record<string, { invalidMessageDeliveries: number }> }>
  return dump[peer.peerId.toString()]?.topics[topic]?.invalidMessageDeliveries ?? 0
}

describe('a raw peer publishing garbage', () => {
  const collective = charterCid('hostile')
  let honest: Peer
  let raw: RawNode
  let topic: string
  const validator = recordingValidator()
  let events: GossipVerdictEvent[]
  const disconnected: string[] = []

  before(async () => {
    [honest, raw] = await Promise.all([startPeer(), startRawNode()])
    honest.gossip.join(collective, validator.validate)
    events = verdicts(honest)
    honest.gossip.on('peer:disconnected', ({ peer }) => { disconnected.push(peer.toString()) })
    topic = await rawJoins(raw, honest, collective)
  })

  after(async () => { await stopAll(honest, raw) })

  it('accepts a valid record from it like from anyone', async () => {
    const record = signedRecord(newSigner(), 1)
    await raw.services.pubsub.publish(topic, record.bytes)
    await waitFor(() => validator.cids.includes(record.cid), 'the valid record at the honest node')
    assert.ok(honest.gossip.score(raw.peerId) >= 0)
  })

  it('rejects garbage and a tampered record, and its score falls below zero', async () => {
    await raw.services.pubsub.publish(topic, randomBytes(200))
    await raw.services.pubsub.publish(topic, tampered(signedRecord(newSigner(), 2)))
    await waitFor(() => events.filter(e => e.verdict === 'reject').length >= 2, 'two rejections')
    const reasons = events.filter(e => e.verdict === 'reject').map(e => e.reason).sort()
    assert.deepEqual(reasons, ['ERR_INVALID_SIGNATURE', 'ERR_MALFORMED_JSON'])
    assert.ok(events.filter(e => e.verdict === 'reject').every(e => e.from.equals(raw.peerId)))
    // scores are cached for one heartbeat: poll
    const score = await waitFor(() => { const s = honest.gossip.score(raw.peerId); return s < 0 ? s : undefined }, 'a negative score')
    assert.ok(score < 0, `score ${score}`)
    assert.equal(disconnected.length, 0, 'two strikes are not enough to be disconnected')
    assert.ok(honest.libp2p.getConnections(raw.peerId).length > 0)
  })

  it('is disconnected once its score is below the graylist threshold', async () => {
    for (let i = 0; i < 3; i++) await raw.services.pubsub.publish(topic, randomBytes(200))
    await waitFor(() => disconnected.includes(raw.peerId.toString()), 'the honest node to disconnect the raw peer')
    assert.ok(honest.gossip.score(raw.peerId) < SCORE_THRESHOLDS.graylistThreshold)
    await waitFor(() => honest.libp2p.getConnections(raw.peerId).length === 0, 'the connection to close')
    assert.equal(honest.gossip.stats().disconnected, 1)
    assert.ok(honest.gossip.stats().rejected >= 5)
  })
})

describe('oversized messages', () => {
  const collective = charterCid('big')
  let honest: Peer
  let raw: RawNode
  let topic: string
  const calls: number[] = []
  let events: GossipVerdictEvent[]

  before(async () => {
    [honest, raw] = await Promise.all([startPeer({ service: { maxRpcBytes: 256 * 1024 } }), startRawNode()])
    honest.gossip.join(collective, async (data) => { calls.push(data.byteLength); return 'accept' })
    events = verdicts(honest)
    topic = await rawJoins(raw, honest, collective)
  })

  after(async () => { await stopAll(honest, raw) })

  it('a message over the record size limit is rejected before the validator runs', async () => {
    await raw.services.pubsub.publish(topic, randomBytes(65_537))
    const event = await waitFor(() => events.find(e => e.verdict === 'reject'), 'the rejection')
    assert.equal(event.reason, 'too-large')
    assert.equal(event.size, 65_537)
    assert.equal(calls.length, 0, 'the validator never saw it')
    // one of exactly the limit is the validator's to judge
    await raw.services.pubsub.publish(topic, randomBytes(65_536))
    await waitFor(() => calls.includes(65_536), 'a message of exactly the limit at the validator')
  })

  it('a frame over maxRpcBytes is dropped unread and ends the sender\'s gossip stream', async () => {
    const before = honest.gossip.stats().received
    await raw.services.pubsub.publish(topic, randomBytes(300 * 1024))
    await waitFor(() => !honest.libp2p.services.pubsub.getPeers().some(p => p.equals(raw.peerId)), 'the honest router to drop the raw peer')
    assert.equal(honest.gossip.stats().received, before, 'nothing reached validation')
    assert.equal(calls.some(n => n > 65_536), false)
  })
})

describe('validator failures', () => {
  const collective = charterCid('failures')
  let honest: Peer
  let raw: RawNode
  let topic: string
  let events: GossipVerdictEvent[]

  /** The first byte of each test message says how the validator behaves */
  const behaviours: Record<number, () => Promise<Verdict>> = {
    1: async () => { throw new Error('disk on fire') },
    2: async () => { throw new BusyError('queue full') },
    3: async () => await new Promise<Verdict>(() => {}),
    4: async () => 'ignore',
    5: async () => { throw new InvalidRecordError('bad record') },
    6: async () => 'nonsense' as Verdict
  }

  before(async () => {
    [honest, raw] = await Promise.all([startPeer({ channel: { validateTimeoutMs: 300 } }), startRawNode()])
    honest.gossip.join(collective, async (data) => await (behaviours[data[0]] ?? (async () => 'accept' as const))())
    events = verdicts(honest)
    topic = await rawJoins(raw, honest, collective)
  })

  after(async () => { await stopAll(honest, raw) })

  it('maps throws, stalls and odd answers to ignore, and only bad-input errors to reject', async () => {
    for (const kind of [1, 2, 3, 4, 5, 6]) {
      await raw.services.pubsub.publish(topic, Uint8Array.from([kind, ...randomBytes(16)]))
    }
    await waitFor(() => events.length === 6 && events, 'six verdicts')
    const byReason = Object.fromEntries(events.map(e => [e.reason, e.verdict]))
    assert.deepEqual(byReason, {
      error: 'ignore',
      ERR_BUSY: 'ignore',
      timeout: 'ignore',
      validator: 'ignore',
      ERR_INVALID_RECORD: 'reject',
      'bad-verdict': 'ignore'
    })
    assert.equal(Math.round(invalidDeliveries(honest, raw, topic)), 1, 'only the rejected message counted against the sender')
    assert.deepEqual(honest.gossip.stats(), { received: 6, accepted: 0, rejected: 1, ignored: 5, published: 0, disconnected: 0 })
  })
})
