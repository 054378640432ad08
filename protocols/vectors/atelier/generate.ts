/**
 * Generates the Atelier record test vectors in this folder: one JSON file per kind (one per membership step of the
 * example collective), with every intermediate value of the eddsa-jcs-2022 proof, the record's canonical bytes and
 * its CID. Deterministic: fixed keys (RFC 8032 §7.1 TEST 1, 2, 3 and 1024 secret keys, see README.md) and fixed times.
 *
 * Run `node protocols/vectors/atelier/generate.ts` to rewrite the files; test/records/vectors.spec.ts regenerates
 * them in memory and compares byte for byte.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import {
  canonicalString, createSigner, hashData, issueRecord, nobleCrypto, proofConfiguration, recordCidString,
  verificationMethodFor
} from '../../../src/records/index.ts'
import { buildCredential } from '../../../src/records/issue.ts'
import { encryptionPublicKey } from '../../../src/private/member-keys.ts'
import { wrapInfo } from '../../../src/private/epoch-keys.ts'
import { sealBase } from '../../../src/private/hpke.ts'
import { toKeyWrap } from '../../../src/private/key-wraps.ts'
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { newWork, payloadKey } from '../../../src/private/content-header.ts'
import { sealChunk } from '../../../src/private/content-cipher.ts'
import type { RecordCrypto, RecordKind, Signer, SubjectByKind, ValidRecord } from '../../../src/records/index.ts'

/** RFC 8032 §7.1 TEST 1 secret key: the author of every vector */
export const AUTHOR_SEED_HEX = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'
/** RFC 8032 §7.1 TEST 2 secret key: a co-creator, who issues the attestation */
export const CO_CREATOR_SEED_HEX = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'
/** RFC 8032 §7.1 TEST 1024 secret key: a member the collective's admins admit and later vote to remove */
export const MEMBER_SEED_HEX = 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5'
/** RFC 8032 §7.1 TEST 3 secret key: a newcomer who joins the collective with an invite */
export const JOINER_SEED_HEX = 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7'

// in the form issueRecord writes (Date#toISOString: always three fraction digits)
const VALID_FROM = ['2025-01-15T10:00:00.000Z', '2025-01-15T10:05:00.250Z', '2025-01-16T08:30:00.000Z', '2025-01-17T12:00:00.000Z', '2025-02-01T00:00:00.000Z']
// the collective's records, after the five above: charter, admit, its co-signature, invite, join, remove
// the fingerprinted asset (asset schema version 2), after the collective's records
const FINGERPRINT_VALID_FROM = '2025-03-05T16:20:00.000Z'
const COLLECTIVE_VALID_FROM = ['2025-02-10T09:00:00.000Z', '2025-02-10T09:30:00.000Z', '2025-02-10T14:00:00.000Z', '2025-02-12T08:00:00.000Z', '2025-02-20T17:45:00.500Z', '2025-02-27T11:00:00.000Z']

// the governance example, after those: proposal, the co-creator's vote, the member's vote, the receipt
const GOVERNANCE_VALID_FROM = ['2025-02-28T10:00:00.000Z', '2025-03-02T18:20:00.000Z', '2025-03-03T07:05:00.000Z', '2025-03-03T07:05:02.000Z']
// the profile, after the collective's records
const PROFILE_VALID_FROM = '2025-03-05T16:20:00.000Z'
// the charter at schema version 2 (k copies of each work), after the profile
const CHARTER_V2_VALID_FROM = '2025-03-09T09:15:00.000Z'
// the private collective (charter version 2) and its epoch 0 key record, after the profile
const PRIVATE_VALID_FROM = ['2025-03-06T09:00:00.000Z', '2025-03-06T09:00:00.000Z']
/** The private collective's epoch 0 key: bytes 0x01..0x20 */
export const PRIVATE_EPOCH_KEY_HEX = Array.from({ length: 32 }, (_, i) => (i + 1).toString(16).padStart(2, '0')).join('')
/** The ephemeral X25519 secret of wrap i of the epoch 0 key record: 32 bytes of 0x40 + i */
export const privateWrapEphemeral = (i: number): Uint8Array => new Uint8Array(32).fill(0x40 + i)
// the follows, after the profile: the member follows the author, then the collective
const FOLLOW_VALID_FROM = ['2025-03-06T08:00:00.000Z', '2025-03-06T08:00:30.000Z']

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'))
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

interface Step<K extends RecordKind> {
  file: string
  description: string
  kind: K
  seedHex: string
  subject: SubjectByKind[K]
  validFrom: string
  previous?: string
  collective?: string
}

/** Every value of one vector, computed step by step and checked against issueRecord */
function vector<K extends RecordKind> (step: Step<K>, crypto: RecordCrypto): { json: object, record: ValidRecord<K> } {
  const signer: Signer = createSigner(fromHex(step.seedHex), crypto)
  const unsigned = buildCredential(step.kind, step.subject, {
    issuer: signer.did, validFrom: step.validFrom, previous: step.previous, collective: step.collective
  })
  const options = { verificationMethod: verificationMethodFor(signer.did), created: step.validFrom }
  const canonicalDocument = canonicalString(unsigned)
  const proofConfigCanonical = canonicalString(proofConfiguration(unsigned['@context'], options))
  const data = hashData(utf8(proofConfigCanonical), utf8(canonicalDocument), crypto.sha256)
  const signature = signer.sign(data)
  const record = issueRecord(step.kind, step.subject, {
    signer, crypto, validFrom: new Date(step.validFrom), previous: step.previous, collective: step.collective
  })
  const recordCanonical = new TextDecoder().decode(record.bytes)
  if (record.credential.proof.proofValue !== expectedProofValue(signature)) throw new Error(`${step.file}: issueRecord disagrees with the step-by-step signature`)
  if (record.credential.validFrom !== step.validFrom) throw new Error(`${step.file}: validFrom must already be in record-time form`)
  const json = {
    description: step.description,
    kind: step.kind,
    input: {
      seedHex: step.seedHex,
      issuer: signer.did,
      subject: step.subject,
      options: { validFrom: step.validFrom, created: step.validFrom, ...(step.previous !== undefined ? { previous: step.previous } : {}), ...(step.collective !== undefined ? { collective: step.collective } : {}) }
    },
    unsignedCredential: unsigned,
    canonicalDocument,
    proofConfigCanonical,
    proofConfigHashHex: hex(data.subarray(0, 32)),
    documentHashHex: hex(data.subarray(32)),
    hashDataHex: hex(data),
    signatureHex: hex(signature),
    proofValue: record.credential.proof.proofValue,
    recordCanonical,
    cid: record.cid
  }
  return { json, record }
}

/** proofValue of a signature: multibase base58btc, computed independently of the library under test */
function expectedProofValue (signature: Uint8Array): string {
  return 'z' + base58(signature)
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
/** An independent base58btc encoder, so the vectors do not only check the library against itself */
function base58 (bytes: Uint8Array): string {
  let n = BigInt('0x' + (hex(bytes) || '0'))
  let out = ''
  while (n > 0n) { out = ALPHABET[Number(n % 58n)] + out; n /= 58n }
  for (const b of bytes) { if (b !== 0) break; out = '1' + out }
  return out
}

/** File name → file text of every vector, in the order they chain */
export function generateVectors (crypto: RecordCrypto = nobleCrypto): Map<string, string> {
  const author = createSigner(fromHex(AUTHOR_SEED_HEX), crypto)
  const coCreator = createSigner(fromHex(CO_CREATOR_SEED_HEX), crypto)
  // Stand-ins for a collective charter and a parent record: CIDs of fixed bytes
  const collective = recordCidString(utf8('{"example":"collective charter"}'), crypto)
  const parent = recordCidString(utf8('{"example":"parent asset record"}'), crypto)
  const files = new Map<string, string>()
  const write = (name: string, json: object): void => { files.set(name, JSON.stringify(json, null, 2) + '\n') }

  const asset = vector({
    file: 'asset.json',
    description: 'An illustration derived from a parent asset with an AI model; two creators (6000/4000 bp); first record of the author, in a collective',
    kind: 'asset',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: VALID_FROM[0],
    collective,
    subject: {
      id: 'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      mediaType: 'image/png',
      byteSize: 482133,
      title: 'Harbour at dusk — variation 3',
      description: 'Ink study, recoloured with a diffusion model.',
      tags: ['harbour', 'ink', 'dusk'],
      creators: [
        { id: author.did, name: 'Ada', role: 'illustrator', share: 6000 },
        { id: coCreator.did, name: 'Bo', role: 'colourist', share: 4000 }
      ],
      ingredients: [
        { relationship: 'parentOf', record: parent, kind: 'asset', title: 'Harbour at dusk' },
        { relationship: 'inputTo', content: 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u', kind: 'model', title: 'diffusion model weights' }
      ],
      tools: [
        { name: 'Krita', version: '5.2.6', kind: 'software' },
        { name: 'example-diffusion', version: '1.0', kind: 'aiModel', model: 'bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u', promptHash: '1220' + 'ab'.repeat(32) }
      ],
      digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia',
      trainingMining: {
        'cawg.ai_training': { use: 'notAllowed' },
        'cawg.ai_generative_training': { use: 'notAllowed' },
        'cawg.ai_inference': { use: 'constrained', constraintInfo: 'Non-commercial research only.' },
        'cawg.data_mining': { use: 'allowed' }
      }
    }
  }, crypto)
  write('asset.json', asset.json)

  const license = vector({
    file: 'license.json',
    description: 'Commercial license with attribution and a 10% revenue share up the lineage; splits follow the creators',
    kind: 'license',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: VALID_FROM[1],
    previous: asset.record.cid,
    collective,
    subject: {
      asset: asset.record.cid,
      spdx: 'CC-BY-4.0',
      terms: {
        commercialUse: true,
        commercialAttribution: true,
        derivativesAllowed: true,
        derivativesAttribution: true,
        derivativesApproval: false,
        derivativesReciprocal: false,
        commercialRevShare: 1000,
        aiTraining: 'notAllowed',
        mintingFee: { amount: 2500, currency: 'EUR' },
        territories: ['DE', 'FR', 'NL'],
        expiration: '2030-01-01T00:00:00Z'
      },
      royaltyPolicy: 'LAP',
      splits: [{ id: author.did, share: 6000 }, { id: coCreator.did, share: 4000 }]
    }
  }, crypto)
  write('license.json', license.json)

  const grant = vector({
    file: 'grant.json',
    description: 'The author grants the license to a licensee',
    kind: 'grant',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: VALID_FROM[2],
    previous: license.record.cid,
    subject: {
      id: 'did:example:licensee-42',
      license: license.record.cid,
      asset: asset.record.cid,
      expiration: '2026-01-16T08:30:00Z',
      note: 'Print run of 500 copies.'
    }
  }, crypto)
  write('grant.json', grant.json)

  const attestation = vector({
    file: 'attestation.json',
    description: 'The co-creator confirms the split of the asset (first record of the co-creator)',
    kind: 'attestation',
    seedHex: CO_CREATOR_SEED_HEX,
    validFrom: VALID_FROM[3],
    subject: { record: asset.record.cid, claim: 'splitConfirmed', comment: '60/40 as agreed.' }
  }, crypto)
  write('attestation.json', attestation.json)

  const revocation = vector({
    file: 'revocation.json',
    description: 'The author withdraws the grant from a time on',
    kind: 'revocation',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: VALID_FROM[4],
    previous: grant.record.cid,
    subject: { record: grant.record.cid, effectiveFrom: '2025-02-01T00:00:00Z', reason: 'Licensee asked to end the grant early.' }
  }, crypto)
  write('revocation.json', revocation.json)

  // A real collective: its charter, then membership records naming the charter's CID (protocols/collectives.md)
  const member = createSigner(fromHex(MEMBER_SEED_HEX), crypto)
  const joiner = createSigner(fromHex(JOINER_SEED_HEX), crypto)
  const charter = vector({
    file: 'charter.json',
    description: 'The author founds a collective with the co-creator as second admin; admits and removes need both, newcomers may also join with an invite',
    kind: 'charter',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: COLLECTIVE_VALID_FROM[0],
    previous: revocation.record.cid,
    subject: {
      name: 'Harbour Illustrators',
      description: 'Ink and colour studies of the old harbour.',
      admins: [author.did, coCreator.did],
      admission: { policy: 'invite', quorum: 2 },
      replication: 'full'
    }
  }, crypto)
  write('charter.json', charter.json)

  const admitSubject = { action: 'admit', member: member.did, effectiveFrom: '2025-02-11T00:00:00Z' } as const
  const admit = vector({
    file: 'membership-admit.json',
    description: 'The author (an admin) signs admitting a member from a time on; one of the two signatures the quorum needs',
    kind: 'membership',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: COLLECTIVE_VALID_FROM[1],
    previous: charter.record.cid,
    collective: charter.record.cid,
    subject: admitSubject
  }, crypto)
  write('membership-admit.json', admit.json)

  const cosign = vector({
    file: 'membership-admit-cosign.json',
    description: 'The co-creator (the other admin) signs the same admission: with two of two signatures it takes effect',
    kind: 'membership',
    seedHex: CO_CREATOR_SEED_HEX,
    validFrom: COLLECTIVE_VALID_FROM[2],
    previous: attestation.record.cid,
    collective: charter.record.cid,
    subject: admitSubject
  }, crypto)
  write('membership-admit-cosign.json', cosign.json)

  const invite = vector({
    file: 'membership-invite.json',
    description: 'The author issues a bearer invite: up to 3 joins until its expiration',
    kind: 'membership',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: COLLECTIVE_VALID_FROM[3],
    previous: admit.record.cid,
    collective: charter.record.cid,
    subject: { action: 'invite', expiration: '2025-03-15T00:00:00Z', maxUses: 3 }
  }, crypto)
  write('membership-invite.json', invite.json)

  const join = vector({
    file: 'membership-join.json',
    description: 'A newcomer joins with the invite: a member from this record\'s validFrom (first record of the joiner)',
    kind: 'membership',
    seedHex: JOINER_SEED_HEX,
    validFrom: COLLECTIVE_VALID_FROM[4],
    collective: charter.record.cid,
    subject: { action: 'join', invite: invite.record.cid }
  }, crypto)
  write('membership-join.json', join.json)

  const remove = vector({
    file: 'membership-remove.json',
    description: 'The co-creator signs removing the admitted member from a time on; one signature of the two needed, so it is pending',
    kind: 'membership',
    seedHex: CO_CREATOR_SEED_HEX,
    validFrom: COLLECTIVE_VALID_FROM[5],
    previous: cosign.record.cid,
    collective: charter.record.cid,
    subject: { action: 'remove', member: member.did, effectiveFrom: '2025-03-01T00:00:00Z', reason: 'Moved to another collective.' }
  }, crypto)
  write('membership-remove.json', remove.json)

  // Asset schema version 2: an asset that carries fingerprints of its content (protocols/records.md §3.1). The codes
  // are those of the PNG named (a 640×480 test image, test/fingerprints/generated.ts structuredImage(12), 13,709
  // bytes as sharp encoded it); the record does not depend on the image being at hand
  const fingerprinted = vector({
    file: 'asset-fingerprints.json',
    description: 'An image asset with its PDQ-256 (with quality) and ISCC Image-Code-64 fingerprints: asset schema version 2; the author\'s next record',
    kind: 'asset',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: FINGERPRINT_VALID_FROM,
    previous: invite.record.cid,
    subject: {
      id: 'ipfs://bafkreibf73srcor3ybqclfmupllc4lfdvrpmwygqocif7xzpxculodlpe4',
      mediaType: 'image/png',
      byteSize: 13709,
      title: 'Discs and bars',
      creators: [{ id: author.did, share: 10000 }],
      fingerprints: [
        { alg: 'pdq-256', bits: 256, code: '803e3fe3e2303c0ce1f8ce1c17e3fe1b8ce3211e88fc1fc4fc0ec40335fa23f8', quality: 100 },
        { alg: 'iscc-image-64', bits: 64, code: 'ISCC:EEA4ADZP6A4JHHZ4' }
      ]
    }
  }, crypto)
  write('asset-fingerprints.json', fingerprinted.json)

  // Governance (protocols/governance.md §8): the author proposes making the newcomer an admin; two members vote for
  // it and the author's node witnesses both votes in one receipt before the close
  const proposal = vector({
    file: 'governance-proposal.json',
    description: 'The author proposes adding the newcomer as an admin: single choice (for/against), one member one vote, half the electorate must vote, two thirds of the votes cast must be for',
    kind: 'proposal',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: GOVERNANCE_VALID_FROM[0],
    previous: invite.record.cid,
    collective: charter.record.cid,
    subject: {
      title: 'Make the newcomer an admin',
      description: 'She has run the last two print fairs.',
      changes: [{ action: 'addAdmin', member: joiner.did }],
      method: 'single',
      weighting: 'equal',
      turnout: { numerator: 1, denominator: 2 },
      threshold: { numerator: 2, denominator: 3 },
      closes: '2025-03-07T10:00:00Z'
    }
  }, crypto)
  write('governance-proposal.json', proposal.json)

  const vote = vector({
    file: 'governance-vote.json',
    description: 'The co-creator votes for (choice 0)',
    kind: 'vote',
    seedHex: CO_CREATOR_SEED_HEX,
    validFrom: GOVERNANCE_VALID_FROM[1],
    previous: remove.record.cid,
    collective: charter.record.cid,
    subject: { proposal: proposal.record.cid, choice: 0 }
  }, crypto)
  write('governance-vote.json', vote.json)

  const memberVote = vector({
    file: 'governance-vote-member.json',
    description: 'The admitted member votes for as well (its first record)',
    kind: 'vote',
    seedHex: MEMBER_SEED_HEX,
    validFrom: GOVERNANCE_VALID_FROM[2],
    collective: charter.record.cid,
    subject: { proposal: proposal.record.cid, choice: 0 }
  }, crypto)
  write('governance-vote-member.json', memberVote.json)

  const receipt = vector({
    file: 'governance-receipt.json',
    description: 'The author\'s node witnesses both votes before the close: the evidence that lets them count',
    kind: 'receipt',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: GOVERNANCE_VALID_FROM[3],
    previous: proposal.record.cid,
    collective: charter.record.cid,
    subject: { proposal: proposal.record.cid, votes: [vote.record.cid, memberVote.record.cid].sort() }
  }, crypto)
  write('governance-receipt.json', receipt.json)

  // added with the profile kind (records.md §3.11): the author names itself, after its collective records
  const profile = vector({
    file: 'profile.json',
    description: 'The author names itself: display name, bio, avatar (a content CID) and links; in the collective, so its members see the name',
    kind: 'profile',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: PROFILE_VALID_FROM,
    previous: invite.record.cid,
    collective: charter.record.cid,
    subject: {
      id: author.did,
      name: 'Ada Lindqvist',
      bio: 'Ink studies of the old harbour; colour by hand, sometimes with a model.',
      avatar: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      links: ['https://example.com/ada', 'https://example.org/portfolio/ada']
    }
  }, crypto)
  write('profile.json', profile.json)

  // Charter schema version 2 (records.md §3.6, §8): the newcomer founds an archive whose works are each pinned by
  // three members chosen by rendezvous hashing (protocols/collectives.md "Replication"); public, said explicitly
  const archive = vector({
    file: 'charter-replicated.json',
    description: 'The newcomer founds an archive collective: replication { copies: 3 } and visibility public, charter schema version 2; the newcomer\'s next record',
    kind: 'charter',
    seedHex: JOINER_SEED_HEX,
    validFrom: CHARTER_V2_VALID_FROM,
    previous: join.record.cid,
    subject: {
      name: 'Harbour Archive',
      admins: [joiner.did],
      admission: { policy: 'quorum', quorum: 1 },
      replication: { copies: 3 },
      visibility: 'public'
    }
  }, crypto)
  write('charter-replicated.json', archive.json)
  // added with private collectives (protocols/private-collectives.md, records.md §3.13): a charter of version 2
  // (visibility and replication by copies) and the key record of its epoch 0, wrapped to both admins with fixed
  // ephemeral keys so the wraps are reproducible
  const privateCharter = vector({
    file: 'charter-private.json',
    description: 'A private collective (charter version 2: visibility private, each work kept by 3 members), both admins, either one admits',
    kind: 'charter',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: PRIVATE_VALID_FROM[0],
    previous: profile.record.cid,
    subject: {
      name: 'Harbour Drafts',
      admins: [author.did, coCreator.did],
      admission: { policy: 'quorum', quorum: 1 },
      replication: { copies: 3 },
      visibility: 'private'
    }
  }, crypto)
  write('charter-private.json', privateCharter.json)

  const epochKey = fromHex(PRIVATE_EPOCH_KEY_HEX)
  const wraps = [author.did, coCreator.did].sort().map((to, i) => {
    const info = wrapInfo(privateCharter.record.cid, 0, to)
    return toKeyWrap({ to, ...sealBase(encryptionPublicKey(to), info, info, epochKey, privateWrapEphemeral(i)) })
  })
  const keyRecord = vector({
    file: 'key-epoch-0.json',
    description: 'Epoch 0 of the private collective: its key (bytes 0x01..0x20) wrapped to both admins, the ephemeral secret of wrap i being 32 bytes of 0x40 + i (wraps sorted by did)',
    kind: 'key',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: PRIVATE_VALID_FROM[1],
    previous: privateCharter.record.cid,
    collective: privateCharter.record.cid,
    subject: { epoch: 0, reason: 'charter', cause: privateCharter.record.cid, part: 0, parts: 1, wraps }
  }, crypto)
  write('key-epoch-0.json', keyRecord.json)

  // Asset schema version 3 (protocols/private-collectives.md §9): an encrypted work of the collective, epoch 0. Its
  // content is the ciphertext of 2,100 bytes (i mod 251) in 1 KiB chunks under the fixed keys of
  // protocols/vectors/private/content.json (epoch key 00…1f, work key 40…5f, salt a0…bf), wrapped for this charter;
  // the CID is the raw CID of those 2,244 bytes, as the node addresses a file that small
  const contentEpochKey = Uint8Array.from({ length: 32 }, (_, i) => i)
  const plaintext = Uint8Array.from({ length: 2100 }, (_, i) => i % 251)
  const work = newWork(contentEpochKey, charter.record.cid, 0, 1024, { workKey: Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i), salt: Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i) })
  const key = payloadKey(work.workKey, work.header.salt)
  const sealed = [0, 1, 2].map(i => sealChunk(key, work.header.bytes, i, i === 2, plaintext.subarray(i * 1024, (i + 1) * 1024)))
  const ciphertext = Buffer.concat([work.header.bytes, ...sealed])
  const contentCid = CID.createV1(0x55, Digest.create(0x12, createHash('sha256').update(ciphertext).digest())).toString()
  const encrypted = vector({
    file: 'asset-encrypted.json',
    description: 'An encrypted work of the collective: asset schema version 3 with its encryption member (plaintext media type inside, no fingerprint); the content CID names the ciphertext',
    kind: 'asset',
    seedHex: AUTHOR_SEED_HEX,
    validFrom: PROFILE_VALID_FROM,
    previous: profile.record.cid,
    collective: charter.record.cid,
    subject: {
      id: `ipfs://${contentCid}`,
      mediaType: 'application/vnd.atelier.encrypted',
      byteSize: ciphertext.length,
      title: 'Harbour study, draft',
      creators: [{ id: author.did, share: 10000 }],
      encryption: {
        scheme: 'atelier-stream-chacha20poly1305-v1',
        epoch: 0,
        chunkSize: 1024,
        plaintextSize: plaintext.length,
        salt: Buffer.from(work.header.salt).toString('base64url'),
        wrappedKey: Buffer.from(work.header.wrappedKey).toString('base64url'),
        mediaType: 'image/png'
      }
    }
  }, crypto)
  write('asset-encrypted.json', encrypted.json)
  // added with the follow kind (records.md §3.12): the admitted member follows the author in the collective, then
  // the collective itself (its charter's CID); the member's previous records are its governance vote, then the first follow
  const follow = vector({
    file: 'follow.json',
    description: 'The member follows the author (a did:key), in public within the collective',
    kind: 'follow',
    seedHex: MEMBER_SEED_HEX,
    validFrom: FOLLOW_VALID_FROM[0],
    previous: memberVote.record.cid,
    collective: charter.record.cid,
    subject: { target: author.did }
  }, crypto)
  write('follow.json', follow.json)

  const followCollective = vector({
    file: 'follow-collective.json',
    description: 'The member follows the collective itself: the target is the charter\'s record CID',
    kind: 'follow',
    seedHex: MEMBER_SEED_HEX,
    validFrom: FOLLOW_VALID_FROM[1],
    previous: follow.record.cid,
    collective: charter.record.cid,
    subject: { target: charter.record.cid }
  }, crypto)
  write('follow-collective.json', followCollective.json)

  return files
}

// Run directly: rewrite the vector files next to this script
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const here = dirname(fileURLToPath(import.meta.url))
  const files = generateVectors()
  for (const [name, text] of files) writeFileSync(join(here, name), text)
  console.log(`wrote ${[...files.keys()].join(', ')} in ${here}`)
}
