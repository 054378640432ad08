/**
 * What a record contributes to the index: its summary, its secondary index entries and its lineage edges.
 * Pure functions of the record, so the same record always yields the same entries, whatever the arrival order.
 */
import type {
  AssetSubject, AttestationSubject, FollowSubject, GrantSubject, LicenseSubject, ProfileSubject, Relationship, RevocationSubject, ValidRecord
} from '../records/types.ts'
import type { RecordSummary } from './types.ts'
import type { SublevelName } from './sublevels.ts'
import { part, position, SEP } from './keys.ts'

/** One key/value to write, named by sublevel */
export interface IndexEntry {
  sublevel: SublevelName
  key: string
  /** text, but for the `body` entry: the record's canonical bytes as they are (written without a string between) */
  value: string | Uint8Array
  /** A marker shared by many records (same key, same empty value): writing it again changes nothing, so a writer
   * that knows it is on disk may skip it */
  shared?: true
}

/** A lineage reference of a child asset: `r` a parent asset record CID, `c` a content CID (resolved at query time) */
export type ParentRef = [by: 'r' | 'c', ref: string, relationship: Relationship]

const IPFS_PREFIX = 'ipfs://'

/** The content CID of an asset subject id (`ipfs://<cid>`, possibly with a path) */
export function contentOf (subjectId: string): string {
  const rest = subjectId.startsWith(IPFS_PREFIX) ? subjectId.slice(IPFS_PREFIX.length) : subjectId
  const slash = rest.indexOf('/')
  return slash === -1 ? rest : rest.slice(0, slash)
}

/** Kind of a collective's founding record. Compared as a string so this file does not depend on which kinds the
 * records code declares: a charter names its collective by its own CID and has no `collective` field. */
const CHARTER_KIND = 'charter'

/** The collective a record is listed under: its `collective` field, or for a charter the charter itself */
export function collectiveOf (record: Pick<ValidRecord, 'collective' | 'kind' | 'cid'>): string | undefined {
  if (record.collective != null) return record.collective
  return (record.kind as string) === CHARTER_KIND ? record.cid : undefined
}

export function summarize (record: ValidRecord): RecordSummary {
  const s: RecordSummary = { cid: record.cid, kind: record.kind, author: record.author, time: record.time }
  const collective = collectiveOf(record)
  if (collective != null) s.collective = collective
  if (record.previous != null) s.previous = record.previous
  const subject = record.credential.credentialSubject
  switch (record.kind) {
    case 'asset': {
      const a = subject as AssetSubject
      s.title = a.title
      s.content = contentOf(a.id)
      break
    }
    case 'license':
      s.asset = (subject as LicenseSubject).asset
      break
    case 'grant': {
      const g = subject as GrantSubject
      s.license = g.license
      s.asset = g.asset
      s.licensee = g.id
      break
    }
    case 'attestation':
    case 'revocation':
      s.target = (subject as AttestationSubject | RevocationSubject).record
      break
    case 'follow':
      // the followed did or charter, so "who follows X" is one index read
      s.target = (subject as FollowSubject).target
      break
    case 'profile':
      // the display name, so lists and the name directory need no body read
      s.title = (subject as ProfileSubject).name
      break
  }
  return s
}

/** The stored form of a summary: its JSON without `cid`, which is the key already (about 60 bytes less a record) */
export function encodeSummary (summary: RecordSummary): string {
  const json = JSON.stringify(summary)
  // summarize() puts cid first and more fields follow, and a CID holds no quote: cut `"cid":"…",` from the text
  // (cheaper than copying the object without it)
  if (json.startsWith('{"cid":"')) {
    const end = json.indexOf('"', 8)
    if (json.charCodeAt(end + 1) === 44 /* , */) return '{' + json.slice(end + 2)
  }
  const { cid: _, ...rest } = summary
  return JSON.stringify(rest)
}

/** A summary read back: the stored JSON with its key as `cid` */
export function decodeSummary (cid: string, text: string): RecordSummary {
  const s = JSON.parse(text) as RecordSummary
  s.cid = cid
  return s
}

/** Lineage references of an asset record, in ingredient order, without repeats. An ingredient naming a record
 * links to that record; one naming only content links to every asset record of that content. */
export function parentsOf (record: ValidRecord): ParentRef[] {
  if (record.kind !== 'asset') return []
  const ingredients = (record.credential.credentialSubject as AssetSubject).ingredients
  if (ingredients == null || ingredients.length === 0) return []
  const out: ParentRef[] = []
  const seen = new Set<string>()
  for (const ing of ingredients) {
    let ref: ParentRef
    if (ing.record != null) ref = ['r', part(ing.record, 'ingredients.record'), ing.relationship]
    else if (ing.content != null) ref = ['c', part(contentOf(ing.content), 'ingredients.content'), ing.relationship]
    else continue
    const k = ref.join(SEP)
    if (seen.has(k)) continue
    seen.add(k)
    out.push(ref)
  }
  return out
}

/** The `successors` key of a record: its author, the `previous` it names, its CID */
export function successorKey (author: string, previous: string, cid: string): string {
  return part(author, 'issuer') + SEP + part(previous, 'previous') + SEP + cid
}

/** Every entry a record adds, except the author head and the counters, which depend on what is already indexed */
export function entriesOf (record: ValidRecord, summary: RecordSummary = summarize(record)): IndexEntry[] {
  const cid = part(record.cid, 'cid')
  const pos = position(record.time, cid)
  const out: IndexEntry[] = [
    { sublevel: 'summary', key: cid, value: encodeSummary(summary) },
    // the body too: lineage reports read hundreds of records per answer, and one Level read beats one file each
    { sublevel: 'body', key: cid, value: record.bytes },
    { sublevel: 'time', key: pos, value: '' },
    { sublevel: 'kind', key: record.kind + SEP + pos, value: '' },
    { sublevel: 'author', key: part(record.author, 'issuer') + SEP + pos, value: '' }
  ]
  // the author's chain read forwards: the records of this author that name `previous` (more than one is a fork)
  if (record.previous != null) out.push({ sublevel: 'successors', key: successorKey(record.author, record.previous, cid), value: '' })
  if (summary.collective != null) out.push({ sublevel: 'collective', key: part(summary.collective, 'collective') + SEP + pos, value: '' })
  switch (record.kind) {
    case 'asset': {
      // the value is the media type: search filters on it without a key of its own (summaries do not carry it)
      const mediaType = (record.credential.credentialSubject as AssetSubject).mediaType
      out.push({ sublevel: 'content', key: part(summary.content ?? '', 'credentialSubject.id') + SEP + pos, value: mediaType })
      const parents = parentsOf(record)
      if (parents.length > 0) {
        out.push({ sublevel: 'parents', key: cid, value: JSON.stringify(parents) })
        for (const [by, ref, rel] of parents) {
          out.push({ sublevel: 'children', key: by + SEP + ref + SEP + cid + SEP + rel, value: '' })
          // "ref has children": lets a descendant walk skip leaves with one getMany per level
          out.push({ sublevel: 'children', key: by + SEP + ref, value: '', shared: true })
        }
      }
      break
    }
    case 'license':
      out.push({ sublevel: 'licenses', key: part(summary.asset ?? '', 'credentialSubject.asset') + SEP + pos, value: '' })
      break
    case 'grant':
      out.push({ sublevel: 'grants', key: part(summary.asset ?? '', 'credentialSubject.asset') + SEP + pos, value: '' })
      out.push({ sublevel: 'licensee', key: part(summary.licensee ?? '', 'credentialSubject.id') + SEP + pos, value: '' })
      break
    case 'attestation':
    case 'revocation':
    case 'follow':
      out.push({ sublevel: 'target', key: part(summary.target ?? '', 'credentialSubject.record') + SEP + pos, value: '' })
      break
  }
  return out
}
