/**
 * A small world for verification tests: real signed records (issueRecord, native crypto), a real RecordIndex in a
 * temp dir, and an in-memory store of record and content blocks that can be tampered with.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { NotFoundError } from '../../src/errors.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { RecordIndex } from '../../src/index/index.ts'
import { createSigner } from '../../src/records/signer.ts'
import { issueRecord } from '../../src/records/issue.ts'
import { recordCidString } from '../../src/records/cid.ts'
import type {
  AssetSubject, Ingredient, LicenseTerms, RecordKind, RoyaltyPolicy, Signer, SubjectByKind, TrainingMiningEntry,
  TrainingMiningKey, ValidRecord
} from '../../src/records/types.ts'
import { importFile } from '../../src/store/importer.ts'
import { createVerifyView } from '../../src/lineage/verify-view.ts'
import type { WorkFingerprinter } from '../../src/node/work-fingerprints.ts'
import type { MembershipCheck, VerifyView } from '../../src/lineage/verify-view.ts'
import { verifyProvenance } from '../../src/lineage/verify.ts'
import type { ProvenanceReport, VerifyOptions } from '../../src/lineage/verify.ts'

export const T0 = Date.UTC(2025, 0, 1)
export const DAY = 86_400_000

/** Terms that allow derivatives freely, with attribution (CC BY-like) */
export const OPEN_TERMS: LicenseTerms = {
  commercialUse: true,
  commercialAttribution: true,
  derivativesAllowed: true,
  derivativesAttribution: true,
  derivativesApproval: false,
  derivativesReciprocal: false,
  commercialRevShare: 0,
  aiTraining: 'allowed'
}

export interface AssetInit {
  by: string
  title?: string
  /** content CID; default a fresh random (not held) raw CID */
  content?: string
  byteSize?: number
  ingredients?: Ingredient[]
  trainingMining?: Partial<Record<TrainingMiningKey, TrainingMiningEntry>>
  collective?: string
  /** epoch ms; default the world clock, which then moves on a day */
  at?: number
  /** the author's previous record (its chain) */
  previous?: string
  /** proof.created, epoch ms; default validFrom */
  created?: number
  /** default image/png */
  mediaType?: string
  fingerprints?: AssetSubject['fingerprints']
  encryption?: AssetSubject['encryption']
}

/** A random raw CID (content nobody holds) */
export function strayContentCid (codec = 0x55): string {
  return CID.createV1(codec, Digest.create(0x12, randomBytes(32))).toString()
}

/** A random CID of the json codec (a record CID nobody issued) */
export function strayRecordCid (): string {
  return recordCidString(randomBytes(40), nativeCrypto)
}

export class World {
  readonly index: RecordIndex
  readonly records = new Map<string, Uint8Array>()
  readonly blocks = new Map<string, Uint8Array>()
  /** whole files by content CID, as `addContent` imported them: what the fingerprinter reads */
  readonly files = new Map<string, Uint8Array>()
  /** set to recompute fingerprints in reports (a WorkFingerprinter over `fileStore()`) */
  fingerprinter?: WorkFingerprinter
  /** opens encrypted works' wrapped keys (the node's epoch keys); absent: not checked */
  openWorkKey?: VerifyView['openWorkKey']
  members?: MembershipCheck
  clock = T0
  private readonly signers = new Map<string, Signer>()
  private readonly dir: string

  private constructor (dir: string) {
    this.dir = dir
    this.index = new RecordIndex({ path: join(dir, 'index') })
  }

  static async create (): Promise<World> {
    const w = new World(await mkdtemp(join(tmpdir(), 'atelier-verify-test-')))
    await w.index.open()
    return w
  }

  async close (): Promise<void> {
    await this.index.close()
    await rm(this.dir, { recursive: true, force: true })
  }

  /** The did of a named person (a fixed key per name within a world) */
  did (name: string): string {
    return this.signer(name).did
  }

  signer (name: string): Signer {
    let s = this.signers.get(name)
    if (s == null) this.signers.set(name, (s = createSigner(randomBytes(32), nativeCrypto)))
    return s
  }

  private tick (at?: number): Date {
    if (at != null) return new Date(at)
    const d = new Date(this.clock)
    this.clock += DAY
    return d
  }

  /** Issue a record signed by `by`, store its bytes and index it */
  async issue<K extends RecordKind> (kind: K, subject: SubjectByKind[K], by: string, options: { at?: number, collective?: string, previous?: string, created?: number } = {}): Promise<ValidRecord<K>> {
    const record = issueRecord(kind, subject, {
      signer: this.signer(by),
      crypto: nativeCrypto,
      validFrom: this.tick(options.at),
      collective: options.collective,
      previous: options.previous,
      ...(options.created != null ? { created: new Date(options.created) } : {})
    })
    this.records.set(record.cid, record.bytes)
    await this.index.put([record])
    return record
  }

  async asset (a: AssetInit): Promise<ValidRecord<'asset'>> {
    const subject: AssetSubject = {
      id: `ipfs://${a.content ?? strayContentCid()}`,
      mediaType: a.mediaType ?? 'image/png',
      byteSize: a.byteSize ?? 1234,
      title: a.title ?? 'untitled',
      creators: [{ id: this.did(a.by), role: 'author', share: 10000 }]
    }
    if (a.ingredients != null) subject.ingredients = a.ingredients
    if (a.trainingMining != null) subject.trainingMining = a.trainingMining
    if (a.fingerprints != null) subject.fingerprints = a.fingerprints
    if (a.encryption != null) subject.encryption = a.encryption
    return this.issue('asset', subject, a.by, { at: a.at, collective: a.collective, previous: a.previous, created: a.created })
  }

  async license (asset: ValidRecord<'asset'>, by: string, terms: Partial<LicenseTerms> = {}, options: { at?: number, royaltyPolicy?: RoyaltyPolicy } = {}): Promise<ValidRecord<'license'>> {
    return this.issue('license', { asset: asset.cid, terms: { ...OPEN_TERMS, ...terms }, royaltyPolicy: options.royaltyPolicy ?? 'LAP' }, by, { at: options.at })
  }

  async grant (license: ValidRecord<'license'>, licensee: string, by: string, options: { at?: number, expiration?: string } = {}): Promise<ValidRecord<'grant'>> {
    const subject: SubjectByKind['grant'] = { id: this.did(licensee), license: license.cid, asset: license.credential.credentialSubject.asset }
    if (options.expiration != null) subject.expiration = options.expiration
    return this.issue('grant', subject, by, { at: options.at })
  }

  async revoke (record: ValidRecord, by: string, effectiveFrom: number, options: { at?: number } = {}): Promise<ValidRecord<'revocation'>> {
    return this.issue('revocation', { record: record.cid, effectiveFrom: new Date(effectiveFrom).toISOString() }, by, options)
  }

  /** Import `bytes` as a UnixFS file (raw leaves of `chunkSize`) into the block map; returns the root CID */
  async addContent (bytes: Uint8Array, chunkSize = 1024): Promise<string> {
    const { cid } = await importFile((async function * () { yield bytes })(), async (c, b) => {
      this.blocks.set(c.toString(), b.slice())
    }, { chunkSize })
    this.files.set(cid.toString(), bytes.slice())
    return cid.toString()
  }

  /** A content store's `read` over the imported files (local only, like the node's) */
  fileStore (): { read: (cid: string) => AsyncIterable<Uint8Array> } {
    const { files } = this
    return {
      async * read (cid: string) {
        const bytes = files.get(cid)
        if (bytes == null) throw new NotFoundError(`content ${cid} is not stored here`)
        yield bytes
      }
    }
  }

  view (): VerifyView {
    const { records, blocks } = this
    return createVerifyView({
      index: this.index,
      store: {
        async getRecord (cid) {
          const bytes = records.get(cid)
          if (bytes == null) throw new NotFoundError(`record ${cid} is not stored here`)
          return bytes
        },
        async getBlock (cid) {
          const bytes = blocks.get(cid)
          if (bytes == null) throw new NotFoundError(`block ${cid} is not stored here`)
          return bytes
        }
      },
      crypto: nativeCrypto,
      isMember: this.members,
      fingerprinter: this.fingerprinter,
      openWorkKey: this.openWorkKey
    })
  }

  async verify (cid: string, options: VerifyOptions = {}): Promise<ProvenanceReport> {
    return verifyProvenance(this.view(), cid, { now: options.now ?? this.clock + 365 * DAY, ...options })
  }
}

/** The codes of a report's findings about `record` (all records when omitted) */
export function codesOf (report: ProvenanceReport, record?: string): string[] {
  return report.findings.filter(f => record == null || f.record === record).map(f => f.code)
}
