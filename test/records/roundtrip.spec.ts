/**
 * issueRecord → validateRecord round trips for every kind, and the forms of input validateRecord accepts.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { RECORD_KINDS, canonicalString, issueRecord, nobleCrypto, validateRecord, CREDENTIAL_TYPE_BY_KIND, credentialSchemaId, assetParents, assetContentCid } from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { author, collectiveFor, contentCid, fixedTime, otherRecordCid, someRecordCid, subjects, text, utf8 } from './helpers.ts'

describe('issue → validate round trip', () => {
  for (const kind of RECORD_KINDS) {
    for (const [label, crypto] of [['noble', nobleCrypto], ['native', nativeCrypto]] as const) {
      it(`${kind} (${label})`, () => {
        const subject = subjects()[kind]
        const collective = collectiveFor(kind)
        const issued = issueRecord(kind, subject, { signer: author, crypto, validFrom: fixedTime, previous: someRecordCid, collective })
        assert.equal(issued.kind, kind)
        assert.equal(issued.author, author.did)
        assert.equal(issued.time, fixedTime.getTime())
        assert.equal(issued.previous, someRecordCid)
        if (collective === undefined) assert.equal('collective' in issued, false, 'absent options stay absent, not undefined')
        else assert.equal(issued.collective, collective)
        assert.deepEqual(issued.credential.type, ['VerifiableCredential', CREDENTIAL_TYPE_BY_KIND[kind]])
        assert.deepEqual(issued.credential.credentialSchema, { id: credentialSchemaId(kind), type: 'JsonSchema' })
        assert.deepEqual(issued.credential.credentialSubject, subject)
        assert.equal(text(issued.bytes), canonicalString(issued.credential))

        const fromBytes = validateRecord(issued.bytes, { crypto })
        assert.deepEqual(fromBytes, issued)
        assert.deepEqual(validateRecord(text(issued.bytes), { crypto }), issued)
        assert.deepEqual(validateRecord(structuredClone(issued.credential), { crypto }), issued)
      })
    }
  }

  it('truncates validFrom to milliseconds and defaults created to it', () => {
    const issued = issueRecord('attestation', subjects().attestation, { signer: author, crypto: nobleCrypto, validFrom: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678.9)) })
    assert.equal(issued.credential.validFrom, '2025-01-02T03:04:05.678Z')
    assert.equal(issued.credential.proof.created, '2025-01-02T03:04:05.678Z')
  })

  it('defaults validFrom to now', () => {
    const before = Date.now()
    const issued = issueRecord('attestation', subjects().attestation, { signer: author, crypto: nobleCrypto })
    assert.ok(issued.time >= before && issued.time <= Date.now())
  })

  it('carries collective and previous', () => {
    const issued = issueRecord('grant', subjects().grant, { signer: author, crypto: nobleCrypto, previous: someRecordCid, collective: otherRecordCid })
    assert.equal(issued.collective, otherRecordCid)
    assert.equal(issued.credential.collective, otherRecordCid)
    assert.equal(issued.credential.previous, someRecordCid)
  })

  it('returns a credential detached from the caller\'s object', () => {
    const issued = issueRecord('attestation', subjects().attestation, { signer: author, crypto: nobleCrypto })
    const input = structuredClone(issued.credential) as any
    const record = validateRecord(input, { crypto: nobleCrypto })
    input.credentialSubject.claim = 'other'
    assert.equal((record.credential.credentialSubject as { claim: string }).claim, 'endorsement')
  })

  it('accepts non-canonical input and yields the canonical bytes and the same CID', () => {
    const issued = issueRecord('asset', { ...subjects().asset, title: 'Café ☕ 𝄞' }, { signer: author, crypto: nobleCrypto })
    // reverse key order, indent, and escape every non-ASCII character
    const reorder = (value: any): any => Array.isArray(value)
      ? value.map(reorder)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.keys(value).reverse().map(k => [k, reorder(value[k])]))
        : value
    const loose = JSON.stringify(reorder(issued.credential), null, 3).replace(/[\u0080-\uffff]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
    assert.notEqual(loose, text(issued.bytes))
    for (const input of [loose, utf8(loose)]) {
      const record = validateRecord(input, { crypto: nativeCrypto })
      assert.equal(record.cid, issued.cid)
      assert.deepEqual(record.bytes, issued.bytes)
    }
  })

  it('exposes asset parents and content', () => {
    const issued = issueRecord('asset', subjects().asset, { signer: author, crypto: nobleCrypto })
    assert.deepEqual(assetParents(issued), [{ cid: someRecordCid, relationship: 'parentOf' }])
    assert.deepEqual(assetParents(issued.credential), [{ cid: someRecordCid, relationship: 'parentOf' }])
    assert.equal(assetContentCid(issued), contentCid)
  })

  it('treats undefined optional fields as absent', () => {
    const issued = issueRecord('asset', { ...subjects().asset, description: undefined }, { signer: author, crypto: nobleCrypto, previous: undefined })
    assert.equal('description' in issued.credential.credentialSubject, false)
    assert.equal('previous' in issued.credential, false)
    assert.equal('previous' in issued, false)
  })

  it('refuses to issue an invalid subject', () => {
    assert.throws(() => issueRecord('asset', { ...subjects().asset, title: '' }, { signer: author, crypto: nobleCrypto }),
      { name: 'InvalidRecordError', message: /credentialSubject\.title/ })
    assert.throws(() => issueRecord('asset', { ...subjects().asset, byteSize: Number.NaN }, { signer: author, crypto: nobleCrypto }),
      { name: 'MalformedJSONError', message: /credentialSubject\.byteSize/ })
    assert.throws(() => issueRecord('asset', { ...subjects().asset, description: null } as any, { signer: author, crypto: nobleCrypto }),
      { name: 'InvalidRecordError', message: /credentialSubject\.description must be string/ })
    assert.throws(() => issueRecord('nope' as any, {} as any, { signer: author, crypto: nobleCrypto }), { name: 'InvalidRecordError' })
  })
})
