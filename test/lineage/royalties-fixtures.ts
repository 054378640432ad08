/**
 * Lineage fixtures for the royalty, PROV and C2PA tests: a graph builder over a MemoryLineageView, with records
 * either really signed (`issueRecord`, native Ed25519: a few ms each) or merely well-shaped (fast, for the property
 * tests over hundreds of random graphs). The reports read only the view, so both kinds behave the same.
 */
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { base58btc } from 'multiformats/bases/base58'
import { createSigner, issueRecord } from '../../src/records/index.ts'
import type {
  AssetSubject, Credential, Ingredient, LicenseSubject, RecordKind, RevocationSubject, RoyaltyPolicy, Signer,
  SubjectByKind, ValidRecord
} from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { MemoryLineageView } from '../../src/lineage/memory-view.ts'

const JSON_CODEC = 0x0200
const RAW_CODEC = 0x55

function sha256 (text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text).digest())
}

/** A deterministic CID from a label: a record CID by default, a content CID with `raw` */
export function cidOf (label: string, codec = JSON_CODEC): string {
  return CID.createV1(codec, Digest.create(0x12, sha256(label))).toString()
}

/** A real signer whose key derives from `name`, so test output is stable */
export function person (name: string): Signer {
  return createSigner(sha256('person:' + name), nativeCrypto)
}

/** A did:key-shaped identifier derived from `name` (no key behind it; fine for unsigned records) */
export function fakeDid (name: string): string {
  const bytes = new Uint8Array(34)
  bytes[0] = 0xed
  bytes[1] = 0x01
  bytes.set(sha256('did:' + name), 2)
  return `did:key:${base58btc.encode(bytes)}`
}

export interface AssetSpec {
  title?: string
  /** issuer; defaults to the first creator */
  author?: string
  /** [did, share] pairs; shares in basis points adding up to 10000 */
  creators: Array<[string, number]>
  /** parent record CIDs (parentOf) or whole ingredients */
  parents?: Array<string | Ingredient>
  content?: string
  extra?: Partial<AssetSubject>
  time?: number
}

export interface LicenseSpec {
  rate: number
  policy: RoyaltyPolicy
  /** issuer; defaults to the asset's author */
  issuer?: string
  splits?: Array<[string, number]>
  time?: number
}

const BASE_TIME = Date.UTC(2025, 0, 1)

/**
 * Builds a lineage. With `signers` (did → Signer) the records are issued and validated for real; without, they
 * are credential-shaped objects with fake CIDs.
 */
export class LineageBuilder {
  readonly view = new MemoryLineageView()
  readonly records: ValidRecord[] = []
  private readonly signers: Map<string, Signer> | undefined
  private n = 0
  private readonly authorOf = new Map<string, string>()
  private readonly contentOf = new Map<string, string>()

  constructor (signers?: Signer[]) {
    this.signers = signers == null ? undefined : new Map(signers.map(s => [s.did, s]))
  }

  private make<K extends RecordKind> (kind: K, issuer: string, subject: SubjectByKind[K], time: number): ValidRecord<K> {
    const signer = this.signers?.get(issuer)
    let record: ValidRecord<K>
    if (this.signers != null) {
      if (signer == null) throw new Error(`no signer for ${issuer}`)
      record = issueRecord(kind, subject, { signer, crypto: nativeCrypto, validFrom: new Date(time) })
    } else {
      const iso = new Date(time).toISOString()
      const credential: Credential<K> = {
        '@context': ['https://www.w3.org/ns/credentials/v2', 'https://atelier.works/ns/records/v1'],
        type: ['VerifiableCredential', kind[0].toUpperCase() + kind.slice(1) + 'Record'],
        issuer,
        validFrom: iso,
        credentialSchema: { id: `https://atelier.works/schemas/${kind}/1.json`, type: 'JsonSchema' },
        credentialSubject: subject,
        proof: {
          type: 'DataIntegrityProof',
          cryptosuite: 'eddsa-jcs-2022',
          created: iso,
          verificationMethod: `${issuer}#${issuer.slice('did:key:'.length)}`,
          proofPurpose: 'assertionMethod',
          proofValue: 'z' + base58btc.encode(sha256('proof:' + String(this.n))).slice(1)
        }
      }
      record = { cid: cidOf(`${kind}:${this.n}`), bytes: new Uint8Array(0), credential, kind, author: issuer, time }
    }
    this.n++
    this.records.push(record)
    this.view.add(record)
    return record
  }

  /** Add an asset record; returns its CID */
  asset (spec: AssetSpec): string {
    const content = spec.content ?? cidOf(`content:${this.n}`, RAW_CODEC)
    const subject: AssetSubject = {
      id: `ipfs://${content}`,
      mediaType: 'image/png',
      byteSize: 1000 + this.n,
      title: spec.title ?? `asset ${this.n}`,
      creators: spec.creators.map(([id, share]) => ({ id, share })),
      ...spec.extra
    }
    if (spec.parents != null && spec.parents.length > 0) {
      subject.ingredients = spec.parents.map(p => typeof p === 'string' ? { relationship: 'parentOf' as const, record: p } : p)
    }
    const author = spec.author ?? spec.creators[0][0]
    const r = this.make('asset', author, subject, spec.time ?? BASE_TIME + this.n * 1000)
    this.authorOf.set(r.cid, author)
    this.contentOf.set(r.cid, content)
    return r.cid
  }

  /** The content CID of an asset this builder made */
  content (asset: string): string {
    const c = this.contentOf.get(asset)
    if (c == null) throw new Error(`unknown asset ${asset}`)
    return c
  }

  /** Offer a license for `asset`; returns its CID */
  license (asset: string, spec: LicenseSpec): string {
    const subject: LicenseSubject = {
      asset,
      terms: {
        commercialUse: true,
        commercialAttribution: true,
        derivativesAllowed: true,
        derivativesAttribution: true,
        derivativesApproval: false,
        derivativesReciprocal: false,
        commercialRevShare: spec.rate,
        aiTraining: 'notAllowed'
      },
      royaltyPolicy: spec.policy
    }
    if (spec.splits != null) subject.splits = spec.splits.map(([id, share]) => ({ id, share }))
    const issuer = spec.issuer ?? this.authorOf.get(asset)
    if (issuer == null) throw new Error(`unknown asset ${asset}`)
    return this.make('license', issuer, subject, spec.time ?? BASE_TIME + this.n * 1000).cid
  }

  /** Revoke a record; `issuer` defaults to the record's own issuer */
  revoke (record: string, options: { issuer?: string, effectiveFrom?: string } = {}): string {
    const target = this.records.find(r => r.cid === record)
    if (target == null) throw new Error(`unknown record ${record}`)
    const subject: RevocationSubject = { record, effectiveFrom: options.effectiveFrom ?? '2025-01-01T00:00:00Z' }
    return this.make('revocation', options.issuer ?? target.author, subject, BASE_TIME + this.n * 1000).cid
  }
}

/** xorshift32: a small seeded generator, so a failing random case can be replayed from its seed */
export function rng (seed: number): () => number {
  // small seeds give small first outputs: mix the seed and skip a few rounds
  let x = (Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0) || 1
  const next = (): number => {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    return x / 0x100000000
  }
  for (let i = 0; i < 8; i++) next()
  return next
}
