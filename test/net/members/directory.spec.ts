/**
 * What the node keeps of the exchange: the card directory (newest card wins, bounded per collective, persisted and
 * reloaded, invite seeds bounded) and the dialer's choice of member peers (bounded, members only, failing ones
 * swapped), with a stub PeerKeeper so no sockets are needed.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CardDirectory, MemberDialer, MEMBER_SOURCE, issueCard } from '../../../src/net/members/index.ts'
import type { PeerStatus } from '../../../src/net/peers.ts'
import { nativeCrypto } from '../../../src/identity/ed25519-native.ts'
import { createSigner, generateSeed } from '../../../src/records/index.ts'
import { silentLogger } from '../../../src/node/logger.ts'
import { Membership, MemoryCardStore, collectiveId, until } from './helpers.ts'

const somePeer = async (): Promise<string> => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const cardFor = async (collective: string, issued = Date.now(), signer = createSigner(generateSeed(), nativeCrypto), peerId?: string) =>
  issueCard({ collective, peerId: peerId ?? await somePeer(), addrs: ['/ip4/127.0.0.1/tcp/4001'], issued }, signer)

/** A PeerKeeper stand-in: remembers what was added and removed */
class StubKeeper {
  readonly peers = new Map<string, PeerStatus>()
  async add (address: string, source: string): Promise<string> {
    const peerId = address.split('/p2p/')[1]
    const p = this.peers.get(peerId)
    if (p != null) p.addresses.push(address)
    else this.peers.set(peerId, { peerId, addresses: [address], source, connected: false, failures: 0 })
    return peerId
  }

  async remove (peerId: string): Promise<void> { this.peers.delete(peerId) }
  list (): PeerStatus[] { return [...this.peers.values()] }
}

describe('card directory', () => {
  it('keeps the newest card per collective and peer, bounded, and reloads what it persisted', async () => {
    const X = collectiveId()
    const store = new MemoryCardStore()
    const dir = new CardDirectory(store, 3)
    await dir.open()
    const signer = createSigner(generateSeed(), nativeCrypto)
    const peer = await somePeer()
    const older = await cardFor(X, 1_000, signer, peer)
    const newer = await cardFor(X, 2_000, signer, peer)
    assert.equal(await dir.add(newer), true)
    assert.equal(await dir.add(older), false, 'an older card of the same peer is ignored')
    assert.equal(dir.get(X, peer)?.issued, 2_000)

    for (const t of [3_000, 4_000, 5_000]) await dir.add(await cardFor(X, t))
    assert.deepEqual(dir.of(X).map(c => c.issued), [5_000, 4_000, 3_000], 'the oldest issued is evicted past the bound')
    assert.equal(store.cards.size, 3, 'evicted cards are deleted from the store too')
    assert.equal(await dir.add(await cardFor(X, 500)), false, 'a card older than all held is not kept when full')

    await dir.addSeed(X, peer)
    const again = new CardDirectory(store, 3)
    await again.open()
    assert.deepEqual(again.of(X).map(c => c.issued), [5_000, 4_000, 3_000])
    assert.equal(again.knows(X, peer), true, 'a seed from an invite is remembered')
    assert.equal(again.knows(collectiveId(), peer), false)
    for (let i = 0; i < 40; i++) await again.addSeed(X, await somePeer())
    assert.ok(store.seeds.size <= 16, `seeds are bounded (${store.seeds.size})`)
  })
})

describe('member dialer', () => {
  it('hands at most memberPeers members\' card peers to the keeper, drops non-members, swaps failing peers', async () => {
    const X = collectiveId()
    const view = new Membership()
    const dir = new CardDirectory(new MemoryCardStore(), 256)
    const cards = []
    for (let i = 0; i < 5; i++) {
      const c = await cardFor(X, Date.now() - i)
      view.add(X, c.did)
      await dir.add(c)
      cards.push(c)
    }
    const stranger = await cardFor(X)
    await dir.add(stranger) // held but not a member in this view: never dialled
    const keeper = new StubKeeper()
    const dialer = new MemberDialer({
      keeper, directory: dir, collectives: () => [X], isMember: view.isMember, localPeerId: await somePeer(), logger: silentLogger()
    }, { memberPeers: 3, tickMs: 60_000 })
    dialer.review()
    await until(() => keeper.peers.size === 3, 2_000, 'three member peers')
    assert.ok([...keeper.peers.values()].every(p => p.source === MEMBER_SOURCE && p.addresses[0].endsWith(`/p2p/${p.peerId}`)))
    assert.ok(!keeper.peers.has(stranger.peerId))

    // a member removed: its peer is no longer dialled, and another member takes the place
    const gone = [...keeper.peers.keys()][0]
    view.remove(X, cards.find(c => c.peerId === gone)?.did as string)
    dialer.review()
    await until(() => !keeper.peers.has(gone) && keeper.peers.size === 3, 2_000, 'the removed member replaced')

    // a peer that keeps failing is swapped for the last untried member
    const failing = [...keeper.peers.values()][0]
    failing.failures = 10
    dialer.review()
    await until(() => !keeper.peers.has(failing.peerId), 2_000, 'the failing peer swapped')
    assert.equal(keeper.peers.size, 3)
    dialer.stop()
  })
})
