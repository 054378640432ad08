/**
 * A LineageView over records held in memory: for tests, benchmarks and tools that have a record set but no
 * node. It answers like the index does: content-only ingredients resolve to every asset record of that content
 * (in the order the records were added), parents come in ingredient order, each (parent, relationship) pair once.
 */
import type { RecordSummary } from '../index/types.ts'
import type {
  AssetSubject, AttestationSubject, Credential, GrantSubject, LicenseSubject, RevocationSubject, ValidRecord
} from '../records/types.ts'
import type { HeldRecord, LineageParent, LineageView } from './view.ts'

const IPFS_PREFIX = 'ipfs://'

/** The content CID of an asset subject id (`ipfs://<cid>`, possibly with a path) */
function contentOf (subjectId: string): string {
  const rest = subjectId.startsWith(IPFS_PREFIX) ? subjectId.slice(IPFS_PREFIX.length) : subjectId
  const slash = rest.indexOf('/')
  return slash === -1 ? rest : rest.slice(0, slash)
}

/** The summary the index would keep for `record` (the fields the lineage reports read) */
function summaryOf (record: ValidRecord): RecordSummary {
  const s: RecordSummary = { cid: record.cid, kind: record.kind, author: record.author, time: record.time }
  if (record.collective != null) s.collective = record.collective
  if (record.previous != null) s.previous = record.previous
  const subject = record.credential.credentialSubject
  switch (record.kind) {
    case 'asset':
      s.title = (subject as AssetSubject).title
      s.content = contentOf((subject as AssetSubject).id)
      break
    case 'license':
      s.asset = (subject as LicenseSubject).asset
      break
    case 'grant':
      s.license = (subject as GrantSubject).license
      s.asset = (subject as GrantSubject).asset
      s.licensee = (subject as GrantSubject).id
      break
    case 'attestation':
    case 'revocation':
      s.target = (subject as AttestationSubject | RevocationSubject).record
      break
  }
  return s
}

export class MemoryLineageView implements LineageView {
  private readonly byCid = new Map<string, ValidRecord>()
  private readonly summaryByCid = new Map<string, RecordSummary>()
  private readonly byContent = new Map<string, string[]>()
  private readonly licenses = new Map<string, Array<HeldRecord<'license'>>>()
  private readonly revocations = new Map<string, Array<HeldRecord<'revocation'>>>()

  constructor (records: Iterable<ValidRecord> = []) {
    for (const r of records) this.add(r)
  }

  /** Hold one more record; a record already held is ignored */
  add (record: ValidRecord): void {
    if (this.byCid.has(record.cid)) return
    this.byCid.set(record.cid, record)
    const summary = summaryOf(record)
    this.summaryByCid.set(record.cid, summary)
    const push = <T>(map: Map<string, T[]>, key: string | undefined, value: T): void => {
      if (key == null) return
      const list = map.get(key)
      if (list == null) map.set(key, [value])
      else list.push(value)
    }
    if (record.kind === 'asset') push(this.byContent, summary.content, record.cid)
    if (record.kind === 'license') push(this.licenses, summary.asset, { cid: record.cid, credential: record.credential as Credential<'license'> })
    if (record.kind === 'revocation') push(this.revocations, summary.target, { cid: record.cid, credential: record.credential as Credential<'revocation'> })
  }

  /** Number of records held */
  get size (): number {
    return this.byCid.size
  }

  /** The summary the index would keep; undefined when not held */
  async summary (cid: string): Promise<RecordSummary | undefined> {
    return this.summaryByCid.get(cid)
  }

  /** The credential; undefined when not held */
  async record (cid: string): Promise<Credential | undefined> {
    return this.byCid.get(cid)?.credential
  }

  /** License records naming `asset`, in the order they were added */
  async licensesOf (asset: string): Promise<Array<HeldRecord<'license'>>> {
    return [...(this.licenses.get(asset) ?? [])]
  }

  /** Revocation records naming `cid`, in the order they were added */
  async revocationsOf (cid: string): Promise<Array<HeldRecord<'revocation'>>> {
    return [...(this.revocations.get(cid) ?? [])]
  }

  /** Parents in ingredient order; a content reference gives every asset record of that content */
  async parentsOf (cid: string): Promise<LineageParent[]> {
    return this.parentsNow(cid)
  }

  async summaries (cids: string[]): Promise<Array<RecordSummary | undefined>> {
    return cids.map(cid => this.summaryByCid.get(cid))
  }

  async records (cids: string[]): Promise<Array<Credential | undefined>> {
    return cids.map(cid => this.byCid.get(cid)?.credential)
  }

  async parentsOfMany (cids: string[]): Promise<LineageParent[][]> {
    return cids.map(cid => this.parentsNow(cid))
  }

  async licensesOfMany (assets: string[]): Promise<Array<Array<HeldRecord<'license'>>>> {
    return assets.map(asset => [...(this.licenses.get(asset) ?? [])])
  }

  async revocationsOfMany (cids: string[]): Promise<Array<Array<HeldRecord<'revocation'>>>> {
    return cids.map(cid => [...(this.revocations.get(cid) ?? [])])
  }

  private parentsNow (cid: string): LineageParent[] {
    const record = this.byCid.get(cid)
    if (record?.kind !== 'asset') return []
    const out: LineageParent[] = []
    const seen = new Set<string>()
    const add = (parent: string, relationship: LineageParent['relationship']): void => {
      const key = parent + ' ' + relationship
      if (seen.has(key)) return
      seen.add(key)
      out.push({ cid: parent, relationship })
    }
    for (const ing of (record.credential.credentialSubject as AssetSubject).ingredients ?? []) {
      if (ing.record != null) add(ing.record, ing.relationship)
      else if (ing.content != null) for (const other of this.byContent.get(contentOf(ing.content)) ?? []) add(other, ing.relationship)
    }
    return out
  }
}
