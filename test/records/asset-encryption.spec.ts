/**
 * Asset schema version 3 (protocols/private-collectives.md §9, records.md §8): written only for an encrypted work,
 * whose record must name its collective, give the ciphertext's size and publish no fingerprint; version 2 refuses the
 * `encryption` member.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createSigner, credentialSchemaId, issueRecord, nobleCrypto, validateRecord } from '../../src/records/index.ts'
import type { AssetSubject } from '../../src/records/types.ts'
import { fromHex } from './helpers.ts'

const v = JSON.parse(readFileSync(new URL('../../protocols/vectors/atelier/asset-encrypted.json', import.meta.url), 'utf8'))
const signer = createSigner(fromHex(v.input.seedHex), nobleCrypto)
const subject: AssetSubject = v.unsignedCredential.credentialSubject
const collective: string = v.unsignedCredential.collective
const issue = (s: AssetSubject, c: string | null = collective): unknown => issueRecord('asset', s, { signer, crypto: nobleCrypto, ...(c != null ? { collective: c } : {}) })

describe('asset/3: encrypted works', () => {
  it('is the version written for an asset with encryption, and only for it', () => {
    const record = issue(subject) as any
    assert.equal(record.credential.credentialSchema.id, credentialSchemaId('asset', 3))
    const { encryption, ...plain } = subject
    assert.equal(encryption?.plaintextSize, 2100)
    assert.equal((issue({ ...plain, mediaType: 'image/png' }) as any).credential.credentialSchema.id, credentialSchemaId('asset', 1))
  })

  it('refuses an encrypted work without a collective, with a size that is not the ciphertext\'s, or with fingerprints', () => {
    assert.throws(() => issue(subject, null), (err: any) => err.name === 'InvalidRecordError' && err.details?.rule === 'encryptionCollective')
    assert.throws(() => issue({ ...subject, byteSize: subject.byteSize - 16 }), (err: any) => err.details?.rule === 'encryptionSize')
    const fingerprints = [{ alg: 'iscc-image-64', bits: 64, code: 'ISCC:EEA4ADZP6A4JHHZ4' }]
    assert.throws(() => issue({ ...subject, fingerprints }), (err: any) => err.details?.rule === 'encryptionFingerprints')
  })

  it('is refused under version 2 (unknown member) and when a field is out of its bounds', () => {
    const record = issue(subject) as any
    const v2 = { ...record.credential, credentialSchema: { ...record.credential.credentialSchema, id: credentialSchemaId('asset', 2) } }
    assert.throws(() => validateRecord(v2, { crypto: nobleCrypto }), { name: 'InvalidRecordError' })
    assert.throws(() => issue({ ...subject, encryption: { ...subject.encryption!, chunkSize: 512 } }), { name: 'InvalidRecordError' })
    assert.throws(() => issue({ ...subject, encryption: { ...subject.encryption!, wrappedKey: 'short' } }), { name: 'InvalidRecordError' })
  })
})
