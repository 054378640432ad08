/**
 * The profile kind (protocols/records.md §3.8): what its schema and semantic check accept and refuse, each refusal
 * re-signed after the change (helpers.forge) so the rule under test is the only thing wrong.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { issueRecord, validateRecord } from '../../src/records/index.ts'
import type { ProfileSubject } from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { assertRejects, author, contentCid, fixedTime, forge, other, otherRecordCid } from './helpers.ts'

const crypto = nativeCrypto
const validate = (input: unknown): unknown => validateRecord(input as object, { crypto })
const REC = ['InvalidRecordError', 'ERR_INVALID_RECORD'] as const
const profile = (change: Partial<ProfileSubject> = {}): ProfileSubject => ({ id: author.did, name: 'Ada', ...change })

describe('profile records', () => {
  it('accepts a profile with every field, in a collective, and one with a name only', () => {
    const full = issueRecord('profile', profile({ bio: 'Ink.', avatar: contentCid, links: ['https://example.com/a', 'http://example.org'] }),
      { signer: author, crypto, validFrom: fixedTime, collective: otherRecordCid })
    assert.equal(full.kind, 'profile')
    assert.equal(full.collective, otherRecordCid)
    assert.deepEqual(full.credential.type, ['VerifiableCredential', 'ProfileRecord'])
    assert.equal(issueRecord('profile', { id: other.did, name: 'Bo' }, { signer: other, crypto }).author, other.did)
  })

  it('is about its issuer only', () => {
    assertRejects(() => validate(forge('profile', profile({ id: other.did }))), ...REC, 'credentialSubject.id must be the issuer')
    assertRejects(() => validate(forge('profile', profile({ id: 'did:web:example.com' }))), ...REC, 'credentialSubject.id')
  })

  it('needs a display name of 1..200 code points, no control characters, not only spaces', () => {
    assertRejects(() => validate(forge('profile', { id: author.did } as any)), ...REC, 'missing required field credentialSubject.name')
    assertRejects(() => validate(forge('profile', profile({ name: '' }))), ...REC, 'credentialSubject.name')
    assertRejects(() => validate(forge('profile', profile({ name: '   ' }))), ...REC, 'credentialSubject.name')
    assertRejects(() => validate(forge('profile', profile({ name: 'Ada\nLovelace' }))), ...REC, 'credentialSubject.name')
    assertRejects(() => validate(forge('profile', profile({ name: 'Ada\u0007' }))), ...REC, 'credentialSubject.name')
    assertRejects(() => validate(forge('profile', profile({ name: 'x'.repeat(201) }))), ...REC, 'credentialSubject.name')
    // 200 code points of astral characters are 400 UTF-16 units: still a valid name
    assert.doesNotThrow(() => validate(forge('profile', profile({ name: '🎨'.repeat(200) }))))
    assert.doesNotThrow(() => validate(forge('profile', profile({ name: ' Ada Lovelace ' }))))
  })

  it('bounds the bio, checks the avatar CID and takes 1..8 distinct http(s) links', () => {
    assertRejects(() => validate(forge('profile', profile({ bio: 'b'.repeat(1001) }))), ...REC, 'credentialSubject.bio')
    assertRejects(() => validate(forge('profile', profile({ avatar: 'bafy-not-a-cid' }))), 'InvalidCIDError', 'ERR_INVALID_CID', 'credentialSubject.avatar')
    assertRejects(() => validate(forge('profile', profile({ links: [] }))), ...REC, 'credentialSubject.links')
    assertRejects(() => validate(forge('profile', profile({ links: Array.from({ length: 9 }, (_, i) => `https://e.com/${i}`) }))), ...REC, 'credentialSubject.links')
    assertRejects(() => validate(forge('profile', profile({ links: ['https://e.com', 'https://e.com'] }))), ...REC, 'credentialSubject.links', 'duplicate')
    for (const bad of ['javascript:alert(1)', 'ftp://e.com', 'https://e.com/a b', 'https://e.com/"x', '//e.com']) {
      assertRejects(() => validate(forge('profile', profile({ links: [bad] }))), ...REC, 'credentialSubject.links[0]')
    }
    assertRejects(() => validate(forge('profile', profile({ twitter: '@ada' } as any))), ...REC, 'unknown field credentialSubject.twitter')
  })
})
