/**
 * Test records for the index: well-formed `ValidRecord`s with fake (random) CIDs and unsigned-but-shaped proofs.
 * The index trusts `ValidRecord` fields and never reads the bytes or checks the proof.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { base58btc } from 'multiformats/bases/base58'
import * as Digest from 'multiformats/hashes/digest'
import type {
  AssetSubject, AttestationSubject, Credential, GrantSubject, Ingredient, LicenseSubject, RecordKind, Relationship,
  RevocationSubject, SubjectByKind, ValidRecord
} from '../../src/records/types.ts'
import { RecordIndex } from '../../src/index/index.ts'

const JSON_CODEC = 0x0200
const RAW_CODEC = 0x55
const SHA256 = 0x12

/** A CIDv1 (base32) over random bytes: a record CID by default, a content CID with `raw` */
export function fakeCid (codec: number = JSON_CODEC): string {
  return CID.createV1(codec, Digest.create(SHA256, randomBytes(32))).toString()
}

export function fakeContentCid (): string {
  return fakeCid(RAW_CODEC)
}

/** A did:key-shaped identifier (Ed25519 multicodec prefix, random key) */
export function fakeDid (): string {
  const bytes = new Uint8Array(34)
  bytes[0] = 0xed
  bytes[1] = 0x01
  bytes.set(randomBytes(32), 2)
  return `did:key:${base58btc.encode(bytes)}`
}

export function iso (ms: number): string {
  return new Date(ms).toISOString()
}

interface Common {
  author: string
  time: number
  collective?: string
  previous?: string
  cid?: string
}

function record<K extends RecordKind> (kind: K, c: Common, subject: SubjectByKind[K]): ValidRecord<K> {
  const credential: Credential<K> = {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://atelier.example/ns/v1'],
    type: ['VerifiableCredential', `Atelier${kind[0].toUpperCase()}${kind.slice(1)}Credential`],
    issuer: c.author,
    validFrom: iso(c.time),
    credentialSchema: { id: `https://atelier.example/schemas/${kind}/v1.json`, type: 'JsonSchema' },
    ...(c.previous != null ? { previous: c.previous } : {}),
    ...(c.collective != null ? { collective: c.collective } : {}),
    credentialSubject: subject,
    proof: {
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-jcs-2022',
      created: iso(c.time),
      verificationMethod: `${c.author}#${c.author.slice('did:key:'.length)}`,
      proofPurpose: 'assertionMethod',
      proofValue: 'z' + base58btc.encode(randomBytes(64)).slice(1)
    }
  }
  const r: ValidRecord<K> = {
    cid: c.cid ?? fakeCid(),
    bytes: new Uint8Array(0),
    credential,
    kind,
    author: c.author,
    time: c.time
  }
  if (c.previous != null) r.previous = c.previous
  if (c.collective != null) r.collective = c.collective
  return r
}

export interface AssetInit extends Common {
  title?: string
  content?: string
  /** parent asset record CIDs (relationship parentOf) or full ingredients */
  parents?: Array<string | Ingredient>
  fingerprints?: AssetSubject['fingerprints']
}

export function makeAsset (a: AssetInit): ValidRecord<'asset'> {
  const subject: AssetSubject = {
    id: `ipfs://${a.content ?? fakeContentCid()}`,
    mediaType: 'image/png',
    byteSize: 1024,
    title: a.title ?? 'untitled',
    creators: [{ id: a.author, role: 'author', share: 10000 }]
  }
  if (a.parents != null && a.parents.length > 0) {
    subject.ingredients = a.parents.map(p => typeof p === 'string' ? { relationship: 'parentOf' as Relationship, record: p, kind: 'asset' as const } : p)
  }
  if (a.fingerprints != null) subject.fingerprints = a.fingerprints
  return record('asset', a, subject)
}

export function makeLicense (c: Common & { asset: string }): ValidRecord<'license'> {
  const subject: LicenseSubject = {
    asset: c.asset,
    spdx: 'CC-BY-4.0',
    terms: {
      commercialUse: true,
      commercialAttribution: true,
      derivativesAllowed: true,
      derivativesAttribution: true,
      derivativesApproval: false,
      derivativesReciprocal: false,
      commercialRevShare: 500,
      aiTraining: 'notAllowed'
    },
    royaltyPolicy: 'LAP'
  }
  return record('license', c, subject)
}

export function makeGrant (c: Common & { license: string, asset: string, licensee: string }): ValidRecord<'grant'> {
  const subject: GrantSubject = { id: c.licensee, license: c.license, asset: c.asset }
  return record('grant', c, subject)
}

export function makeAttestation (c: Common & { target: string }): ValidRecord<'attestation'> {
  const subject: AttestationSubject = { record: c.target, claim: 'endorsement' }
  return record('attestation', c, subject)
}

export function makeRevocation (c: Common & { target: string }): ValidRecord<'revocation'> {
  const subject: RevocationSubject = { record: c.target, effectiveFrom: iso(c.time) }
  return record('revocation', c, subject)
}

/** A temp dir for one test, removed by `cleanup` */
export async function tempDir (): Promise<{ path: string, cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'atelier-index-test-'))
  return { path, cleanup: async () => { await rm(path, { recursive: true, force: true }) } }
}

/** An open index in a fresh temp dir; `done()` closes it and removes the dir */
export async function openTempIndex (): Promise<{ index: RecordIndex, path: string, done: () => Promise<void> }> {
  const dir = await tempDir()
  const index = new RecordIndex({ path: join(dir.path, 'index') })
  await index.open()
  return {
    index,
    path: join(dir.path, 'index'),
    done: async () => {
      await index.close()
      await dir.cleanup()
    }
  }
}

/** Every page of a query, following cursors */
export async function allPages (index: RecordIndex, q: Parameters<RecordIndex['query']>[0]): Promise<string[][]> {
  const pages: string[][] = []
  let cursor: string | undefined
  for (;;) {
    const page = await index.query({ ...q, cursor })
    pages.push(page.items.map(s => s.cid))
    if (page.cursor == null) return pages
    cursor = page.cursor
  }
}

export async function * iterate<T> (items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item
}

/** Fisher-Yates, in place */
export function shuffle<T> (items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]]
  }
  return items
}

import { seededRandom as seeded } from '../utils/random.ts'
/** seeded pseudo-random numbers in [0, 1), shared by the suites */
export { seeded }

export interface Dataset {
  records: ValidRecord[]
  authors: string[]
  collectives: string[]
  assets: ValidRecord<'asset'>[]
  licensees: string[]
  contents: string[]
  /** times used; many records share one, to exercise the CID tie-break */
  times: number[]
}

/**
 * A mixed set of every kind: assets (some with parents, some sharing content), licenses, grants, attestations,
 * revocations, over a few authors and collectives, with times drawn from a small set so ties are common.
 */
export function buildDataset (size = 300, seed = 1): Dataset {
  const random = seeded(seed)
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]
  const authors = Array.from({ length: 5 }, () => fakeDid())
  const collectives = Array.from({ length: 3 }, () => fakeCid())
  const licensees = Array.from({ length: 4 }, () => fakeDid())
  const contents = Array.from({ length: 8 }, () => fakeContentCid())
  const base = Date.UTC(2025, 0, 1)
  const times = Array.from({ length: 40 }, (_, i) => base + i * 60_000)
  const records: ValidRecord[] = []
  const assets: ValidRecord<'asset'>[] = []
  const licenses: ValidRecord<'license'>[] = []
  for (let i = 0; i < size; i++) {
    const common = {
      author: pick(authors),
      time: pick(times),
      ...(random() < 0.6 ? { collective: pick(collectives) } : {})
    }
    const r = random()
    let rec: ValidRecord
    if (assets.length < 10 || r < 0.4) {
      const parents = assets.length > 0 && random() < 0.5 ? [pick(assets).cid] : []
      const a = makeAsset({ ...common, title: `asset ${i}`, content: random() < 0.5 ? pick(contents) : undefined, parents })
      assets.push(a)
      rec = a
    } else if (r < 0.55) {
      const l = makeLicense({ ...common, asset: pick(assets).cid })
      licenses.push(l)
      rec = l
    } else if (r < 0.75 && licenses.length > 0) {
      const l = pick(licenses)
      rec = makeGrant({ ...common, license: l.cid, asset: l.credential.credentialSubject.asset, licensee: pick(licensees) })
    } else if (r < 0.9) {
      rec = makeAttestation({ ...common, target: pick(records).cid })
    } else {
      rec = makeRevocation({ ...common, target: pick(records).cid })
    }
    records.push(rec)
  }
  return { records, authors, collectives, assets, licensees, contents, times }
}
