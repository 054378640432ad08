/**
 * The pure parts of gossip: topic names, message ids, the gossipsub options we chose, score parameters and the
 * connection monitor settings in buildLibp2pOptions. No sockets.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CID } from 'multiformats/cid'
import { CONNECTION_MONITOR, buildLibp2pOptions } from '../../../src/net/libp2p-config.ts'
import {
  MAX_MESSAGE_BYTES, MAX_RPC_BYTES, SCORE_THRESHOLDS, TOPIC_SCORE, collectiveOfTopic, fastMessageId, gossipsubOptions,
  messageId, peerScoreParams, peerScoreThresholds, topicOf, topicScoreParams
} from '../../../src/net/gossip/index.ts'
import { asGossipRouter } from '../../../src/net/gossip/service.ts'
import { DEFAULT_MAX_RECORD_BYTES } from '../../../src/records/index.ts'
import { charterCid, newSigner, signedRecord } from './helpers.ts'

describe('topic names', () => {
  const cid = charterCid()

  it('are /atelier/collective/<charter CID>/1, and map back to the CID', () => {
    assert.equal(topicOf(cid), `/atelier/collective/${cid}/1`)
    assert.equal(collectiveOfTopic(topicOf(cid)), cid)
  })

  it('collectiveOfTopic refuses other topics', () => {
    for (const topic of [
      `/atelier/collective/${cid}/2`,
      `/other/collective/${cid}/1`,
      `/atelier/asset/${cid}/1`,
      `/atelier/collective/${cid.toUpperCase()}/1`,
      '/atelier/collective/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy/1', // raw codec, not a record
      `/atelier/collective/${cid}/1/extra`,
      `atelier/collective/${cid}/1`,
      ''
    ]) assert.equal(collectiveOfTopic(topic), undefined, topic)
  })
})

describe('message ids', () => {
  it('are the SHA-256 digest inside the record CID, and the fast id is the same digest', () => {
    const record = signedRecord(newSigner(), 1)
    const id = messageId({ data: record.bytes })
    assert.deepEqual(id, CID.parse(record.cid).multihash.digest)
    assert.equal(fastMessageId({ data: record.bytes }), Buffer.from(id).toString('base64'))
  })

  it('are equal for equal bytes and differ otherwise', () => {
    const a = new TextEncoder().encode('{"a":1}')
    assert.deepEqual(messageId({ data: a }), messageId({ data: a.slice() }))
    assert.notDeepEqual(messageId({ data: a }), messageId({ data: new TextEncoder().encode('{"a":2}') }))
    assert.equal(fastMessageId({}), fastMessageId({ data: new Uint8Array(0) }))
  })
})

describe('gossipsub options', () => {
  const opts = gossipsubOptions()

  it('are chosen on purpose', () => {
    assert.equal(opts.globalSignaturePolicy, 'StrictNoSign')
    assert.equal(opts.msgIdFn, messageId)
    assert.equal(opts.fastMsgIdFn, fastMessageId)
    assert.equal(opts.allowPublishToZeroTopicPeers, true)
    assert.equal(opts.ignoreDuplicatePublishError, true)
    assert.equal(opts.floodPublish, false)
    assert.equal(opts.fallbackToFloodsub, false)
    assert.equal(opts.doPX, false)
    assert.deepEqual(opts.directPeers, [])
    assert.equal(opts.maxInboundDataLength, MAX_RPC_BYTES)
    assert.equal(opts.heartbeatInterval, 1000)
    assert.equal(opts.scoreThresholds?.acceptPXThreshold, Number.POSITIVE_INFINITY, 'peer exchange is never accepted')
    assert.deepEqual(opts.scoreParams?.topics, {}, 'topics are listed when joined')
  })

  it('cap messages at the record size limit, and frames well above it', () => {
    assert.equal(MAX_MESSAGE_BYTES, DEFAULT_MAX_RECORD_BYTES)
    assert.ok(MAX_RPC_BYTES >= 16 * MAX_MESSAGE_BYTES)
  })

  it('take overrides', () => {
    const o = gossipsubOptions({ maxRpcBytes: 1024, heartbeatIntervalMs: 500, floodPublish: true, scoreThresholds: { graylistThreshold: -100 } })
    assert.equal(o.maxInboundDataLength, 1024)
    assert.equal(o.heartbeatInterval, 500)
    assert.equal(o.floodPublish, true)
    assert.equal(o.scoreThresholds?.graylistThreshold, -100)
    assert.equal(o.scoreThresholds?.gossipThreshold, SCORE_THRESHOLDS.gossipThreshold)
  })
})

describe('score parameters', () => {
  it('make three invalid messages from a fresh peer cross the graylist threshold, and two not', () => {
    const p = topicScoreParams()
    const cost = (n: number): number => n * n * p.invalidMessageDeliveriesWeight * p.topicWeight
    const t = peerScoreThresholds()
    assert.ok(cost(1) < 0)
    assert.ok(cost(2) > t.graylistThreshold)
    assert.ok(cost(3) < t.graylistThreshold)
    // even with the most credit a peer can earn, four are enough
    assert.ok(peerScoreParams().topicScoreCap + cost(4) < t.graylistThreshold)
  })

  it('leave quiet honest peers alone: mesh delivery penalties are off', () => {
    const p = topicScoreParams()
    assert.equal(p.meshMessageDeliveriesWeight, 0)
    assert.equal(p.meshFailurePenaltyWeight, 0)
    assert.equal(p.invalidMessageDeliveriesWeight, TOPIC_SCORE.invalidMessageDeliveriesWeight)
  })

  it('are checked by gossipsub\'s rules, failing as ConfigError', () => {
    assert.throws(() => topicScoreParams({ invalidMessageDeliveriesWeight: 1 }), { name: 'ConfigError', code: 'ERR_CONFIG' })
    assert.throws(() => peerScoreThresholds({ graylistThreshold: 5 }), { name: 'ConfigError' })
    assert.ok(peerScoreParams().IPColocationFactorWhitelist.has('127.0.0.1'))
  })
})

describe('the router check', () => {
  it('refuses a pubsub service that lacks what the channel reads', () => {
    assert.throws(() => asGossipRouter({ getScore: () => 0 }), { name: 'ConfigError' })
    assert.throws(() => asGossipRouter(undefined), { name: 'ConfigError' })
  })
})

describe('connection monitor', () => {
  it('buildLibp2pOptions sets ours by default: on, pings failing after at least 60 s close the connection', async () => {
    const options = buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
    assert.deepEqual(options.connectionMonitor, {
      enabled: true,
      pingInterval: 10_000,
      pingTimeout: { minTimeout: 60_000, maxTimeout: 120_000 },
      abortConnectionOnPingFailure: true
    })
    assert.deepEqual(options.connectionMonitor, CONNECTION_MONITOR)
    assert.notEqual(options.connectionMonitor, CONNECTION_MONITOR, 'a copy: libp2p may not write into our constant')
  })

  it('takes other settings whole', async () => {
    const options = buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: [], connectionMonitor: { enabled: false } })
    assert.deepEqual(options.connectionMonitor, { enabled: false })
  })
})
