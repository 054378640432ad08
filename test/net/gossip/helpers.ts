/**
 * Helpers of the gossip tests: real libp2p nodes on 127.0.0.1 (port 0) built from buildLibp2pOptions, with our
 * gossipsub service and channel, or a RAW node running plain gossipsub (no validator, no scoring of ours) that plays
 * the hostile peer. Signed records from src/records. Every wait has a deadline.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { gossipsub } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import type { Libp2pOptions, ServiceFactoryMap } from 'libp2p'
import { buildLibp2pOptions } from '../../../src/net/libp2p-config.ts'
import type { BaseLibp2pServices } from '../../../src/net/libp2p-config.ts'
import { createGossipChannel, gossipsubService } from '../../../src/net/gossip/index.ts'
import type { GossipChannel, GossipInit, GossipRouter, GossipServiceInit, ValidateFn } from '../../../src/net/gossip/index.ts'
import { nativeCrypto } from '../../../src/identity/ed25519-native.ts'
import { createSigner, generateSeed, issueRecord, recordCidString, validateRecord } from '../../../src/records/index.ts'
import type { Signer, ValidRecord } from '../../../src/records/index.ts'

export const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

export type GossipNode = Libp2p<BaseLibp2pServices & { pubsub: GossipRouter }>
export type RawNode = Libp2p<BaseLibp2pServices & { pubsub: GossipSub }>

export interface Peer {
  libp2p: GossipNode
  gossip: GossipChannel
}

/** buildLibp2pOptions for a fresh key on loopback, with its identify factory (gossipsub needs identify) */
async function baseOptions (): Promise<{ base: Libp2pOptions<BaseLibp2pServices>, identify: NonNullable<ServiceFactoryMap<BaseLibp2pServices>['identify']> }> {
  const base = buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: LOOPBACK })
  const identify = base.services?.identify
  if (identify == null) throw new Error('buildLibp2pOptions provides no identify service')
  return { base, identify }
}

/** A started node with our gossipsub service and a started channel */
export async function startPeer (options: { service?: GossipServiceInit, channel?: GossipInit } = {}): Promise<Peer> {
  const { base, identify } = await baseOptions()
  const libp2p = await createLibp2p<BaseLibp2pServices & { pubsub: GossipRouter }>({
    ...base,
    services: { identify, pubsub: gossipsubService(options.service) }
  })
  const gossip = createGossipChannel(libp2p, options.channel)
  gossip.start()
  return { libp2p, gossip }
}

/**
 * A started RAW node: plain gossipsub as another implementation might run it, unsigned messages (so ours accept the
 * frames and our validator sees the data), no validator, flood publishing (it reaches every subscriber it knows).
 */
export async function startRawNode (): Promise<RawNode> {
  const { base, identify } = await baseOptions()
  return await createLibp2p<BaseLibp2pServices & { pubsub: GossipSub }>({
    ...base,
    services: {
      identify,
      pubsub: gossipsub({ globalSignaturePolicy: 'StrictNoSign', allowPublishToZeroTopicPeers: true, floodPublish: true, fallbackToFloodsub: false })
    }
  })
}

/** Stop the channel (if any) and the node; never throws, so one failure does not hide another */
export async function stopAll (...nodes: Array<Peer | RawNode | undefined>): Promise<void> {
  await Promise.all(nodes.map(async (n) => {
    if (n == null) return
    try {
      if ('gossip' in n) {
        n.gossip.stop()
        await n.libp2p.stop()
      } else {
        await n.stop()
      }
    } catch {}
  }))
}

/** Dial `to` from `from` over loopback */
export async function connect (from: Libp2p, to: Libp2p): Promise<void> {
  await from.dial(to.getMultiaddrs()[0])
}

/** Resolve with `fn()`'s first truthy value; fail after `ms` */
export async function waitFor<T> (fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const value = await fn()
    if (value !== undefined && value !== false) return value
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`)
}

/** Wait until `peer`'s mesh for `charterCid` holds every one of `others` */
export async function waitForMesh (peer: Peer, charterCid: string, ...others: Array<Peer | RawNode>): Promise<void> {
  const want = others.map(o => ('gossip' in o ? o.libp2p : o).peerId.toString())
  await waitFor(() => {
    const mesh = new Set(peer.gossip.meshPeers(charterCid).map(p => p.toString()))
    return want.every(id => mesh.has(id))
  }, `mesh of ${peer.libp2p.peerId.toString()} to hold ${want.join(', ')}`)
}

/** A fresh author */
export function newSigner (): Signer {
  return createSigner(generateSeed(), nativeCrypto)
}

const utf8 = new TextEncoder()

/** A signed attestation about a made-up record CID; `n` makes it distinct */
export function signedRecord (signer: Signer, n: number): ValidRecord {
  const about = recordCidString(utf8.encode(`record ${n}`), nativeCrypto)
  return issueRecord('attestation', { record: about, claim: 'endorsement' }, { signer, crypto: nativeCrypto })
}

/** A charter CID for a test collective (any record CID names a collective as far as gossip is concerned) */
export function charterCid (name: string = 'test collective'): string {
  return recordCidString(utf8.encode(`charter of ${name}`), nativeCrypto)
}

/**
 * `record`'s bytes with the attested record CID swapped for another of the same length: still JSON in canonical
 * form, but the signature no longer matches
 */
export function tampered (record: ValidRecord): Uint8Array {
  const text = new TextDecoder().decode(record.bytes)
  const about = (record.credential.credentialSubject as { record: string }).record
  const other = recordCidString(utf8.encode('something else'), nativeCrypto)
  return utf8.encode(text.replace(about, other))
}

/** A validator that runs validateRecord (native crypto) and records what it saw; validation errors propagate */
export function recordingValidator (): { validate: ValidateFn, seen: Uint8Array[], cids: string[] } {
  const seen: Uint8Array[] = []
  const cids: string[] = []
  return {
    seen,
    cids,
    validate: async (data) => {
      seen.push(data)
      const record = validateRecord(data, { crypto: nativeCrypto })
      cids.push(record.cid)
      return 'accept'
    }
  }
}
