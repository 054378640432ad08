/**
 * validateRecord rejects what breaks a rule, with the right error class and code, and a message that names the
 * field. Records are re-signed after each change (helpers.forge) unless the test is about the signature, so the rule
 * under test is the only thing wrong.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { issueRecord, nobleCrypto, validateRecord, encodeBase58Multibase, decodeBase58Multibase, verificationMethodFor, DEFAULT_MAX_RECORD_BYTES } from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { assertRejects, author, contentCid, forge, other, someRecordCid, subjects, text, utf8 } from './helpers.ts'

const crypto = nativeCrypto
const validate = (input: any, maxBytes?: number): unknown => validateRecord(input, { crypto, maxBytes })
const REC = ['InvalidRecordError', 'ERR_INVALID_RECORD'] as const
const SIG = ['InvalidSignatureError', 'ERR_INVALID_SIGNATURE'] as const
const CID = ['InvalidCIDError', 'ERR_INVALID_CID'] as const

describe('validateRecord rejections', () => {
  describe('shape (schema)', () => {
    it('unknown top-level field', () => {
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { u.foo = 1 })), ...REC, 'unknown field foo')
    })

    it('unknown subject field', () => {
      assertRejects(() => validate(forge('asset', { ...subjects().asset, foo: 'x' } as any)), ...REC, 'unknown field credentialSubject.foo')
    })

    it('unknown nested field', () => {
      const subject: any = subjects().asset
      subject.creators[1].email = 'x@example.org'
      assertRejects(() => validate(forge('asset', subject)), ...REC, 'unknown field credentialSubject.creators[1].email')
    })

    it('wrong type', () => {
      assertRejects(() => validate(forge('asset', { ...subjects().asset, byteSize: '12' } as any)), ...REC, 'credentialSubject.byteSize', 'must be integer')
    })

    it('missing required field', () => {
      const { title: _t, ...subject } = subjects().asset
      assertRejects(() => validate(forge('asset', subject as any)), ...REC, 'missing required field credentialSubject.title')
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { delete u.validFrom })), ...REC, 'missing required field validFrom')
    })

    it('null instead of an absent optional field', () => {
      assertRejects(() => validate(forge('attestation', { ...subjects().attestation, comment: null } as any)), ...REC, 'credentialSubject.comment', 'must be string')
    })

    it('share over the maximum', () => {
      const subject = subjects().asset
      subject.creators[0].share = 10001
      assertRejects(() => validate(forge('asset', subject)), ...REC, 'credentialSubject.creators[0].share must be <= 10000')
    })

    it('enum value', () => {
      assertRejects(() => validate(forge('attestation', { ...subjects().attestation, claim: 'likes' } as any)), ...REC, 'credentialSubject.claim must be one of')
    })

    it('string too long', () => {
      assertRejects(() => validate(forge('asset', { ...subjects().asset, title: 'x'.repeat(201) })), ...REC, 'credentialSubject.title', 'more than 200 characters')
    })

    it('type that does not match the credentialSchema', () => {
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { u.type = ['VerifiableCredential', 'GrantRecord'] })), ...REC, 'type must be')
    })

    it('unknown credentialSchema id', () => {
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { u.credentialSchema.id = 'https://atelier.works/schemas/attestation/9.json' })),
        ...REC, 'credentialSchema.id must be one of')
    })

    it('wrong @context', () => {
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { u['@context'] = ['https://www.w3.org/ns/credentials/v2'] })), ...REC, '@context must be')
    })

    it('a JSON value that is not an object', () => {
      assertRejects(() => validate('[1,2]'), ...REC, 'record must be object')
    })
  })

  describe('semantics', () => {
    it('creator shares that do not add up to 10000', () => {
      const subject = subjects().asset
      subject.creators[1].share = 2999
      assertRejects(() => validate(forge('asset', subject)), ...REC, 'credentialSubject.creators shares must add up to 10000, got 9999')
    })

    it('license splits that do not add up to 10000', () => {
      const subject = subjects().license
      subject.splits![0].share = 6000
      assertRejects(() => validate(forge('license', subject)), ...REC, 'credentialSubject.splits shares must add up to 10000')
    })

    it('the same creator twice', () => {
      const subject = subjects().asset
      subject.creators[1].id = author.did
      assertRejects(() => validate(forge('asset', subject)), ...REC, 'credentialSubject.creators[1].id')
    })

    it('an ingredient naming neither record nor content', () => {
      const subject = subjects().asset
      subject.ingredients = [{ relationship: 'inputTo', title: 'something' }]
      assertRejects(() => validate(forge('asset', subject)), ...REC, 'credentialSubject.ingredients[0]')
    })

    it('a time with an offset instead of Z, or too precise', () => {
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { u.validFrom = '2025-01-01T10:00:00+01:00' })), ...REC, 'validFrom', 'RFC 3339')
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { u.validFrom = '2025-01-01T10:00:00.1234Z' })), ...REC, 'validFrom')
    })

    it('a time that is not on the calendar', () => {
      assertRejects(() => validate(forge('revocation', { ...subjects().revocation, effectiveFrom: '2025-02-30T00:00:00Z' })), ...REC, 'credentialSubject.effectiveFrom')
    })

    it('an issuer that is not an Ed25519 did:key', () => {
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { u.issuer = 'did:key:z6Mk' + '1'.repeat(44) })), ...REC, 'issuer')
    })
  })

  describe('CIDs', () => {
    it('bad CID in previous', () => {
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { u.previous = 'bnotacid' })), ...CID, 'previous')
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { u.previous = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' })), ...CID, 'previous')
      // a valid CID, but of raw content, not of a record
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { u.previous = contentCid })), ...CID, 'previous', 'record CID')
    })

    it('bad CID in collective', () => {
      assertRejects(() => validate(forge('attestation', subjects().attestation, u => { u.collective = someRecordCid.toUpperCase() })), ...CID, 'collective')
    })

    it('revocation and attestation targets must be record CIDs', () => {
      assertRejects(() => validate(forge('revocation', { ...subjects().revocation, record: contentCid })), ...CID, 'credentialSubject.record')
      assertRejects(() => validate(forge('attestation', { ...subjects().attestation, record: 'bafy' })), ...CID, 'credentialSubject.record')
    })

    it('asset subject id must be ipfs:// + CID', () => {
      assertRejects(() => validate(forge('asset', { ...subjects().asset, id: `https://example.org/${contentCid}` })), ...CID, 'credentialSubject.id')
      assertRejects(() => validate(forge('asset', { ...subjects().asset, id: 'ipfs://bxyz' })), ...CID, 'credentialSubject.id')
    })
  })

  describe('proof', () => {
    const issued = issueRecord('asset', subjects().asset, { signer: author, crypto: nobleCrypto })

    it('tampered subject value', () => {
      const tampered = structuredClone(issued.credential)
      tampered.credentialSubject.byteSize = 13
      assertRejects(() => validate(tampered), ...SIG, 'proof.proofValue')
    })

    it('tampered bytes (one character of the title)', () => {
      const bytes = utf8(text(issued.bytes).replace('"A note"', '"A nose"'))
      assertRejects(() => validate(bytes), ...SIG, 'proof.proofValue')
    })

    it('tampered proofValue', () => {
      const tampered = structuredClone(issued.credential)
      const signature = decodeBase58Multibase(tampered.proof.proofValue)
      signature[10] ^= 1
      tampered.proof.proofValue = encodeBase58Multibase(signature)
      assertRejects(() => validate(tampered), ...SIG, 'proof.proofValue')
      tampered.proof.proofValue = encodeBase58Multibase(signature.subarray(0, 63))
      assertRejects(() => validate(tampered), ...SIG, 'proof.proofValue', '64-byte')
    })

    it('tampered created', () => {
      const tampered = structuredClone(issued.credential)
      tampered.proof.created = '2020-01-01T00:00:00Z'
      assertRejects(() => validate(tampered), ...SIG, 'proof.proofValue')
    })

    it('verificationMethod not matching the issuer', () => {
      // signed correctly, but by another key than the issuer's
      const unsignedByOther = forge('attestation', subjects().attestation, () => {}, other)
      unsignedByOther.issuer = author.did
      assertRejects(() => validate(unsignedByOther), ...SIG, 'proof.verificationMethod', author.did)
      // the issuer's did with a fragment naming another key
      const wrongFragment = structuredClone(issued.credential)
      wrongFragment.proof.verificationMethod = `${author.did}#${other.did.slice('did:key:'.length)}`
      assertRejects(() => validate(wrongFragment), ...SIG, 'proof.verificationMethod')
      assert.notEqual(verificationMethodFor(author.did), verificationMethodFor(other.did))
    })

    it('proof @context different from the document\'s', () => {
      const tampered = structuredClone(issued.credential) as any
      tampered.proof['@context'] = ['https://www.w3.org/ns/credentials/v2']
      assertRejects(() => validate(tampered), ...REC, 'proof.@context')
    })

    it('a proof without @context still verifies, and is the same record: same canonical bytes, same CID', () => {
      const without = structuredClone(issued.credential) as any
      delete without.proof['@context']
      const record = validateRecord(without, { crypto })
      assert.deepEqual(record.credential.proof['@context'], issued.credential['@context'])
      assert.equal(record.cid, issued.cid)
      assert.deepEqual(record.bytes, issued.bytes)
    })

    it('wrong cryptosuite', () => {
      const tampered = structuredClone(issued.credential) as any
      tampered.proof.cryptosuite = 'eddsa-rdfc-2022'
      assertRejects(() => validate(tampered), ...REC, 'proof.cryptosuite must be "eddsa-jcs-2022"')
    })
  })

  describe('input', () => {
    const issued = issueRecord('attestation', subjects().attestation, { signer: author, crypto: nobleCrypto })

    it('oversized record', () => {
      assertRejects(() => validate(issued.bytes, issued.bytes.length - 1), 'TooLargeError', 'ERR_TOO_LARGE', `${issued.bytes.length} bytes`)
      assertRejects(() => validate(text(issued.bytes), issued.bytes.length - 1), 'TooLargeError', 'ERR_TOO_LARGE')
      assertRejects(() => validate(issued.credential, issued.bytes.length - 1), 'TooLargeError', 'ERR_TOO_LARGE')
      // over the default limit: refused before it is even parsed
      assertRejects(() => validate(new Uint8Array(DEFAULT_MAX_RECORD_BYTES + 1)), 'TooLargeError', 'ERR_TOO_LARGE', String(DEFAULT_MAX_RECORD_BYTES))
      assert.doesNotThrow(() => validate(issued.bytes, issued.bytes.length))
    })

    it('a canonical form over the limit although the input is not', () => {
      // 1e3 is one byte shorter than its canonical spelling 1000
      const subject = { ...subjects().asset, byteSize: 1000 }
      const asset = issueRecord('asset', subject, { signer: author, crypto: nobleCrypto })
      const shorter = text(asset.bytes).replace('"byteSize":1000', '"byteSize":1e3')
      assert.equal(shorter.length, asset.bytes.length - 1)
      assert.equal(validateRecord(shorter, { crypto }).cid, asset.cid)
      assertRejects(() => validate(shorter, asset.bytes.length - 1), 'TooLargeError', 'ERR_TOO_LARGE', 'canonical')
    })

    it('malformed JSON', () => {
      assertRejects(() => validate('{"@context": ['), 'MalformedJSONError', 'ERR_MALFORMED_JSON', 'not valid JSON')
      assertRejects(() => validate(utf8('{"a":1}}')), 'MalformedJSONError', 'ERR_MALFORMED_JSON')
    })

    it('invalid UTF-8', () => {
      assertRejects(() => validate(Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x7d])), 'MalformedJSONError', 'ERR_MALFORMED_JSON', 'UTF-8')
    })

    it('a lone surrogate', () => {
      // JSON.parse lets an escaped lone surrogate through; I-JSON (and so JCS) forbids it
      const withSurrogate = text(issued.bytes).replace('"claim":"endorsement"', '"claim":"endorsement","comment":"\\ud800"')
      assert.notEqual(withSurrogate, text(issued.bytes))
      assertRejects(() => validate(withSurrogate), 'MalformedJSONError', 'ERR_MALFORMED_JSON', 'surrogate')
    })

    it('objects that are not plain JSON', () => {
      const withNaN: any = structuredClone(issued.credential)
      withNaN.credentialSubject.comment = NaN
      assertRejects(() => validate(withNaN), 'MalformedJSONError', 'ERR_MALFORMED_JSON', 'credentialSubject.comment')
      const withDate: any = structuredClone(issued.credential)
      withDate.validFrom = new Date()
      assertRejects(() => validate(withDate), 'MalformedJSONError', 'ERR_MALFORMED_JSON', 'validFrom')
      assertRejects(() => validate(42), ...REC, 'record must be')
    })

    it('errors carry the field in details', () => {
      try {
        validate(forge('attestation', { ...subjects().attestation, foo: 1 } as any))
        assert.fail('should throw')
      } catch (err: any) {
        assert.equal(err.details.field, 'credentialSubject.foo')
        assert.equal(err.details.rule, 'additionalProperties')
        assert.equal(err.httpStatus, 400)
      }
    })
  })
})
