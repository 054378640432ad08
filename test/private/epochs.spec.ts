/**
 * Epochs of a private collective as a pure function of its key records (protocols/private-collectives.md §6): which
 * issuance wins each epoch, who is wrapped, which records do not count and why, and that every arrival order of
 * the same records gives the same epochs.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { computeMembership } from '../../src/collectives/index.ts'
import type { Membership } from '../../src/collectives/index.ts'
import { computeEpochs, epochSubjects, pendingCause } from '../../src/private/epochs.ts'
import type { Epochs } from '../../src/private/epochs.ts'
import { newEpochKey, unwrapEpochKey } from '../../src/private/epoch-keys.ts'
import { fromKeyWrap } from '../../src/private/key-wraps.ts'
import { createSigner, issueRecord } from '../../src/records/index.ts'
import type { KeyReason, Signer, ValidRecord } from '../../src/records/index.ts'
import { admit, alice, bob, crypto, day, makeCharter, mallory, remove, dan, erin, shuffled, seededRandom } from '../collectives/helpers.ts'

const seeds = new Map<string, Uint8Array>([alice, bob, dan, erin, mallory].map((s, i) => [s.did, new Uint8Array(32).fill([1, 2, 4, 5, 9][i]!)]))

const charter = makeCharter({ admins: [alice, bob], quorum: 1, policy: 'quorum' })
const admitDan = admit(charter, alice, dan, day(2))
const admitErin = admit(charter, bob, erin, day(3))
const removeDan = remove(charter, alice, dan, day(5))
const membershipRecords = [admitDan, admitErin, removeDan]
const membership = computeMembership(charter, membershipRecords)

/** Key records starting `epoch` for `cause`, wrapping `members` (default: the members at `at`) */
function issue (by: Signer, epoch: number, reason: KeyReason, cause: string | undefined, at: number, when: number,
  members: string[] = membership.members(at), m: Membership = membership): { records: Array<ValidRecord<'key'>>, key: Uint8Array } {
  const key = newEpochKey()
  const subjects = epochSubjects(m.charterCid, epoch, key, members, { reason, ...(cause != null ? { cause } : {}) })
  return { key, records: subjects.map(s => issueRecord('key', s, { signer: by, crypto, validFrom: new Date(when), collective: m.charterCid })) }
}

const e0 = issue(alice, 0, 'charter', charter.cid, day(1), day(1, 1))
const e1 = issue(alice, 1, 'admission', admitDan.cid, day(2), day(2, 1))
const e2 = issue(bob, 2, 'admission', admitErin.cid, day(3), day(3, 1))
const e3 = issue(alice, 3, 'removal', removeDan.cid, day(5), day(5, 1))
const e3bob = issue(bob, 3, 'rotation', undefined, day(5, 2), day(5, 2))
const stale = issue(bob, 4, 'removal', removeDan.cid, day(5), day(5, 3), membership.members(day(4)))
const outsider = issue(mallory, 4, 'rotation', undefined, day(6), day(6))
const all = [e0, e1, e2, e3, e3bob, stale, outsider].flatMap(i => i.records)

/** Epochs as plain JSON, to compare two results */
const plain = (e: Epochs): unknown => JSON.parse(JSON.stringify({ ...e, epochs: e.epochs.map(x => ({ ...x, wraps: [...x.wraps.entries()] })), current: e.current?.epoch }))

describe('epochs: a pure function of the key records', () => {
  it('counts one issuance per epoch, wrapped to exactly the members at its cause', () => {
    const epochs = computeEpochs(membership, [...membershipRecords, ...all])
    assert.deepEqual(epochs.epochs.map(e => [e.epoch, e.reason]), [[0, 'charter'], [1, 'admission'], [2, 'admission'], [3, epochs.epochs[3]!.reason]])
    assert.deepEqual(epochs.epochs[0]!.members, [alice.did, bob.did].sort())
    assert.deepEqual(epochs.epochs[1]!.members, [alice.did, bob.did, dan.did].sort())
    assert.equal(epochs.epochs[3]!.members.includes(dan.did), false, 'the removed member is not wrapped the epoch its removal starts')
    assert.equal(epochs.current?.epoch, 3)
    assert.equal(epochs.next, 4)
    const issues = new Map(epochs.ignored.map(i => [i.cid, i.issue]))
    assert.equal(issues.get(stale.records[0]!.cid), 'wrong-members', 'wrapping the removed member does not count')
    assert.equal(issues.get(outsider.records[0]!.cid), 'not-admin')
    // two admins started epoch 3: the smaller part-0 CID wins, the other is `lost`
    const [win, lose] = [e3, e3bob].sort((a, b) => a.records[0]!.cid < b.records[0]!.cid ? -1 : 1)
    assert.deepEqual(epochs.epochs[3]!.records, [win!.records[0]!.cid])
    assert.equal(issues.get(lose!.records[0]!.cid), 'lost')
  })

  it('gives each wrapped member the epoch key, and the removed member no way to it', () => {
    const epochs = computeEpochs(membership, all)
    const keys = [e0, e1, e2]
    for (const [i, e] of epochs.epochs.slice(0, 3).entries()) {
      for (const m of e.members) assert.deepEqual(unwrapEpochKey(charter.cid, e.epoch, fromKeyWrap(e.wraps.get(m)!), seeds.get(m)!), keys[i]!.key)
    }
    const last = epochs.epochs[3]!
    assert.equal(last.wraps.get(dan.did), undefined)
    // dan's seed opens no wrap of epoch 3 (every one is bound to its recipient)
    for (const w of last.wraps.values()) assert.throws(() => unwrapEpochKey(charter.cid, 3, fromKeyWrap(w), seeds.get(dan.did)!), { code: 'ERR_DECRYPTION' })
  })

  it('is the same in every arrival order, with repeats', () => {
    const expected = plain(computeEpochs(membership, all))
    fc.assert(fc.property(fc.integer(), fc.nat({ max: all.length }), (seed, repeats) => {
      const random = seededRandom(seed)
      const order = shuffled([...all, ...all.slice(0, repeats)], random)
      assert.deepEqual(plain(computeEpochs(membership, order)), expected)
    }), { numRuns: 100 })
  })

  it('counts an epoch of many parts only once every part is held', () => {
    const many: Signer[] = Array.from({ length: 600 }, (_, i) => createSigner(new Uint8Array(32).fill(0).map((_, j) => j === 0 ? 100 : j === 1 ? i >> 8 : j === 2 ? i & 255 : 7), crypto))
    const admits = many.map(m => admit(charter, alice, m, day(2)))
    const big = computeMembership(charter, admits)
    const zero = issue(alice, 0, 'charter', charter.cid, day(1), day(1, 1), big.members(day(1)), big)
    const one = issue(alice, 1, 'admission', [...admits].sort((a, b) => a.cid < b.cid ? -1 : 1)[0]!.cid, day(2), day(2, 1), big.members(day(2)), big)
    assert.equal(one.records.length, 3, '602 members: 3 records of at most 256 wraps')
    assert.ok(one.records.every(r => r.bytes.length < 65536))
    const partial = computeEpochs(big, [...zero.records, one.records[0]!, one.records[2]!])
    assert.equal(partial.current?.epoch, 0)
    assert.ok(partial.ignored.every(i => i.issue === 'incomplete'))
    const whole = computeEpochs(big, [...zero.records, ...shuffled(one.records, seededRandom(3))])
    assert.equal(whole.current?.epoch, 1)
    assert.equal(whole.current?.members.length, 602)
  })

  it('says which cause a new epoch must follow', () => {
    assert.deepEqual(pendingCause(membership, computeEpochs(membership, []), day(9)), { reason: 'charter', cause: charter.cid, at: day(1) })
    const upTo2 = computeEpochs(membership, [...e0.records, ...e1.records])
    const next = pendingCause(membership, upTo2, day(9))
    assert.equal(next?.reason, 'removal')
    assert.equal(next?.at, day(5))
    assert.equal(pendingCause(membership, upTo2, day(2, 12)), undefined, 'before erin\'s admission nothing is pending')
    assert.equal(pendingCause(membership, computeEpochs(membership, all), day(9)), undefined)
  })
})

describe('key record vector (protocols/vectors/atelier/key-epoch-0.json)', () => {
  it('each admin opens its wrap to the fixed epoch key, and the wraps regenerate from the fixed ephemerals', async () => {
    const { readFileSync } = await import('node:fs')
    const { AUTHOR_SEED_HEX, CO_CREATOR_SEED_HEX, PRIVATE_EPOCH_KEY_HEX } = await import('../../protocols/vectors/atelier/generate.ts')
    const v = JSON.parse(readFileSync(new URL('../../protocols/vectors/atelier/key-epoch-0.json', import.meta.url), 'utf8'))
    const subject = v.unsignedCredential.credentialSubject
    const collective = v.unsignedCredential.collective
    for (const seedHex of [AUTHOR_SEED_HEX, CO_CREATOR_SEED_HEX]) {
      const seed = new Uint8Array(Buffer.from(seedHex, 'hex'))
      const did = createSigner(seed, crypto).did
      const wrap = subject.wraps.find((w: { to: string }) => w.to === did)
      assert.equal(Buffer.from(unwrapEpochKey(collective, 0, fromKeyWrap(wrap), seed)).toString('hex'), PRIVATE_EPOCH_KEY_HEX)
    }
  })
})
