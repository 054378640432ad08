/**
 * Member address cards: what a signed card binds, and every check verifyCard applies (shape, bounds, signature,
 * time window, collective, peer).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { issueCard, verifyCard, VerifiedCards } from '../../../src/net/members/index.ts'
import { MAX_ADDRS_PER_CARD, MAX_CARD_AGE_MS, MAX_CLOCK_SKEW_MS } from '../../../src/net/members/constants.ts'
import { nativeCrypto } from '../../../src/identity/ed25519-native.ts'
import { createSigner, generateSeed } from '../../../src/records/index.ts'
import { collectiveId } from './helpers.ts'

const PEER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const OTHER_PEER = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
const NOW = 1_780_000_000_000
const collective = collectiveId()
const signer = createSigner(generateSeed(), nativeCrypto)
const card = (over: Partial<Parameters<typeof issueCard>[0]> = {}) =>
  issueCard({ collective, peerId: PEER, addrs: ['/ip4/127.0.0.1/tcp/4001', `/ip4/127.0.0.1/tcp/4002/p2p/${PEER}`], issued: NOW, ...over }, signer)
const rule = (fn: () => unknown): string => {
  try { fn() } catch (err: any) { assert.equal(err.name, 'InvalidCardError'); return err.details.rule }
  assert.fail('expected InvalidCardError')
}

describe('member cards', () => {
  it('a card verifies, names its signer, and holds transport addresses only', () => {
    const c = card()
    assert.equal(c.did, signer.did)
    assert.deepEqual(c.addrs, ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002'])
    assert.deepEqual(verifyCard(JSON.parse(JSON.stringify(c)), { crypto: nativeCrypto, now: NOW, collective, peerId: PEER }), c)
  })

  it('refuses a card changed after signing', () => {
    const c = card()
    assert.equal(rule(() => verifyCard({ ...c, addrs: ['/ip4/10.0.0.1/tcp/1'] }, { crypto: nativeCrypto, now: NOW })), 'signature')
    assert.equal(rule(() => verifyCard({ ...c, peerId: OTHER_PEER }, { crypto: nativeCrypto, now: NOW })), 'signature')
    const other = createSigner(generateSeed(), nativeCrypto)
    assert.equal(rule(() => verifyCard({ ...c, did: other.did }, { crypto: nativeCrypto, now: NOW })), 'signature')
  })

  it('refuses a card naming another peer or collective than expected', () => {
    assert.equal(rule(() => verifyCard(card(), { crypto: nativeCrypto, now: NOW, peerId: OTHER_PEER })), 'peer')
    assert.equal(rule(() => verifyCard(card(), { crypto: nativeCrypto, now: NOW, collective: collectiveId() })), 'collective')
  })

  it('refuses a card issued in the future or too long ago', () => {
    assert.equal(rule(() => verifyCard(card({ issued: NOW + MAX_CLOCK_SKEW_MS + 1 }), { crypto: nativeCrypto, now: NOW })), 'time')
    assert.equal(rule(() => verifyCard(card({ issued: NOW - MAX_CARD_AGE_MS - 1 }), { crypto: nativeCrypto, now: NOW })), 'time')
    assert.equal(rule(() => verifyCard(card({ issued: NOW - 5000 }), { crypto: nativeCrypto, now: NOW, maxAgeMs: 1000 })), 'time')
  })

  it('refuses unknown fields, peer hops and malformed relay addresses, and too many addresses', () => {
    assert.equal(rule(() => verifyCard({ ...card(), extra: 1 }, { crypto: nativeCrypto, now: NOW })), 'shape')
    const c = card()
    assert.equal(rule(() => verifyCard({ ...c, addrs: [`/ip4/127.0.0.1/tcp/1/p2p/${OTHER_PEER}`] }, { crypto: nativeCrypto, now: NOW })), 'address')
    // a relay address is <relay transport>/p2p/<relay>/p2p-circuit, nothing else
    for (const bad of [`/p2p/${OTHER_PEER}/p2p-circuit`, '/ip4/127.0.0.1/tcp/1/p2p-circuit', `/ip4/127.0.0.1/tcp/1/p2p/${OTHER_PEER}/p2p-circuit/p2p/${OTHER_PEER}`]) {
      assert.equal(rule(() => verifyCard({ ...c, addrs: [bad] }, { crypto: nativeCrypto, now: NOW })), 'address', bad)
    }
    // a well-formed relay address passes the address check (here the signature, over other addresses, fails)
    assert.equal(rule(() => verifyCard({ ...c, addrs: [`/ip4/127.0.0.1/tcp/1/p2p/${OTHER_PEER}/p2p-circuit`] }, { crypto: nativeCrypto, now: NOW })), 'signature')
    const relayed = card({ addrs: [`/ip4/127.0.0.1/tcp/1/p2p/${OTHER_PEER}/p2p-circuit`] })
    assert.deepEqual(verifyCard(relayed, { crypto: nativeCrypto, now: NOW }).addrs, [`/ip4/127.0.0.1/tcp/1/p2p/${OTHER_PEER}/p2p-circuit`])
    const many = Array.from({ length: MAX_ADDRS_PER_CARD + 1 }, (_, i) => `/ip4/127.0.0.1/tcp/${1000 + i}`)
    assert.equal(rule(() => verifyCard({ ...c, addrs: many }, { crypto: nativeCrypto, now: NOW })), 'limit')
    // issuing keeps within the bound rather than signing a card no peer would take
    assert.equal(card({ addrs: many }).addrs.length, MAX_ADDRS_PER_CARD)
    assert.equal(rule(() => verifyCard({ ...c, version: 2 }, { crypto: nativeCrypto, now: NOW })), 'version')
    assert.equal(rule(() => verifyCard('not a card', { crypto: nativeCrypto, now: NOW })), 'shape')
  })

  it('a card verified before skips its signature check, never its context checks, and a changed card is checked in full', () => {
    let checks = 0
    const counting = { ...nativeCrypto, ed25519: { ...nativeCrypto.ed25519, verify: (s: Uint8Array, m: Uint8Array, k: Uint8Array) => { checks++; return nativeCrypto.ed25519.verify(s, m, k) } } }
    const verified = new VerifiedCards()
    const c = card()
    const opts = { crypto: counting, now: NOW, collective, peerId: PEER, verified }
    assert.deepEqual(verifyCard(JSON.parse(JSON.stringify(c)), opts), c)
    assert.equal(checks, 1)
    assert.deepEqual(verifyCard(JSON.parse(JSON.stringify(c)), opts), c)
    assert.equal(checks, 1, 'the same card again costs no signature check')
    // the remembered signature over other bytes: checked in full, and refused
    assert.equal(rule(() => verifyCard({ ...c, addrs: ['/ip4/10.0.0.1/tcp/1'] }, opts)), 'signature')
    assert.equal(checks, 2)
    assert.equal(rule(() => verifyCard({ ...c, did: createSigner(generateSeed(), nativeCrypto).did }, opts)), 'signature')
    // context still judged on a remembered card
    assert.equal(rule(() => verifyCard(c, { ...opts, now: NOW + MAX_CARD_AGE_MS + 1 })), 'time')
    assert.equal(rule(() => verifyCard(c, { ...opts, peerId: OTHER_PEER })), 'peer')
    assert.equal(rule(() => verifyCard(c, { ...opts, collective: collectiveId() })), 'collective')
    // a refused card is not remembered
    const bad = { ...c, issued: NOW - 1 }
    assert.equal(rule(() => verifyCard(bad, opts)), 'signature')
    assert.equal(rule(() => verifyCard(bad, opts)), 'signature')
  })

  it('what is remembered stays within its byte bound, the least recently used going first', () => {
    const one = card()
    const perCard = new VerifiedCards()
    verifyCard(one, { crypto: nativeCrypto, now: NOW, verified: perCard })
    const size = perCard.heldBytes
    assert.ok(size > 0)
    const verified = new VerifiedCards(3 * size + size / 2)
    const cards = Array.from({ length: 5 }, (_, i) => card({ issued: NOW - i }))
    for (const c of cards.slice(0, 3)) verifyCard(c, { crypto: nativeCrypto, now: NOW, verified })
    verifyCard(cards[0], { crypto: nativeCrypto, now: NOW, verified }) // a use: cards[1] is now the oldest
    for (const c of cards.slice(3)) verifyCard(c, { crypto: nativeCrypto, now: NOW, verified })
    assert.equal(verified.size, 3)
    assert.ok(verified.heldBytes <= verified.maxBytes)
    let checks = 0
    const counting = { ...nativeCrypto, ed25519: { ...nativeCrypto.ed25519, verify: (s: Uint8Array, m: Uint8Array, k: Uint8Array) => { checks++; return nativeCrypto.ed25519.verify(s, m, k) } } }
    for (const c of [cards[0], cards[3], cards[4]]) verifyCard(c, { crypto: counting, now: NOW, verified })
    assert.equal(checks, 0, 'the recently used are held')
    verifyCard(cards[1], { crypto: counting, now: NOW, verified })
    assert.equal(checks, 1, 'the least recently used was evicted')
  })
})
