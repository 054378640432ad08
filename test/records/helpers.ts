/**
 * Shared fixtures for the record tests: fixed signers, a valid subject per kind, and an assertion that an error is
 * one of ours with a given name and a message naming the field.
 */
import assert from 'node:assert/strict'
import { buildCredential, createProof, createSigner, nobleCrypto, recordCidString, verificationMethodFor } from '../../src/records/index.ts'
import type { RecordKind, Signer, SubjectByKind } from '../../src/records/index.ts'

export const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'))
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

/** RFC 8032 TEST 1 and TEST 2 keys, as in the project vectors */
export const authorSeed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
export const otherSeed = fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb')
export const author: Signer = createSigner(authorSeed, nobleCrypto)
export const other: Signer = createSigner(otherSeed, nobleCrypto)

/** Record CIDs of fixed bytes, standing in for records the subjects point at */
export const someRecordCid = recordCidString(utf8('{"a":1}'), nobleCrypto)
export const otherRecordCid = recordCidString(utf8('{"b":2}'), nobleCrypto)
export const contentCid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

export const fixedTime = new Date('2025-03-01T09:00:00.123Z')

/** A small valid subject of each kind */
export function subjects (): { [K in RecordKind]: SubjectByKind[K] } {
  return {
    asset: {
      id: `ipfs://${contentCid}`,
      mediaType: 'text/plain',
      byteSize: 12,
      title: 'A note',
      creators: [{ id: author.did, share: 7000, role: 'author' }, { id: other.did, share: 3000 }],
      ingredients: [{ relationship: 'parentOf', record: someRecordCid }]
    },
    license: {
      asset: someRecordCid,
      terms: {
        commercialUse: false,
        commercialAttribution: true,
        derivativesAllowed: true,
        derivativesAttribution: true,
        derivativesApproval: false,
        derivativesReciprocal: true,
        commercialRevShare: 0,
        aiTraining: 'notAllowed'
      },
      royaltyPolicy: 'LRP',
      splits: [{ id: author.did, share: 5000 }, { id: other.did, share: 5000 }]
    },
    grant: { id: other.did, license: otherRecordCid, asset: someRecordCid },
    attestation: { record: someRecordCid, claim: 'endorsement' },
    revocation: { record: someRecordCid, effectiveFrom: '2025-03-02T00:00:00Z' },
    charter: { name: 'Harbour collective', admins: [author.did, other.did], admission: { policy: 'quorum', quorum: 2 } },
    membership: { action: 'admit', member: other.did, effectiveFrom: '2025-03-02T00:00:00Z' },
    proposal: {
      title: 'Make Bo an admin',
      changes: [{ action: 'addAdmin', member: other.did }],
      method: 'single',
      weighting: 'equal',
      turnout: { numerator: 1, denominator: 2 },
      threshold: { numerator: 2, denominator: 3 },
      closes: '2025-03-08T09:00:00Z'
    },
    vote: { proposal: someRecordCid, choice: 0 },
    receipt: { proposal: someRecordCid, votes: [otherRecordCid] },
    profile: { id: author.did, name: 'Ada' },
    key: { epoch: 1, reason: 'removal', cause: someRecordCid, part: 0, parts: 1, wraps: [{ to: other.did, enc: 'A'.repeat(43), ct: 'B'.repeat(64) }] },
    follow: { target: other.did }
  }
}

/** Kinds that are valid only inside a collective: they name their charter in `collective` */
export const COLLECTIVE_KINDS: ReadonlySet<RecordKind> = new Set(['membership', 'proposal', 'vote', 'receipt', 'key'])

/** The `collective` a record of `kind` needs to be valid: collective kinds name their charter, the rest need none */
export function collectiveFor (kind: RecordKind): string | undefined {
  return COLLECTIVE_KINDS.has(kind) ? otherRecordCid : undefined
}

/** `fn` throws an error of class `name` whose message contains every one of `words` */
export function assertRejects (fn: () => unknown, name: string, code: string, ...words: string[]): void {
  assert.throws(fn, (err: any) => {
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`)
    assert.equal(err.code, code)
    for (const word of words) assert.ok(err.message.includes(word), `message "${err.message}" should mention "${word}"`)
    return true
  })
}

/**
 * A correctly signed credential of `kind` whose unsigned form went through `mutate` first: lets a test break one
 * rule while the proof stays valid, so only that rule can be what rejects it.
 */
export function forge<K extends RecordKind> (kind: K, subject: SubjectByKind[K], mutate: (unsigned: any) => void = () => {},
  signer: Signer = author): any {
  const unsigned: any = buildCredential(kind, subject, { issuer: signer.did, validFrom: fixedTime.toISOString(), collective: collectiveFor(kind) })
  mutate(unsigned)
  const proof = createProof(unsigned, { verificationMethod: verificationMethodFor(signer.did), created: fixedTime.toISOString() },
    signer.sign, nobleCrypto)
  return { ...unsigned, proof }
}
