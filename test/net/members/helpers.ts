/**
 * Helpers of the member exchange tests: real libp2p nodes on 127.0.0.1 (port 0), each with a creator key, an
 * in-memory card directory, a membership view the test controls, a MemberExchange and (optionally) a PeerKeeper
 * with a MemberDialer. Every wait has a deadline.
 */
import { createLibp2p } from 'libp2p'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from '@libp2p/interface'
import { buildLibp2pOptions } from '../../../src/net/libp2p-config.ts'
import { CardDirectory, MemberDialer, createMemberExchange, MEMBERS_PROTOCOL } from '../../../src/net/members/index.ts'
import type { CardStore, MemberCard, MemberExchange } from '../../../src/net/members/index.ts'
import { decodeMessage, encodeMessage, readMessage } from '../../../src/net/members/wire.ts'
import type { MemberMessage, RequestMessage } from '../../../src/net/members/wire.ts'
import { MAX_RESPONSE_BYTES } from '../../../src/net/members/constants.ts'
import { PeerKeeper } from '../../../src/net/peers.ts'
import type { KnownPeer } from '../../../src/net/peers.ts'
import { nativeCrypto } from '../../../src/identity/ed25519-native.ts'
import { createSigner, generateSeed, issueRecord } from '../../../src/records/index.ts'
import type { Signer } from '../../../src/records/index.ts'
import { silentLogger } from '../../../src/node/logger.ts'

export const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']

/** A record CID to stand for a collective's charter */
export function collectiveId (): string {
  const signer = createSigner(generateSeed(), nativeCrypto)
  return issueRecord('attestation', { record: 'bagaaieraxbk5shnqdpbe6gdp4ddkwnfufxllsyd3zjlisimhkqnivkl7yvoq', claim: 'other' }, { signer, crypto: nativeCrypto }).cid
}

/** Who is a member of what, as every test node sees it */
export class Membership {
  private readonly members = new Map<string, Set<string>>()
  add (collective: string, did: string): void {
    let s = this.members.get(collective)
    if (s == null) this.members.set(collective, s = new Set())
    s.add(did)
  }

  remove (collective: string, did: string): void { this.members.get(collective)?.delete(did) }
  isMember = async (collective: string, did: string): Promise<boolean | undefined> => this.members.get(collective)?.has(did) ?? undefined
}

/** A CardStore in memory, with what was written, to check persistence */
export class MemoryCardStore implements CardStore {
  readonly cards = new Map<string, MemberCard>()
  readonly seeds = new Set<string>()
  async load (): Promise<MemberCard[]> { return [...this.cards.values()] }
  async put (card: MemberCard): Promise<void> { this.cards.set(`${card.collective} ${card.peerId}`, card) }
  async delete (collective: string, peerId: string): Promise<void> { this.cards.delete(`${collective} ${peerId}`) }
  async loadSeeds (): Promise<Array<{ collective: string, peerId: string }>> {
    return [...this.seeds].map(k => { const [collective, peerId] = k.split(' '); return { collective, peerId } })
  }

  async putSeed (collective: string, peerId: string): Promise<void> { this.seeds.add(`${collective} ${peerId}`) }
}

export interface TestMember {
  libp2p: Libp2p
  signer: Signer
  peerId: string
  store: MemoryCardStore
  directory: CardDirectory
  exchange: MemberExchange
  keeper?: PeerKeeper
  dialer?: MemberDialer
  /** collectives this node joined */
  joined: string[]
  stop: () => Promise<void>
}

/** A started node taking part in `joined`, judging membership by `membership` */
export async function startMember (membership: Membership, joined: string[], options: { dialer?: boolean, intervalMs?: number } = {}): Promise<TestMember> {
  const libp2p = await createLibp2p(buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: LOOPBACK }))
  const signer = createSigner(generateSeed(), nativeCrypto)
  const store = new MemoryCardStore()
  const directory = new CardDirectory(store, 256)
  await directory.open()
  const logger = silentLogger()
  const port = { isMember: membership.isMember, collectives: () => joined }
  const exchange = createMemberExchange({
    ...port, libp2p, signer, crypto: nativeCrypto, directory, logger, addresses: () => libp2p.getMultiaddrs().map(ma => ma.toString())
  }, { intervalMs: options.intervalMs ?? 60_000, timeoutMs: 5_000 })
  await exchange.start()
  let keeper: PeerKeeper | undefined
  let dialer: MemberDialer | undefined
  if (options.dialer === true) {
    const saved = new Map<string, KnownPeer>()
    keeper = new PeerKeeper({
      libp2p,
      logger,
      store: { load: async () => [...saved.values()], save: async (p) => { saved.set(p.peerId, p) }, delete: async (id) => { saved.delete(id) } }
    }, { minBackoffMs: 200, tickMs: 100 })
    await keeper.start([])
    dialer = new MemberDialer({ ...port, keeper, directory, localPeerId: libp2p.peerId.toString(), logger }, { memberPeers: 8, tickMs: 200 })
    exchange.on('cards', () => { dialer?.review() })
    dialer.start()
  }
  return {
    libp2p,
    signer,
    peerId: libp2p.peerId.toString(),
    store,
    directory,
    exchange,
    keeper,
    dialer,
    joined,
    stop: async () => {
      dialer?.stop()
      await exchange.stop()
      await keeper?.stop()
      await libp2p.stop()
    }
  }
}

/** Send one raw request from `from` to `to` and read the answer (a hostile or hand-made requester) */
export async function rawRequest (from: Libp2p, to: Libp2p, request: RequestMessage | Uint8Array): Promise<MemberMessage> {
  await from.dial(to.getMultiaddrs()[0])
  const signal = AbortSignal.timeout(5_000)
  const stream = await from.dialProtocol(peerIdFromString(to.peerId.toString()), MEMBERS_PROTOCOL, { signal })
  const reply = readMessage(stream, MAX_RESPONSE_BYTES, signal)
  reply.catch(() => {})
  stream.send(request instanceof Uint8Array ? request : encodeMessage(request))
  await stream.close({ signal })
  return decodeMessage(await reply, 'answer')
}

/** Poll `fn` until it returns true, or fail after `ms` */
export async function until (fn: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await fn()) return
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`)
}
