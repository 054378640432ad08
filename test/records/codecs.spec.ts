/**
 * The small codecs: multibase keys, did:key, CIDs, JCS guards and record times.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  assertJsonValue, canonicalString, decodePublicKeyMultibase, decodeSeedMultibase, didKeyFromPublicKey,
  encodePublicKeyMultibase, encodeSeedMultibase, formatRecordTime, isRecordCid, nobleCrypto, parseCid, parseRecordCid,
  parseRecordTime, parseVerificationMethod, publicKeyFromDidKey, recordCid, recordCidString, verificationMethodFor, generateSeed,
  createSigner
} from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { assertRejects, author, contentCid, fromHex, toHex, utf8 } from './helpers.ts'

describe('multibase keys and did:key', () => {
  // RFC 8032 TEST 1 public key
  const publicKey = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')

  it('round-trips public keys and seeds', () => {
    const multibase = encodePublicKeyMultibase(publicKey)
    assert.ok(multibase.startsWith('z6Mk'))
    assert.deepEqual(decodePublicKeyMultibase(multibase), publicKey)
    const seed = generateSeed()
    assert.equal(seed.length, 32)
    const encoded = encodeSeedMultibase(seed)
    assert.ok(encoded.startsWith('z3u2'))
    assert.deepEqual(decodeSeedMultibase(encoded), seed)
  })

  it('makes and parses did:key and its verification method', () => {
    const did = didKeyFromPublicKey(publicKey)
    assert.equal(did, 'did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw')
    assert.equal(did, author.did)
    assert.deepEqual(publicKeyFromDidKey(did), publicKey)
    const vm = verificationMethodFor(did)
    assert.equal(vm, `${did}#z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw`)
    assert.deepEqual(parseVerificationMethod(vm), { did, publicKey })
  })

  it('refuses what is not an Ed25519 did:key, with clear errors', () => {
    assertRejects(() => publicKeyFromDidKey('did:web:example.org', 'issuer'), 'InvalidRecordError', 'ERR_INVALID_RECORD', 'issuer must be a did:key')
    assertRejects(() => publicKeyFromDidKey(`${author.did}#x`, 'issuer'), 'InvalidRecordError', 'ERR_INVALID_RECORD', 'issuer', 'fragment')
    // a seed multibase is not a public key
    assertRejects(() => publicKeyFromDidKey(`did:key:${encodeSeedMultibase(new Uint8Array(32))}`, 'issuer'), 'InvalidRecordError', 'ERR_INVALID_RECORD', 'multicodec prefix')
    assertRejects(() => publicKeyFromDidKey('did:key:z6Mk0OIl', 'issuer'), 'InvalidRecordError', 'ERR_INVALID_RECORD', 'issuer')
    assertRejects(() => decodeSeedMultibase(encodePublicKeyMultibase(new Uint8Array(32))), 'InvalidRecordError', 'ERR_INVALID_RECORD', 'privateKeyMultibase')
    assertRejects(() => parseVerificationMethod(author.did), 'InvalidRecordError', 'ERR_INVALID_RECORD', 'proof.verificationMethod')
    assertRejects(() => encodePublicKeyMultibase(new Uint8Array(31)), 'InvalidRecordError', 'ERR_INVALID_RECORD', '32 bytes')
    assertRejects(() => createSigner(new Uint8Array(16), nobleCrypto), 'InvalidRecordError', 'ERR_INVALID_RECORD', 'seed')
  })
})

describe('CIDs', () => {
  it('computes the record CID: v1, json, sha2-256 of the bytes', () => {
    const bytes = utf8('{"a":1}')
    const cid = recordCid(bytes, nobleCrypto)
    assert.equal(cid.version, 1)
    assert.equal(cid.code, 0x0200)
    assert.equal(cid.multihash.code, 0x12)
    assert.equal(toHex(cid.multihash.digest), toHex(nobleCrypto.sha256(bytes)))
    assert.equal(recordCidString(bytes, nativeCrypto), cid.toString())
    assert.ok(cid.toString().startsWith('bagaaiera'))
    assert.equal(isRecordCid(cid.toString()), true)
  })

  it('parses and refuses CID strings', () => {
    assert.equal(parseCid(contentCid).toString(), contentCid)
    assert.equal(isRecordCid(contentCid), false)
    assertRejects(() => parseRecordCid(contentCid, 'previous'), 'InvalidCIDError', 'ERR_INVALID_CID', 'previous', 'codec json')
    assertRejects(() => parseCid('QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', 'x'), 'InvalidCIDError', 'ERR_INVALID_CID', 'x must be a CIDv1')
    assertRejects(() => parseCid('bnotacid', 'x'), 'InvalidCIDError', 'ERR_INVALID_CID', 'x is not a valid CID')
    assertRejects(() => parseCid(contentCid.toUpperCase(), 'x'), 'InvalidCIDError', 'ERR_INVALID_CID', 'x')
  })
})

describe('JCS', () => {
  it('sorts keys by UTF-16 code units and normalises numbers and escapes', () => {
    assert.equal(canonicalString({ b: 1, a: [1e3, 0.5, -0], '\u20ac': 'x', '\ud83d\ude00': 'y', é: '\u00e9\n' }),
      '{"a":[1000,0.5,0],"b":1,"é":"é\\n","€":"x","😀":"y"}')
  })

  it('refuses values JSON cannot represent', () => {
    assertRejects(() => assertJsonValue({ a: [1, Infinity] }), 'MalformedJSONError', 'ERR_MALFORMED_JSON', 'record.a[1]')
    assertRejects(() => assertJsonValue({ a: [undefined] }), 'MalformedJSONError', 'ERR_MALFORMED_JSON', 'record.a[0]')
    assertRejects(() => assertJsonValue({ a: () => 1 }), 'MalformedJSONError', 'ERR_MALFORMED_JSON', 'function')
    // an undefined member is an absent one
    assert.doesNotThrow(() => assertJsonValue({ a: undefined }))
    assert.equal(canonicalString({ b: undefined, a: 1 }), '{"a":1}')
    assertRejects(() => assertJsonValue({ a: 1n }), 'MalformedJSONError', 'ERR_MALFORMED_JSON', 'bigint')
    assertRejects(() => assertJsonValue(new Map()), 'MalformedJSONError', 'ERR_MALFORMED_JSON', 'plain JSON object')
    assertRejects(() => canonicalString({ a: '\udc00' }), 'MalformedJSONError', 'ERR_MALFORMED_JSON', 'surrogate')
  })
})

describe('record times', () => {
  it('parses Z times with up to millisecond precision', () => {
    assert.equal(parseRecordTime('2025-01-01T00:00:00Z', 't'), Date.UTC(2025, 0, 1))
    assert.equal(parseRecordTime('2025-01-01T00:00:00.5Z', 't'), Date.UTC(2025, 0, 1, 0, 0, 0, 500))
    assert.equal(parseRecordTime('2024-02-29T23:59:59.999Z', 't'), Date.UTC(2024, 1, 29, 23, 59, 59, 999))
    assert.equal(formatRecordTime(new Date(Date.UTC(2025, 5, 1, 1, 2, 3, 4))), '2025-06-01T01:02:03.004Z')
  })

  it('refuses offsets, excess precision and impossible dates', () => {
    for (const bad of ['2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00.0001Z', '2025-01-01 00:00:00Z', '2025-01-01T00:00Z', '2023-02-29T00:00:00Z', '2025-01-01T24:00:00Z', '2025-13-01T00:00:00Z']) {
      assertRejects(() => parseRecordTime(bad, 'validFrom'), 'InvalidRecordError', 'ERR_INVALID_RECORD', 'validFrom')
    }
  })
})
