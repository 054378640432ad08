/**
 * Human renderings of records shared by `record`, `records` and friends. Every value here may come from someone
 * else's record; the printer strips control characters from each line, so these functions only lay text out.
 */
import { fields, formatTime, shortId } from './output.ts'
import { namer } from './names.ts'
import type { Who } from './names.ts'

/** An item of GET /v1/records and the body of GET /v1/records/<cid> */
export interface RecordItem {
  cid: string
  kind: string
  author: string
  time: number | string
  record: any
  /** the author's display name, when it has a profile */
  authorName?: string
  /** GET /v1/records/<cid> only: the author's revocation of it, when the node holds one */
  revoked?: { record: string, effectiveFrom: string, reason?: string }
}

function str (v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined
}

/** Percent from basis points */
export function percent (bp: unknown): string | undefined {
  return typeof bp === 'number' ? `${(bp / 100).toString()} %` : undefined
}

/** One line saying what a record is about */
export function recordSummary (item: RecordItem): string {
  const s = item.record?.credentialSubject ?? {}
  switch (item.kind) {
    case 'asset': return `"${str(s.title) ?? ''}"${str(s.mediaType) != null ? ` (${s.mediaType})` : ''}`
    case 'license': return `${str(s.spdx) ?? 'custom terms'} for ${str(s.asset) ?? '?'}`
    case 'grant': return `to ${shortId(s.id)} under ${str(s.license) ?? '?'}`
    case 'attestation': return `${str(s.claim) ?? '?'} on ${str(s.record) ?? '?'}`
    case 'revocation': return `revokes ${str(s.record) ?? '?'}${str(s.reason) != null ? `: ${s.reason}` : ''}`
    case 'profile': return `names itself "${str(s.name) ?? ''}"`
    case 'follow': return `follows ${str(s.target)?.startsWith('did:') === true ? shortId(s.target) : str(s.target) ?? '?'}`
    case 'charter': return `founds "${str(s.name) ?? ''}" (${str(s.admission?.policy) ?? '?'})`
    case 'membership': return `${str(s.action) ?? '?'}${str(s.member) != null ? ` ${shortId(s.member)}` : ''}${str(s.effectiveFrom) != null ? ` from ${s.effectiveFrom}` : ''}`
    default: return ''
  }
}

function list (v: unknown): string | undefined {
  return Array.isArray(v) && v.length > 0 ? v.map(x => str(x) ?? JSON.stringify(x)).join(', ') : undefined
}

function yesNo (v: unknown): string | undefined {
  return typeof v === 'boolean' ? (v ? 'yes' : 'no') : undefined
}

/** "REVOKED from <time> by <revocation cid> (reason)"; "will be revoked" when the time is still ahead */
function revokedText (r: RecordItem['revoked']): string | undefined {
  if (r == null) return undefined
  const ahead = Date.parse(r.effectiveFrom) > Date.now()
  return `${ahead ? 'will be REVOKED' : 'REVOKED'} from ${formatTime(r.effectiveFrom)} by ${r.record}${r.reason != null ? ` (${r.reason})` : ''}`
}

/** The lines `atelier record <cid>` prints */
export function recordDetail (item: RecordItem, who: Who = namer(undefined)): string[] {
  const r = item.record ?? {}
  const s = r.credentialSubject ?? {}
  const head = fields([
    ['cid', item.cid],
    ['kind', item.kind],
    // the full did, and the name beside it: one record's detail is where a reader checks who signed
    ['author', item.authorName != null && !who(item.author, item.authorName).startsWith('did:') ? `${item.authorName} (${item.author})` : item.author],
    ['time', formatTime(item.time)],
    ['collective', str(r.collective)],
    ['previous', str(r.previous)],
    ['revoked', revokedText(item.revoked)]
  ])
  let body: string[] = []
  switch (item.kind) {
    case 'asset': {
      body = fields([
        ['title', str(s.title)],
        ['content', str(s.id)],
        ['media type', str(s.mediaType)],
        ['size', str(s.byteSize)],
        ['description', str(s.description)],
        ['tags', list(s.tags)],
        ['source type', str(s.digitalSourceType)?.replace(/^https?:\/\/cv\.iptc\.org\/newscodes\/digitalsourcetype\//, '')],
        ['ai training', str(s.trainingMining?.['cawg.ai_training']?.use)]
      ])
      if (Array.isArray(s.creators)) {
        body.push('creators', ...s.creators.map((c: any) => `  ${str(c.id) ?? '?'}${str(c.name) != null ? ` (${c.name})` : ''}${str(c.role) != null ? ` ${c.role}` : ''} ${percent(c.share) ?? ''}`.trimEnd()))
      }
      if (Array.isArray(s.ingredients) && s.ingredients.length > 0) {
        body.push('ingredients', ...s.ingredients.map((g: any) => `  ${str(g.relationship) ?? '?'} ${str(g.record) ?? str(g.content) ?? ''}${str(g.title) != null ? ` "${g.title}"` : ''}`))
      }
      if (Array.isArray(s.tools) && s.tools.length > 0) {
        body.push('tools', ...s.tools.map((t: any) => `  ${str(t.name) ?? '?'}${str(t.version) != null ? `@${t.version}` : ''}${t.kind === 'aiModel' ? ' (AI model)' : ''}${str(t.promptHash) != null ? ` prompt sha256 ${t.promptHash}` : ''}`))
      }
      break
    }
    case 'license': {
      const t = s.terms ?? {}
      body = fields([
        ['asset', str(s.asset)],
        ['spdx', str(s.spdx)],
        ['royalty policy', str(s.royaltyPolicy)],
        ['commercial use', yesNo(t.commercialUse)],
        ['commercial attribution', yesNo(t.commercialAttribution)],
        ['derivatives', yesNo(t.derivativesAllowed)],
        ['derivatives attribution', yesNo(t.derivativesAttribution)],
        ['derivatives approval', yesNo(t.derivativesApproval)],
        ['derivatives reciprocal', yesNo(t.derivativesReciprocal)],
        ['revenue share', percent(t.commercialRevShare)],
        ['ai training', str(t.aiTraining)],
        ['territories', list(t.territories)],
        ['expires', str(t.expiration)],
        ['custom terms', str(t.customTerms)]
      ])
      if (Array.isArray(s.splits)) body.push('splits', ...s.splits.map((x: any) => `  ${str(x.id) ?? '?'} ${percent(x.share) ?? ''}`))
      break
    }
    case 'grant':
      body = fields([['licensee', str(s.id)], ['license', str(s.license)], ['asset', str(s.asset)], ['expires', str(s.expiration)], ['note', str(s.note)]])
      break
    case 'attestation':
      body = fields([['record', str(s.record)], ['claim', str(s.claim)], ['comment', str(s.comment)]])
      break
    case 'revocation':
      body = fields([['record', str(s.record)], ['effective from', str(s.effectiveFrom)], ['reason', str(s.reason)]])
      break
    case 'follow':
      body = fields([['follows', str(s.target)]])
      break
    case 'profile':
      body = fields([['name', str(s.name)], ['bio', str(s.bio)], ['avatar', str(s.avatar)], ['links', list(s.links)]])
      break
    case 'charter':
      body = fields([['name', str(s.name)], ['description', str(s.description)], ['admins', list(s.admins)],
        ['admission', str(s.admission?.policy)], ['quorum', str(s.admission?.quorum)], ['replication', typeof s.replication?.copies === 'number' ? `${s.replication.copies} copies` : str(s.replication)], ['visibility', str(s.visibility)]])
      break
    case 'membership':
      body = fields([['action', str(s.action)], ['member', str(s.member)], ['invite', str(s.invite)], ['effective from', str(s.effectiveFrom)],
        ['expires', str(s.expiration)], ['max uses', str(s.maxUses)], ['reason', str(s.reason)]])
      break
  }
  return [...head, ...(body.length > 0 ? ['', ...body] : [])]
}

/** The answer of the create routes (POST /v1/licenses, /grants, /attestations, /revocations) */
export interface Created {
  cid: string
  record: any
  /** the collective it was published to (for a record about another record, by default the target's) */
  collective?: string
  /** why a record about a collective's record was kept on this node */
  notice?: string
}

/** What `--json` prints for a created record: cid, record, and the collective or the notice when there is one */
export function createdValue (c: Created): Created {
  return { cid: c.cid, record: c.record, ...(c.collective != null ? { collective: c.collective } : {}), ...(c.notice != null ? { notice: c.notice } : {}) }
}

/** Human lines for a record this node just signed */
export function createdDetail (kind: string) {
  return (c: Created): string[] => {
    const lines = recordDetail({ cid: c.cid, kind, author: c.record?.issuer, time: c.record?.validFrom, record: c.record })
    return [`signed ${kind} record ${c.cid}`, ...lines.slice(1), ...(c.notice != null ? ['', c.notice] : [])]
  }
}
