/**
 * Charter schema version 2 (protocols/records.md §3.6, §8): `replication: { copies: k }` (k 1…64) and `visibility`,
 * written only when a charter uses one of them; version 1 refuses both.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { buildCredential, createProof, createSigner, credentialSchemaId, issueRecord, nobleCrypto, validateRecord, verificationMethodFor } from '../../src/records/index.ts'
import type { CharterSubject } from '../../src/records/index.ts'

const crypto = nobleCrypto
const signer = createSigner(new Uint8Array(32).fill(7), crypto)
const base = (extra: Partial<CharterSubject> = {}): CharterSubject => ({ name: 'Archive', admins: [signer.did], admission: { policy: 'quorum', quorum: 1 }, ...extra })

/** A charter signed at an explicit schema version, whatever its members */
function signedAt (version: number, subject: CharterSubject): Record<string, unknown> {
  const unsigned = buildCredential('charter', subject, { issuer: signer.did, validFrom: '2026-01-01T00:00:00.000Z' }) as any
  unsigned.credentialSchema = { id: credentialSchemaId('charter', version), type: 'JsonSchema' }
  const proof = createProof(unsigned, { verificationMethod: verificationMethodFor(signer.did), created: '2026-01-01T00:00:00.000Z' }, signer.sign, crypto)
  return { ...unsigned, proof }
}

describe('charter schema version 2', () => {
  it('is written only for a charter that names copies or a visibility', () => {
    for (const replication of [undefined, 'full', 'none'] as const) {
      const r = issueRecord('charter', base(replication != null ? { replication } : {}), { signer, crypto })
      assert.equal(r.credential.credentialSchema.id, credentialSchemaId('charter', 1))
    }
    const k = issueRecord('charter', base({ replication: { copies: 3 } }), { signer, crypto })
    assert.equal(k.credential.credentialSchema.id, credentialSchemaId('charter', 2))
    assert.deepEqual(k.credential.credentialSubject.replication, { copies: 3 })
    const v = issueRecord('charter', base({ visibility: 'private' }), { signer, crypto })
    assert.equal(v.credential.credentialSchema.id, credentialSchemaId('charter', 2))
  })

  it('accepts copies 1 and 64, refuses 0, 65, 2.5 and extra members', () => {
    for (const copies of [1, 64]) validateRecord(signedAt(2, base({ replication: { copies } })), { crypto })
    for (const replication of [{ copies: 0 }, { copies: 65 }, { copies: 2.5 }, { copies: 2, max: 3 }, {}]) {
      assert.throws(() => validateRecord(signedAt(2, base({ replication: replication as any })), { crypto }), { name: 'InvalidRecordError' })
    }
    assert.throws(() => validateRecord(signedAt(2, base({ visibility: 'secret' as any })), { crypto }), { name: 'InvalidRecordError' })
  })

  it('version 1 refuses copies and visibility; version 2 still takes full and none', () => {
    assert.throws(() => validateRecord(signedAt(1, base({ replication: { copies: 2 } })), { crypto }), { name: 'InvalidRecordError' })
    assert.throws(() => validateRecord(signedAt(1, base({ visibility: 'public' })), { crypto }), { name: 'InvalidRecordError' })
    for (const replication of ['full', 'none'] as const) validateRecord(signedAt(2, base({ replication })), { crypto })
  })
})
