/**
 * `/atelier/members/1.0.0` between real libp2p nodes on loopback: members trade cards; forged cards, cards for
 * another peer, non-members and oversized messages get nothing; a requester keeps only cards that verify and belong
 * to members; and with the dialer, members that only knew the inviter end up connected to each other.
 */
import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createLibp2p } from 'libp2p'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Libp2p, Stream } from '@libp2p/interface'
import { buildLibp2pOptions } from '../../../src/net/libp2p-config.ts'
import { issueCard, MEMBERS_PROTOCOL } from '../../../src/net/members/index.ts'
import { cardTag } from '../../../src/net/members/card.ts'
import { encodeMessage, readMessage } from '../../../src/net/members/wire.ts'
import { CARD_TAG_CHARS, MAX_REQUEST_BYTES } from '../../../src/net/members/constants.ts'
import { nativeCrypto } from '../../../src/identity/ed25519-native.ts'
import { createSigner, generateSeed } from '../../../src/records/index.ts'
import type { Signer } from '../../../src/records/index.ts'
import { LOOPBACK, Membership, collectiveId, rawRequest, startMember, until } from './helpers.ts'
import type { TestMember } from './helpers.ts'

const addrsOf = (l: Libp2p): string[] => l.getMultiaddrs().map(ma => ma.toString())
const connected = (a: Libp2p, b: Libp2p): boolean => a.getConnections().some(c => c.remotePeer.equals(b.peerId))

describe('member exchange', { timeout: 60_000 }, () => {
  const running: Array<{ stop: () => Promise<void> | void }> = []
  afterEach(async () => {
    for (const n of running.splice(0)) await n.stop()
  })
  const start = async (membership: Membership, joined: string[], options?: { dialer?: boolean }): Promise<TestMember> => {
    const m = await startMember(membership, joined, options)
    running.push(m)
    return m
  }
  /** `n` members of a new collective, each in the view */
  const members = async (n: number): Promise<{ X: string, view: Membership, nodes: TestMember[] }> => {
    const X = collectiveId()
    const view = new Membership()
    const nodes: TestMember[] = []
    for (let i = 0; i < n; i++) nodes.push(await start(view, [X]))
    for (const m of nodes) view.add(X, m.signer.did)
    return { X, view, nodes }
  }
  /** A bare node, a member by `key`, that answers one members request with `reply(own card)` */
  const handMadeResponder = async (X: string, view: Membership, reply: (h: Libp2p, key: Signer) => Parameters<typeof encodeMessage>[0]): Promise<{ h: Libp2p, hKey: Signer }> => {
    const h = await plainNode()
    const hKey = createSigner(generateSeed(), nativeCrypto)
    view.add(X, hKey.did)
    await h.handle(MEMBERS_PROTOCOL, async (stream: Stream) => {
      await readMessage(stream, MAX_REQUEST_BYTES, AbortSignal.timeout(5000))
      stream.send(encodeMessage(reply(h, hKey)))
      await stream.close()
    })
    return { h, hKey }
  }
  const plainNode = async (): Promise<Libp2p> => {
    const l = await createLibp2p(buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: LOOPBACK }))
    running.push(l)
    return l
  }

  it('members trade cards: the responder keeps the requester\'s and hands on the others\'', async () => {
    const { X, view, nodes: [a, b, c] } = await members(3)

    // the exchange never dials: without an open connection it asks nothing
    await c.libp2p.peerStore.merge(a.libp2p.peerId, { multiaddrs: a.libp2p.getMultiaddrs() })
    assert.deepEqual(await c.exchange.exchange(a.peerId, X), { learnt: 0, rejected: 0, skipped: true })
    assert.equal(connected(c.libp2p, a.libp2p), false)
    await c.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    assert.deepEqual(await c.exchange.exchange(a.peerId, X), { learnt: 1, rejected: 0, skipped: false })
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    assert.deepEqual(await b.exchange.exchange(a.peerId, X), { learnt: 2, rejected: 0, skipped: false })

    const cOnB = b.directory.get(X, c.peerId)
    assert.equal(cOnB?.did, c.signer.did)
    assert.deepEqual(cOnB?.addrs, addrsOf(c.libp2p).map(x => x.replace(`/p2p/${c.peerId}`, '')))
    assert.equal(b.directory.get(X, a.peerId)?.did, a.signer.did)
    assert.ok(a.directory.get(X, b.peerId) != null && a.directory.get(X, c.peerId) != null, 'A kept both requesters\' cards')
    assert.ok(b.store.cards.has(`${X} ${c.peerId}`), 'cards are persisted')
  })

  it('a request names the cards it holds, and the answer leaves them out', async () => {
    const { X, nodes: [a, b, c] } = await members(3)
    await c.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    await c.exchange.exchange(a.peerId, X)
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    const own = (): ReturnType<typeof issueCard> => issueCard({ collective: X, peerId: b.peerId, addrs: addrsOf(b.libp2p), issued: Date.now() }, b.signer)
    const cOnA = a.directory.get(X, c.peerId)
    assert.ok(cOnA != null)
    // without `known` (a requester of the first revision), the answer carries C's card
    const plain = await rawRequest(b.libp2p, a.libp2p, { type: 'request', collective: X, card: own() })
    assert.equal(plain.type, 'response')
    assert.deepEqual((plain as any).cards.map((x: any) => x.peerId), [c.peerId])
    // naming exactly that card leaves it out; a tag of another version of it does not
    const known = await rawRequest(b.libp2p, a.libp2p, { type: 'request', collective: X, card: own(), known: [cardTag(cOnA)] })
    assert.deepEqual((known as any).cards, [])
    assert.equal((known as any).card.peerId, a.peerId, 'the responder\'s own card always comes')
    const stale = await rawRequest(b.libp2p, a.libp2p, { type: 'request', collective: X, card: own(), known: ['1'.repeat(CARD_TAG_CHARS)] })
    assert.deepEqual((stale as any).cards.map((x: any) => x.peerId), [c.peerId])
    // a malformed list is answered as if absent, not refused
    const odd = await rawRequest(b.libp2p, a.libp2p, { type: 'request', collective: X, card: own(), known: ['short', 42] as any })
    assert.deepEqual((odd as any).cards.map((x: any) => x.peerId), [c.peerId])
    // the node's own exchange names what it holds: once B holds C's card, a second exchange brings no cards
    assert.deepEqual(await b.exchange.exchange(a.peerId, X), { learnt: 2, rejected: 0, skipped: false })
    assert.deepEqual(await b.exchange.exchange(a.peerId, X), { learnt: 0, rejected: 0, skipped: false })
  })

  it('refuses a forged card and a card for another peer id, and keeps neither', async () => {
    const { X, nodes: [a, b] } = await members(2)
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    await b.exchange.exchange(a.peerId, X)
    const intruder = await plainNode()

    // B's genuine card, with the intruder's address put in after signing
    const genuine = issueCard({ collective: X, peerId: intruder.peerId.toString(), addrs: addrsOf(intruder), issued: Date.now() }, b.signer)
    const forged = { ...genuine, addrs: ['/ip4/127.0.0.1/tcp/9'] }
    assert.deepEqual(await rawRequest(intruder, a.libp2p, { type: 'request', collective: X, card: forged }), { type: 'refused', code: 'bad-request' })

    // a card B really signed, but for B's peer id, presented by the intruder's node
    const bCard = issueCard({ collective: X, peerId: b.peerId, addrs: addrsOf(b.libp2p), issued: Date.now() }, b.signer)
    assert.deepEqual(await rawRequest(intruder, a.libp2p, { type: 'request', collective: X, card: bCard }), { type: 'refused', code: 'bad-request' })
    assert.equal(a.directory.get(X, intruder.peerId.toString()), undefined)
    assert.equal(a.directory.of(X).length, 1, 'A still holds only B\'s card')
  })

  it('a non-member requester gets nothing, and a collective the responder is not in looks the same', async () => {
    const { X, view, nodes: [a, b] } = await members(2)
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    await b.exchange.exchange(a.peerId, X)

    const stranger = await plainNode()
    const strangerKey = createSigner(generateSeed(), nativeCrypto)
    const card = issueCard({ collective: X, peerId: stranger.peerId.toString(), addrs: addrsOf(stranger), issued: Date.now() }, strangerKey)
    assert.deepEqual(await rawRequest(stranger, a.libp2p, { type: 'request', collective: X, card }), { type: 'refused', code: 'refused' })
    assert.equal(a.directory.get(X, stranger.peerId.toString()), undefined)

    // the stranger is a member of Y, which A is not in: the same answer, so it cannot tell A's collectives apart
    const Y = collectiveId()
    view.add(Y, strangerKey.did)
    const cardY = issueCard({ collective: Y, peerId: stranger.peerId.toString(), addrs: addrsOf(stranger), issued: Date.now() }, strangerKey)
    assert.deepEqual(await rawRequest(stranger, a.libp2p, { type: 'request', collective: Y, card: cardY }), { type: 'refused', code: 'refused' })

    // our own exchange does not ask when we are not a member
    const outsider = await start(view, [X])
    await outsider.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    assert.deepEqual(await outsider.exchange.exchange(a.peerId, X), { learnt: 0, rejected: 0, skipped: true })
  })

  it('a removed member\'s card is not handed on', async () => {
    const { X, view, nodes: [a, b, c] } = await members(3)
    await c.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    await c.exchange.exchange(a.peerId, X)
    view.remove(X, c.signer.did)
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    assert.deepEqual(await b.exchange.exchange(a.peerId, X), { learnt: 1, rejected: 0, skipped: false })
    assert.equal(b.directory.get(X, c.peerId), undefined)
  })

  it('a requester keeps only the cards that verify and belong to members', async () => {
    const { X, view, nodes: [b] } = await members(1)
    // a hand-made responder: a member, whose answer mixes one good card with a forged one and a stranger's
    const mKey = createSigner(generateSeed(), nativeCrypto)
    const sKey = createSigner(generateSeed(), nativeCrypto)
    view.add(X, mKey.did)
    const somePeer = async (): Promise<string> => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const good = issueCard({ collective: X, peerId: await somePeer(), addrs: ['/ip4/127.0.0.1/tcp/7001'], issued: Date.now() }, mKey)
    const forged = { ...issueCard({ collective: X, peerId: await somePeer(), addrs: ['/ip4/127.0.0.1/tcp/7002'], issued: Date.now() }, mKey), addrs: ['/ip4/127.0.0.1/tcp/7003'] }
    const stranger = issueCard({ collective: X, peerId: await somePeer(), addrs: ['/ip4/127.0.0.1/tcp/7004'], issued: Date.now() }, sKey)
    const { h, hKey } = await handMadeResponder(X, view, (h, hKey) => ({
      type: 'response',
      card: issueCard({ collective: X, peerId: h.peerId.toString(), addrs: addrsOf(h), issued: Date.now() }, hKey),
      cards: [good, forged, stranger]
    }))
    await b.libp2p.dial(h.getMultiaddrs()[0])
    assert.deepEqual(await b.exchange.exchange(h.peerId.toString(), X), { learnt: 2, rejected: 2, skipped: false })
    assert.deepEqual(b.directory.of(X).map(c => c.did).sort(), [hKey.did, mKey.did].sort())
  })

  it('refuses a responder whose own card names another peer', async () => {
    const { X, view, nodes: [b] } = await members(1)
    // its own card names B's peer id
    const { h } = await handMadeResponder(X, view, (h, hKey) => ({
      type: 'response',
      card: issueCard({ collective: X, peerId: b.peerId, addrs: addrsOf(h), issued: Date.now() }, hKey),
      cards: []
    }))
    await b.libp2p.dial(h.getMultiaddrs()[0])
    await assert.rejects(b.exchange.exchange(h.peerId.toString(), X), { name: 'InvalidCardError' })
    assert.equal(b.directory.of(X).length, 0)
  })

  it('an oversized request is cut off, and the responder keeps answering', async () => {
    const { X, nodes: [a, b] } = await members(2)
    const intruder = await plainNode()
    const huge = new Uint8Array(4 + MAX_REQUEST_BYTES + 10)
    new DataView(huge.buffer).setUint32(0, MAX_REQUEST_BYTES + 10)
    assert.deepEqual(await rawRequest(intruder, a.libp2p, huge), { type: 'refused', code: 'bad-request' })
    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0])
    assert.equal((await b.exchange.exchange(a.peerId, X)).learnt, 1)
  })

  it('members who only knew the inviter connect to each other, and stay connected when it leaves', async () => {
    const X = collectiveId()
    const view = new Membership()
    const a = await start(view, [X], { dialer: true })
    const b = await start(view, [X], { dialer: true })
    const c = await start(view, [X], { dialer: true })
    for (const m of [a, b, c]) view.add(X, m.signer.did)
    const started = Date.now()
    for (const m of [b, c]) {
      await m.exchange.invited(X, [a.peerId])
      await m.keeper?.add(addrsOf(a.libp2p)[0], 'invite')
    }
    await until(() => connected(b.libp2p, c.libp2p), 10_000, 'B and C to connect directly')
    const ms = Date.now() - started
    assert.ok(ms < 10_000, `connected in ${ms} ms`)
    await a.stop()
    running.splice(running.indexOf(a), 1)
    await new Promise(resolve => setTimeout(resolve, 500))
    assert.ok(connected(b.libp2p, c.libp2p), 'still connected with A gone')
    assert.ok(b.keeper?.list().some(p => p.peerId === c.peerId && p.source === 'member') === true || c.keeper?.list().some(p => p.peerId === b.peerId && p.source === 'member') === true)
  })
})
