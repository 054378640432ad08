/**
 * The `fingerprints` member of asset records (protocols/records.md §3.1, §8): asset schema version 2 only, written
 * only when there are fingerprints; each known algorithm with its fixed bits, code spelling and quality rule, each
 * algorithm once; unknown algorithms of the right shape accepted (and left alone by index and verification).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { issueRecord, nobleCrypto, validateRecord, credentialSchemaId } from '../../src/records/index.ts'
import type { FingerprintClaim } from '../../src/records/index.ts'
import { codeBits, KNOWN_ALGS } from '../../src/fingerprints/codes.ts'
import { textFingerprints } from '../../src/fingerprints/index.ts'
import { author, forge, subjects, utf8 } from './helpers.ts'

const PDQ = { alg: 'pdq-256', bits: 256, code: '803e3fe3e2303c0ce1f8ce1c17e3fe1b8ce3211e88fc1fc4fc0ec40335fa23f8', quality: 100 }
const ISCC_IMAGE = { alg: 'iscc-image-64', bits: 64, code: 'ISCC:EEA4ADZP6A4JHHZ4' }
const text = textFingerprints('A short poem about the harbour at dusk, with ink and rain and a boat coming home.')
const ISCC_TEXT = { alg: 'iscc-text-64', bits: 64, code: text.iscc.code }
const MINHASH = { alg: 'minhash-64x32', bits: 2048, code: text.minhash }

const issue = (fingerprints: unknown): { cid: string, schema: string } | { error: string, field?: unknown, message: string } => {
  try {
    const r = issueRecord('asset', { ...subjects().asset, fingerprints: fingerprints as FingerprintClaim[] }, { signer: author, crypto: nobleCrypto })
    return { cid: r.cid, schema: r.credential.credentialSchema.id }
  } catch (err: any) {
    return { error: err.name, field: err.details?.field, message: err.message }
  }
}

function refused (fingerprints: unknown, field: string): void {
  const out = issue(fingerprints)
  assert.ok('error' in out, `accepted ${JSON.stringify(fingerprints).slice(0, 120)}`)
  assert.equal(out.error, 'InvalidRecordError', out.message)
  assert.equal(out.field, field, out.message)
}

describe('asset fingerprints', () => {
  it('an asset with fingerprints is written as version 2, one without as version 1', () => {
    const withThem = issue([PDQ, ISCC_IMAGE])
    assert.ok('schema' in withThem, JSON.stringify(withThem))
    assert.equal(withThem.schema, credentialSchemaId('asset', 2))
    const without = issueRecord('asset', subjects().asset, { signer: author, crypto: nobleCrypto })
    assert.equal(without.credential.credentialSchema.id, credentialSchemaId('asset', 1))
  })

  it('accepts every known algorithm, the four together, and an unknown one of the right shape', () => {
    for (const list of [[PDQ], [ISCC_IMAGE], [ISCC_TEXT], [MINHASH], [PDQ, ISCC_IMAGE, ISCC_TEXT, MINHASH],
      [{ alg: 'audio-chroma-64', bits: 64, code: 'ISCC:EIAWUJ2GWJ4X2NXT', quality: 7 }], [{ alg: 'x', bits: 4096, code: 'a'.repeat(1024) }]]) {
      const out = issue(list)
      assert.ok('cid' in out, `${JSON.stringify(list).slice(0, 100)}: ${JSON.stringify(out)}`)
    }
  })

  it('refuses a version 1 record that carries fingerprints, and a version 2 record of another kind\'s shape', () => {
    const record = forge('asset', { ...subjects().asset, fingerprints: [PDQ] } as any, u => { u.credentialSchema.id = credentialSchemaId('asset', 1) })
    assert.throws(() => validateRecord(record, { crypto: nobleCrypto }), (err: any) => err.name === 'InvalidRecordError' && err.details.field === 'credentialSubject.fingerprints')
    // and a version 2 record without fingerprints is valid (the member is optional), though this node never writes one
    const bare = forge('asset', subjects().asset, u => { u.credentialSchema.id = credentialSchemaId('asset', 2) })
    assert.equal(validateRecord(bare, { crypto: nobleCrypto }).kind, 'asset')
  })

  it('refuses wrong bits, spellings, quality and headers of the known algorithms', () => {
    const f = 'credentialSubject.fingerprints[0]'
    refused([{ ...PDQ, bits: 64 }], `${f}.bits`)
    refused([{ ...PDQ, code: PDQ.code.toUpperCase() }], `${f}.code`)
    refused([{ ...PDQ, code: PDQ.code.slice(2) }], `${f}.code`)
    refused([{ alg: PDQ.alg, bits: PDQ.bits, code: PDQ.code }], `${f}.quality`)
    refused([{ ...PDQ, quality: 101 }], `${f}.quality`)
    refused([{ ...PDQ, quality: 50.5 }], `${f}.quality`)
    refused([{ ...ISCC_IMAGE, quality: 50 }], `${f}.quality`)
    refused([{ ...ISCC_IMAGE, code: ISCC_IMAGE.code.toLowerCase() }], `${f}.code`)
    refused([{ ...ISCC_IMAGE, code: ISCC_IMAGE.code.slice(5) }], `${f}.code`)
    // a Text-Code header under the image id, and the other way round: each id names one unit
    refused([{ ...ISCC_IMAGE, code: ISCC_TEXT.code }], `${f}.code`)
    refused([{ ...ISCC_TEXT, code: ISCC_IMAGE.code }], `${f}.code`)
    refused([{ ...MINHASH, code: MINHASH.code.slice(0, 510) }], `${f}.code`)
    refused([{ ...MINHASH, bits: 512 }], `${f}.bits`)
  })

  it('refuses an algorithm twice, an empty or overlong list, unknown members and malformed ids', () => {
    refused([PDQ, ISCC_IMAGE, { ...PDQ, code: '0'.repeat(64) }], 'credentialSubject.fingerprints[2].alg')
    refused([], 'credentialSubject.fingerprints')
    refused(Array.from({ length: 9 }, (_, i) => ({ alg: `future-${i}`, bits: 8, code: 'ab' })), 'credentialSubject.fingerprints')
    refused([{ ...PDQ, extra: 1 }], 'credentialSubject.fingerprints[0].extra')
    refused([{ alg: 'PDQ-256', bits: 256, code: PDQ.code, quality: 1 }], 'credentialSubject.fingerprints[0].alg')
    refused([{ alg: 'a'.repeat(33), bits: 8, code: 'ab' }], 'credentialSubject.fingerprints[0].alg')
    refused([{ alg: 'future', bits: 0, code: 'ab' }], 'credentialSubject.fingerprints[0].bits')
    refused([{ alg: 'future', bits: 8, code: 'a b' }], 'credentialSubject.fingerprints[0].code')
    refused([{ alg: 'future', bits: 8, code: 'a'.repeat(1025) }], 'credentialSubject.fingerprints[0].code')
    refused([{ alg: 'future', bits: 8 }], 'credentialSubject.fingerprints[0].code')
  })

  it('the raw code bits: the ISCC body without its header, the hex decoded; nothing for an unknown id', () => {
    assert.equal(codeBits(PDQ)?.length, 32)
    assert.equal(Buffer.from(codeBits(PDQ)!).toString('hex'), PDQ.code)
    assert.deepEqual(codeBits(ISCC_TEXT), text.iscc.digest)
    assert.equal(codeBits(ISCC_IMAGE)?.length, 8)
    assert.equal(codeBits(MINHASH)?.length, 256)
    assert.equal(codeBits({ alg: 'future', code: 'ab' }), undefined)
    assert.equal(codeBits({ alg: 'constructor', code: 'ab' }), undefined)
    for (const [alg, k] of Object.entries(KNOWN_ALGS)) assert.equal(k.bits % 8, 0, alg)
  })

  it('the published vector carries version 2 and codes this release reads', () => {
    const v = JSON.parse(readFileSync(new URL('../../protocols/vectors/atelier/asset-fingerprints.json', import.meta.url), 'utf8'))
    const record = validateRecord(utf8(v.recordCanonical), { crypto: nobleCrypto })
    assert.equal(record.credential.credentialSchema.id, credentialSchemaId('asset', 2))
    const fps = (record.credential.credentialSubject as any).fingerprints as FingerprintClaim[]
    assert.deepEqual(fps.map(f => f.alg), ['pdq-256', 'iscc-image-64'])
    assert.deepEqual(fps.map(f => codeBits(f)?.length), [32, 8])
  })
})
