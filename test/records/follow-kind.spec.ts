/**
 * The follow kind (protocols/records.md §3.12): a creator's did:key or a collective's charter CID as the target,
 * nothing else; each refusal re-signed after the change (helpers.forge) so the rule under test is the only thing wrong.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { issueRecord, validateRecord } from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { assertRejects, author, contentCid, fixedTime, forge, other, otherRecordCid } from './helpers.ts'

const crypto = nativeCrypto
const validate = (input: unknown): unknown => validateRecord(input as object, { crypto })
const REC = ['InvalidRecordError', 'ERR_INVALID_RECORD'] as const

describe('follow records', () => {
  it('accepts a follow of a creator and of a collective, and indexes the target', () => {
    const a = issueRecord('follow', { target: other.did }, { signer: author, crypto, validFrom: fixedTime, collective: otherRecordCid })
    assert.equal(a.kind, 'follow')
    assert.equal(a.collective, otherRecordCid)
    const b = issueRecord('follow', { target: otherRecordCid }, { signer: author, crypto, validFrom: fixedTime })
    assert.equal(b.kind, 'follow')
  })

  it('refuses a target that is neither, the issuer itself, a bad key or a content CID, and unknown fields', () => {
    assertRejects(() => validate(forge('follow', { target: author.did })), ...REC, 'must not be the issuer')
    assertRejects(() => validate(forge('follow', { target: 'did:web:example.com' })), ...REC, 'credentialSubject.target')
    assertRejects(() => validate(forge('follow', { target: 'https://example.com' })), ...REC, 'credentialSubject.target')
    assert.throws(() => validate(forge('follow', { target: contentCid })), (e: any) => e.name === 'InvalidCIDError' || e.name === 'InvalidRecordError')
    assertRejects(() => validate(forge('follow', {} as any)), ...REC, 'missing required field credentialSubject.target')
    assertRejects(() => validate(forge('follow', { target: other.did, note: 'x' } as any)), ...REC, 'unknown field credentialSubject.note')
  })
})
