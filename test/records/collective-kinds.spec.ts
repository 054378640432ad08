/**
 * The charter and membership kinds: what their schemas and semantic checks accept, and what they refuse, with the
 * error class and a message naming the field. Each rejected record is re-signed after the change (helpers.forge), so
 * the rule under test is the only thing wrong with it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createSigner, issueRecord, nobleCrypto, validateRecord } from '../../src/records/index.ts'
import type { CharterSubject, MembershipSubject } from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { assertRejects, author, contentCid, fixedTime, forge, other, otherRecordCid, someRecordCid, subjects } from './helpers.ts'

const crypto = nativeCrypto
const validate = (input: unknown): unknown => validateRecord(input as object, { crypto })
const REC = ['InvalidRecordError', 'ERR_INVALID_RECORD'] as const
const CID = ['InvalidCIDError', 'ERR_INVALID_CID'] as const

const charter = (change: Partial<CharterSubject> = {}): CharterSubject => ({ ...subjects().charter, ...change })
const membership = (subject: Record<string, unknown>): MembershipSubject => subject as unknown as MembershipSubject
const third = createSigner(new Uint8Array(32).fill(3), nobleCrypto)

describe('charter records', () => {
  it('accepts a charter with every field, and one with only the required ones', () => {
    const full = issueRecord('charter', charter({ description: 'Ink.', admission: { policy: 'invite', quorum: 1 }, replication: 'none' }),
      { signer: author, crypto, validFrom: fixedTime, previous: someRecordCid })
    assert.equal(full.kind, 'charter')
    assert.equal('collective' in full, false)
    const minimal = issueRecord('charter', { name: 'x', admins: [other.did], admission: { policy: 'quorum', quorum: 1 } }, { signer: other, crypto })
    assert.deepEqual(minimal.credential.credentialSubject.admins, [other.did])
  })

  it('has no collective field: the collective is the charter', () => {
    assertRejects(() => validate(forge('charter', charter(), u => { u.collective = someRecordCid })), ...REC, 'unknown field collective')
  })

  it('must be issued by one of its admins', () => {
    assertRejects(() => validate(forge('charter', charter({ admins: [other.did], admission: { policy: 'quorum', quorum: 1 } }))),
      ...REC, 'issuer must be one of credentialSubject.admins')
  })

  it('needs a quorum between 1 and the number of admins', () => {
    assertRejects(() => validate(forge('charter', charter({ admission: { policy: 'quorum', quorum: 3 } }))), ...REC, 'credentialSubject.admission.quorum', '2 admins')
    assertRejects(() => validate(forge('charter', charter({ admission: { policy: 'quorum', quorum: 0 } }))), ...REC, 'credentialSubject.admission.quorum must be >= 1')
    assertRejects(() => validate(forge('charter', charter({ admission: { policy: 'quorum', quorum: 1.5 } }))), ...REC, 'credentialSubject.admission.quorum must be integer')
    assertRejects(() => validate(forge('charter', charter({ admission: { policy: 'quorum' } as any }))), ...REC, 'missing required field credentialSubject.admission.quorum')
  })

  it('knows two admission policies and two replication modes', () => {
    assertRejects(() => validate(forge('charter', charter({ admission: { policy: 'open', quorum: 1 } as any }))), ...REC, 'credentialSubject.admission.policy must be one of "quorum", "invite"')
    assertRejects(() => validate(forge('charter', charter({ replication: 'some' as any }))), ...REC, 'credentialSubject.replication must be one of "full", "none"')
    assertRejects(() => validate(forge('charter', charter({ admission: { policy: 'quorum', quorum: 1, open: true } as any }))), ...REC, 'unknown field credentialSubject.admission.open')
  })

  it('has 1 to 50 distinct Ed25519 did:key admins', () => {
    assertRejects(() => validate(forge('charter', charter({ admins: [] }))), ...REC, 'credentialSubject.admins', 'fewer than 1 items')
    assertRejects(() => validate(forge('charter', charter({ admins: [author.did, other.did, author.did] }))), ...REC, 'credentialSubject.admins', 'duplicate items')
    const many = Array.from({ length: 51 }, (_, i) => createSigner(new Uint8Array(32).fill(i + 10), nobleCrypto).did)
    assertRejects(() => validate(forge('charter', charter({ admins: [author.did, ...many.slice(1)] }))), ...REC, 'credentialSubject.admins', 'more than 50 items')
    assertRejects(() => validate(forge('charter', charter({ admins: [author.did, 'did:web:example.com'] }))), ...REC, 'credentialSubject.admins[1]')
    assertRejects(() => validate(forge('charter', charter({ admins: [author.did, 'did:key:z6Mk' + '1'.repeat(44)] }))), ...REC, 'credentialSubject.admins[1]')
  })

  it('needs a short name', () => {
    assertRejects(() => validate(forge('charter', charter({ name: '' }))), ...REC, 'credentialSubject.name', 'fewer than 1 characters')
    assertRejects(() => validate(forge('charter', charter({ name: 'x'.repeat(201) }))), ...REC, 'credentialSubject.name', 'more than 200 characters')
    const { name: _n, ...noName } = charter()
    assertRejects(() => validate(forge('charter', noName as CharterSubject)), ...REC, 'missing required field credentialSubject.name')
  })
})

describe('membership records', () => {
  const valid: Array<[string, MembershipSubject]> = [
    ['admit', { action: 'admit', member: third.did, effectiveFrom: '2025-03-02T00:00:00Z' }],
    ['remove', { action: 'remove', member: third.did, effectiveFrom: '2025-03-02T00:00:00.5Z' }],
    ['remove with a reason', { action: 'remove', member: third.did, effectiveFrom: '2025-03-02T00:00:00Z', reason: 'Left.' }],
    ['invite', { action: 'invite', expiration: '2025-04-01T00:00:00Z' }],
    ['invite with maxUses', { action: 'invite', expiration: '2025-04-01T00:00:00Z', maxUses: 1 }],
    ['join', { action: 'join', invite: someRecordCid }]
  ]
  for (const [label, subject] of valid) {
    it(`accepts ${label}`, () => {
      const record = issueRecord('membership', subject, { signer: author, crypto, validFrom: fixedTime, collective: otherRecordCid })
      assert.equal(record.kind, 'membership')
      assert.equal(record.collective, otherRecordCid)
      assert.deepEqual(record.credential.credentialSubject, subject)
    })
  }

  it('needs a collective', () => {
    assertRejects(() => validate(forge('membership', subjects().membership, u => { delete u.collective })), ...REC, 'missing required field collective')
    assertRejects(() => validate(forge('membership', subjects().membership, u => { u.collective = contentCid })), ...CID, 'collective')
  })

  it('needs a known action', () => {
    assertRejects(() => validate(forge('membership', membership({ member: third.did, effectiveFrom: '2025-03-02T00:00:00Z' }))),
      ...REC, 'missing required field credentialSubject.action')
    assertRejects(() => validate(forge('membership', membership({ action: 'promote', member: third.did }))),
      ...REC, 'credentialSubject.action must be one of "admit", "remove", "invite", "join"')
    assertRejects(() => validate(forge('membership', membership({ action: 1 }))), ...REC, 'credentialSubject.action must be string')
  })

  it('admit and remove: a did:key member and a real effectiveFrom, nothing else', () => {
    for (const action of ['admit', 'remove']) {
      assertRejects(() => validate(forge('membership', membership({ action, effectiveFrom: '2025-03-02T00:00:00Z' }))), ...REC, 'missing required field credentialSubject.member')
      assertRejects(() => validate(forge('membership', membership({ action, member: third.did }))), ...REC, 'missing required field credentialSubject.effectiveFrom')
      assertRejects(() => validate(forge('membership', membership({ action, member: 'did:web:example.com', effectiveFrom: '2025-03-02T00:00:00Z' }))), ...REC, 'credentialSubject.member')
      assertRejects(() => validate(forge('membership', membership({ action, member: 'did:key:z6Mk' + '1'.repeat(44), effectiveFrom: '2025-03-02T00:00:00Z' }))), ...REC, 'credentialSubject.member')
      assertRejects(() => validate(forge('membership', membership({ action, member: third.did, effectiveFrom: '2025-03-02' }))), ...REC, 'credentialSubject.effectiveFrom', 'RFC 3339')
      assertRejects(() => validate(forge('membership', membership({ action, member: third.did, effectiveFrom: '2025-02-30T00:00:00Z' }))), ...REC, 'credentialSubject.effectiveFrom')
      assertRejects(() => validate(forge('membership', membership({ action, member: third.did, effectiveFrom: '2025-03-02T00:00:00Z', invite: someRecordCid }))), ...REC, 'unknown field credentialSubject.invite')
    }
    assertRejects(() => validate(forge('membership', membership({ action: 'admit', member: third.did, effectiveFrom: '2025-03-02T00:00:00Z', reason: 'x' }))), ...REC, 'unknown field credentialSubject.reason')
    assertRejects(() => validate(forge('membership', membership({ action: 'remove', member: third.did, effectiveFrom: '2025-03-02T00:00:00Z', reason: '' }))), ...REC, 'credentialSubject.reason', 'fewer than 1 characters')
  })

  it('invite: a real expiration and an optional maxUses of at least 1', () => {
    assertRejects(() => validate(forge('membership', membership({ action: 'invite' }))), ...REC, 'missing required field credentialSubject.expiration')
    assertRejects(() => validate(forge('membership', membership({ action: 'invite', expiration: '2025-04-31T00:00:00Z' }))), ...REC, 'credentialSubject.expiration')
    assertRejects(() => validate(forge('membership', membership({ action: 'invite', expiration: '2025-04-01T00:00:00Z', maxUses: 0 }))), ...REC, 'credentialSubject.maxUses must be >= 1')
    assertRejects(() => validate(forge('membership', membership({ action: 'invite', expiration: '2025-04-01T00:00:00Z', maxUses: 2.5 }))), ...REC, 'credentialSubject.maxUses must be integer')
    assertRejects(() => validate(forge('membership', membership({ action: 'invite', expiration: '2025-04-01T00:00:00Z', maxUses: 1000001 }))), ...REC, 'credentialSubject.maxUses must be <= 1000000')
    assertRejects(() => validate(forge('membership', membership({ action: 'invite', expiration: '2025-04-01T00:00:00Z', member: third.did }))), ...REC, 'unknown field credentialSubject.member')
  })

  it('join: a record CID of the invite, nothing else', () => {
    assertRejects(() => validate(forge('membership', membership({ action: 'join' }))), ...REC, 'missing required field credentialSubject.invite')
    assertRejects(() => validate(forge('membership', membership({ action: 'join', invite: 'bnotacid' }))), ...CID, 'credentialSubject.invite')
    assertRejects(() => validate(forge('membership', membership({ action: 'join', invite: contentCid }))), ...CID, 'credentialSubject.invite', 'record CID')
    assertRejects(() => validate(forge('membership', membership({ action: 'join', invite: someRecordCid, member: third.did }))), ...REC, 'unknown field credentialSubject.member')
    assertRejects(() => validate(forge('membership', membership({ action: 'join', invite: someRecordCid, expiration: '2025-04-01T00:00:00Z' }))), ...REC, 'unknown field credentialSubject.expiration')
  })
})
