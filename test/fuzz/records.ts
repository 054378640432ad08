/**
 * Mutated records sent to a real daemon three ways: HTTP (POST /v1/records), gossip (a raw libp2p peer publishing
 * on the collective's topic) and sync (a raw peer speaking /atelier/sync/1.0.0 from protocols/sync.md). Each driver
 * returns what it sent and the CIDs of the records among them that are valid (judged locally by validateRecord):
 * the only records the node may add to its index.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createLibp2p } from 'libp2p'
import type { Libp2pOptions } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { buildLibp2pOptions } from '../../src/net/libp2p-config.ts'
import type { BaseLibp2pServices } from '../../src/net/libp2p-config.ts'
import { gossipsubService, topicOf } from '../../src/net/gossip/index.ts'
import type { GossipRouter } from '../../src/net/gossip/index.ts'
import { FramedStream } from '../../src/net/sync/framing.ts'
import { SYNC_PROTOCOL } from '../../src/net/sync/constants.ts'
import { Reconciler } from '../../src/net/sync/reconcile.ts'
import { createSyncItems } from '../../src/net/sync/items.ts'
import { randomBytes } from 'node:crypto'
import type { Range, SyncMessage } from '../../src/net/sync/codec.ts'
import { judgeBody, judgeBytes, recordCase } from './mutate.ts'
import type { RecordCase } from './mutate.ts'
import type { FuzzTarget } from './target.ts'

export interface Tally {
  sent: number
  /** CIDs of the valid records among those sent */
  valid: Set<string>
  /** HTTP statuses seen, by status */
  statuses: Record<string, number>
  /** HTTP requests sent again after a client-side network error, and why */
  retried: number
  retryCauses: string[]
}

function newTally (): Tally { return { sent: 0, valid: new Set(), statuses: {}, retried: 0, retryCauses: [] } }

/** The cases of one run: deterministic from `seed` */
export function cases (t: FuzzTarget, count: number, seed: number, hugeMax?: number): RecordCase[] {
  return fc.sample(recordCase({ signer: t.signer, collective: t.collective, hugeMax, since: t.since }), { seed, numRuns: count })
}

/**
 * POST each case to /v1/records with the token, as a property: no 5xx, and a 2xx only for a record that is valid,
 * answered with that record's CID. fast-check shrinks a failing case and names its seed and path.
 */
export async function fuzzHttpRecords (t: FuzzTarget, count: number, seed: number): Promise<Tally> {
  const tally = newTally()
  // (a huge string may land in an array the record shares between two members, so half the 1 MiB body limit: a body
  // over the limit is refused before it is read, by design, and the client then sees its write fail)
  await fc.assert(fc.asyncProperty(recordCase({ signer: t.signer, collective: t.collective, hugeMax: 450_000, since: t.since }), async (c) => {
    tally.sent++
    const post = async (): Promise<Response> => await fetch(`${t.d.url}/v1/records`, {
      method: 'POST', body: Buffer.from(c.bytes), headers: { authorization: `Bearer ${t.d.token}`, 'content-type': 'application/json' }, signal: AbortSignal.timeout(20_000)
    })
    // a kept-alive connection the server closed as this request was written fails in the client (EPIPE): once more
    // on a new one, counted
    const res = await post().catch(async (err: Error) => { tally.retried++; tally.retryCauses.push(String((err.cause as any)?.code ?? err.message)); return await post() })
    const body = await res.json() as any
    tally.statuses[res.status] = (tally.statuses[res.status] ?? 0) + 1
    const valid = judgeBody(c.bytes)
    if (valid != null) tally.valid.add(valid.cid)
    assert.ok(res.status < 500, `${c.label}: ${res.status} ${JSON.stringify(body)}`)
    if (res.status < 300) {
      assert.ok(valid != null, `${c.label}: accepted (${res.status}) but invalid`)
      assert.equal(body.cid, valid.cid, c.label)
    } else {
      assert.match(body?.error?.code ?? '', /^ERR_/, `${c.label}: error body ${JSON.stringify(body)}`)
    }
  }), { seed, numRuns: count, endOnFailure: false, interruptAfterTimeLimit: 600_000 })
  return tally
}

type RawPeer = Libp2p<BaseLibp2pServices & { pubsub: GossipRouter }>

async function rawGossipPeer (t: FuzzTarget, topic: string): Promise<RawPeer> {
  const base = buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  const peer = await createLibp2p({ ...base, services: { ...base.services, pubsub: gossipsubService() } } as Libp2pOptions<BaseLibp2pServices & { pubsub: GossipRouter }>)
  peer.services.pubsub.subscribe(topic)
  await peer.dial(multiaddr(t.addrs[0]))
  const deadline = Date.now() + 10_000
  while (peer.services.pubsub.getSubscribers(topic).length === 0) {
    if (Date.now() > deadline) throw new Error('the daemon never showed up on the topic')
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  return peer
}

/**
 * Publish each case on the collective's topic from raw peers. The node scores a peer that sends junk down and
 * hangs up on it, so a peer publishes `perPeer` messages and is replaced (sooner if the node cut it off).
 */
export async function fuzzGossipRecords (t: FuzzTarget, count: number, seed: number, perPeer = 25): Promise<Tally & { peers: number }> {
  const tally = newTally()
  const topic = topicOf(t.collective)
  let peers = 0
  let peer: RawPeer | undefined
  let published = 0
  const all = cases(t, count, seed, 200_000)
  try {
    for (const c of all) {
      if (peer == null || published >= perPeer || peer.services.pubsub.getSubscribers(topic).length === 0) {
        await peer?.stop()
        peer = await rawGossipPeer(t, topic)
        peers++
        published = 0
      }
      const valid = judgeBytes(c.bytes)
      if (valid != null && valid.collective === t.collective) tally.valid.add(valid.cid)
      tally.sent++
      published++
      // an empty message, or a repeat gossipsub saw already, is refused by the sender's own router: fine
      await peer.services.pubsub.publish(topic, c.bytes).catch(() => {})
    }
  } finally {
    await peer?.stop()
  }
  return { ...tally, peers }
}

/** An answer that disagrees with every fingerprint of `theirs` and skips the rest (SKIPs merged, none at the end) */
function disagree (theirs: Range[]): Range[] {
  const out: Range[] = []
  for (const r of theirs) {
    if (r.mode === 'fingerprint') out.push({ upper: r.upper, mode: 'fingerprint', fingerprint: new Uint8Array(randomBytes(16)) })
    else if (out[out.length - 1]?.mode === 'skip') out[out.length - 1].upper = r.upper
    else out.push({ upper: r.upper, mode: 'skip' })
  }
  while (out[out.length - 1]?.mode === 'skip') out.pop()
  return out
}

/** A bare libp2p peer (identify only), for raw sync streams */
export async function rawPeer (): Promise<Libp2p> {
  const base = buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  return await createLibp2p({ ...base, services: { identify: base.services!.identify! } })
}

/** The daemon's peer id, from its first address */
export function daemonPeer (t: FuzzTarget): ReturnType<typeof peerIdFromString> {
  return peerIdFromString(t.addrs[0].split('/p2p/')[1])
}

/**
 * Push the cases as RECORD frames in sync sessions of `perSession`. The client opens with fingerprints of 40
 * made-up items, so the node (holding few records) answers with IDLISTs over the whole order: by protocols/sync.md
 * §3.3 every record the client then sends is one the node asked for, and reaches its ingest. Then the client ends
 * the reconciliation, says DONE and reads until the node closes.
 */
export async function fuzzSyncRecords (t: FuzzTarget, count: number, seed: number, perSession = 50): Promise<Tally & { sessions: number, errors: Record<string, number> }> {
  const tally = newTally()
  const errors: Record<string, number> = {}
  const all = cases(t, count, seed, 60_000)
  const peer = await rawPeer()
  const target = daemonPeer(t)
  let sessions = 0
  const made = createSyncItems(Array.from({ length: 40 }, (_, i) => ({ timestamp: 1_700_000_000_000 + i * 1_000_000, id: new Uint8Array(32).fill(i + 1) })))
  try {
    await peer.dial(multiaddr(t.addrs[0]))
    for (let k = 0; k < all.length; k += perSession) {
      const batch = all.slice(k, k + perSession)
      const stream = await peer.dialProtocol(target, SYNC_PROTOCOL)
      const io = new FramedStream(stream, { idleTimeout: 10_000 })
      const signal = AbortSignal.timeout(30_000)
      sessions++
      try {
        io.send({ type: 'open', scope: t.collective, ranges: new Reconciler(made, {}).initiate() })
        let msg: SyncMessage | null = null
        // until the node lists its ids everywhere: where it splits a range into fingerprints (it holds more than 32
        // there), disagree with each, so it splits further; where it listed, say nothing more (SKIP)
        for (let round = 0; round < 20; round++) {
          msg = await io.read(signal)
          while (msg?.type === 'want' || msg?.type === 'record') msg = await io.read(signal)
          if (msg?.type !== 'reconcile') break
          const theirs = (msg as { ranges: Range[] }).ranges
          if (!theirs.some(r => r.mode === 'fingerprint')) break
          io.send({ type: 'reconcile', ranges: disagree(theirs) })
        }
        if (msg?.type !== 'reconcile') { errors[msg?.type ?? 'closed'] = (errors[msg?.type ?? 'closed'] ?? 0) + 1; continue }
        for (const c of batch) {
          if (c.bytes.length === 0) continue
          const valid = judgeBytes(c.bytes)
          if (valid != null && valid.collective === t.collective) tally.valid.add(valid.cid)
          tally.sent++
          await io.write({ type: 'record', bytes: c.bytes }, signal)
        }
        // our turn, unless the node's last answer ended the reconciliation already
        if ((msg as { ranges: Range[] }).ranges.length > 0) io.send({ type: 'reconcile', ranges: [] })
        io.send({ type: 'done' })
        for (;;) {
          msg = await io.read(signal)
          if (msg == null) break
          if (msg.type === 'error') { errors[`error ${(msg as any).code}`] = (errors[`error ${(msg as any).code}`] ?? 0) + 1; break }
        }
      } finally {
        io.abort(new Error('session over'))
      }
    }
  } finally {
    await peer.stop()
  }
  return { ...tally, sessions, errors }
}
