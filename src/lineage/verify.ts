/**
 * `verifyProvenance`: the provenance verification report of an asset record — every check a third party can
 * re-run from the records and content this node holds, for the asset and each ancestor up to a depth:
 *
 * 1. the record: its stored bytes re-validated (canonical form, CID, eddsa-jcs-2022 proof);
 * 2. collective membership of its author when it signed, where it names a collective;
 * 3. revocation by its own author;
 * 4. the content binding: locally held content blocks hash to the content CID (verify-content.ts), and the
 *    fingerprints the record claims are those the bytes give (verify-fingerprints.ts);
 * 5. conflicting claims: another author's asset record of the same content, earlier;
 * 6. the author's chain and the clock: forks, a foreign `previous`, back-dating along the chain, future dates
 *    (verify-chain.ts);
 * 7. each ingredient: present or missing, an asset record, and for a derivation the parent's license, for an AI
 *    input its training-and-mining consent (verify-license.ts).
 *
 * The walk is breadth-first over ingredient references (content-only references resolve to the asset records of
 * that content), visits each record once, and stops at the depth and the record limit; loops are reported as
 * `lineage.cycle`, never followed twice. Findings are listed record by record in visit order (the asset first),
 * each with a stable code (verify-codes.ts, protocols/verification.md).
 */
import { InvalidRequestError, NotFoundError } from '../errors.ts'
import { parseRecordTime } from '../records/time.ts'
import type { AssetSubject, Relationship, ValidRecord } from '../records/types.ts'
import { verdictOf } from './verify-codes.ts'
import type { Finding, Verdict } from './verify-codes.ts'
import {
  DEFAULT_CLOCK_SKEW_MS, DEFAULT_CONTENT_BUDGET, DEFAULT_VERIFY_DEPTH, DEFAULT_VERIFY_RECORDS, MAX_CONFLICTS_REPORTED, MAX_CONTENT_CLAIMS,
  MAX_VERIFY_DEPTH, MAX_VERIFY_RECORDS, VERIFY_CONCURRENCY
} from './verify-constants.ts'
import { checkChain } from './verify-chain.ts'
import { checkContent } from './verify-content.ts'
import { checkFingerprints } from './verify-fingerprints.ts'
import { checkEncryption } from './verify-encryption.ts'
import type { ContentBudget } from './verify-content.ts'
import { LicenseRules, ownersOf } from './verify-license.ts'
import { normalizeCid, VerifiedRecords } from './verify-records.ts'
import { finding, named, ref } from './verify-text.ts'
import type { VerifyView } from './verify-view.ts'

export type { Finding, Severity, Verdict, VerificationCode } from './verify-codes.ts'
export { VERIFICATION_CODES, verdictOf } from './verify-codes.ts'

export interface VerifyOptions {
  /**
   * Hops of ancestors checked; 0 checks the asset alone. Larger values are clamped to 100.
   * @default 20
   */
  depth?: number
  /**
   * The time the report is made for (epoch ms): revocations effective at or before it count.
   * @default Date.now()
   */
  now?: number
  /**
   * Most records (the asset and its ancestors) checked; the walk stops there with `lineage.truncated`.
   * Larger values are clamped to 10,000.
   * @default 1000
   */
  maxRecords?: number
  /**
   * Content bytes re-hashed over the whole report; past it, content checks report `content.incomplete`
   * (0 hashes none: every held content is then `content.incomplete`).
   * @default 1 GiB
   */
  contentBudget?: number
  /**
   * How far past `now` a record's validFrom or proof.created may lie before it is flagged `time.future`, ms.
   * @default 300000 (records.clockSkewMs of the node config)
   */
  clockSkew?: number
}

/** One record the report covers: the asset (depth 0) or an ancestor */
export interface ReportRecord {
  cid: string
  /** hops from the asset */
  depth: number
  /** false when the record is referenced but not held (or not readable) here */
  present: boolean
  title?: string
  author?: string
  /** content CID of an asset record */
  content?: string
}

/** A provenance verification report */
export interface ProvenanceReport {
  /** the asset record verified */
  asset: string
  verdict: Verdict
  /** when the report was made (the `now` it judged revocations against), RFC 3339 */
  checkedAt: string
  /** the depth the walk was allowed */
  depth: number
  /** the asset and the ancestors reached, in visit (breadth-first) order */
  records: ReportRecord[]
  /** every finding, record by record in visit order */
  findings: Finding[]
  counts: { errors: number, warnings: number, infos: number }
}

interface Options {
  depth: number
  now: number
  maxRecords: number
  contentBudget: number
  clockSkew: number
}

function intOption (value: number | undefined, fallback: number, min: number, max: number, field: string): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v < min) {
    throw new InvalidRequestError(`${field} must be an integer >= ${min}`, { details: { field } })
  }
  return Math.min(v, max)
}

/** The options with their defaults, resolved in one place */
function resolveOptions (o: VerifyOptions): Options {
  const now = o.now ?? Date.now()
  if (!Number.isFinite(now)) throw new InvalidRequestError('now must be epoch milliseconds', { details: { field: 'now' } })
  return {
    depth: intOption(o.depth, DEFAULT_VERIFY_DEPTH, 0, MAX_VERIFY_DEPTH, 'depth'),
    now,
    maxRecords: intOption(o.maxRecords, DEFAULT_VERIFY_RECORDS, 1, MAX_VERIFY_RECORDS, 'maxRecords'),
    contentBudget: intOption(o.contentBudget, DEFAULT_CONTENT_BUDGET, 0, Number.MAX_SAFE_INTEGER, 'contentBudget'),
    clockSkew: intOption(o.clockSkew, DEFAULT_CLOCK_SKEW_MS, 0, Number.MAX_SAFE_INTEGER, 'clockSkew')
  }
}

type Asset = ValidRecord<'asset'>

/** A record of the walk */
interface Node {
  cid: string
  depth: number
  record?: Asset
  /** findings about this record itself (signature, membership, revocation, content, claims) */
  own: Finding[]
  /** findings about its ingredients (presence, license, training, limits, loops) */
  ingredients: Finding[]
  /** parents this record links to, in ingredient order */
  edges: Array<{ to: string, relationship: Relationship }>
  present: boolean
  title?: string
  author?: string
  content?: string
}

/** Run `fn` over `items`, at most `limit` at a time; results in input order */
async function mapLimit<T, R> (items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/** Everything one report shares */
class Verification {
  readonly view: VerifyView
  readonly options: Options
  readonly records: VerifiedRecords
  readonly rules: LicenseRules
  readonly budget: ContentBudget

  constructor (view: VerifyView, options: Options) {
    this.view = view
    this.options = options
    this.records = new VerifiedRecords(view)
    this.rules = new LicenseRules(this.records, options.now)
    this.budget = { remaining: options.contentBudget }
  }

  /** Load a record of the walk and run the checks about it alone */
  async visit (node: Node): Promise<void> {
    const outcome = await this.records.load(node.cid)
    if (outcome.status === 'missing') return
    if (outcome.status === 'notHeld') {
      node.title = outcome.summary.title
      node.author = outcome.summary.author
      node.content = outcome.summary.content
      node.own.push(finding('record.notHeld', node.cid,
        `The index lists record ${ref(node.cid)}, but its block is missing from the store, so it could not be re-checked.`))
      return
    }
    node.present = true
    if (outcome.status === 'invalid') {
      node.title = outcome.summary?.title
      node.author = outcome.summary?.author
      node.own.push(outcome.finding)
      return
    }
    const record = outcome.record
    node.author = record.author
    if (record.kind !== 'asset') {
      node.own.push(finding('signature.valid', node.cid, `Record ${ref(node.cid)} (${record.kind}) is intact and signed by ${record.author}.`))
      node.own.push(...await checkChain(this.view, this.records, record, ref(node.cid), this.options))
      return
    }
    const asset = record as Asset
    const subject: AssetSubject = asset.credential.credentialSubject
    node.record = asset
    node.title = subject.title
    node.content = contentOf(subject.id)
    const name = named(asset, asset.cid)
    node.own.push(finding('signature.valid', node.cid, `${name} is intact and its signature by ${asset.author} verifies.`))
    node.own.push(...await this.membership(asset, name))
    node.own.push(...await this.revocation(asset, name))
    const content = await checkContent(this.view, asset.cid, node.content, subject.byteSize, this.budget)
    node.own.push(...content)
    node.own.push(...await checkFingerprints(this.view, asset.cid, subject, node.content, content, this.budget))
    node.own.push(...await checkEncryption(this.view, asset.cid, subject, asset.collective, node.content, content))
    node.own.push(...await this.conflicts(asset, name, node.content))
    node.own.push(...await this.lookAlikes(asset, name))
    node.own.push(...await checkChain(this.view, this.records, asset, name, this.options))
  }

  async membership (asset: Asset, name: string): Promise<Finding[]> {
    const collective = asset.collective
    if (collective == null) return []
    // validFrom, the instant the door judged membership at (protocols/collectives.md §3.6), so that the report and
    // what the node counts never disagree on a record
    const at = asset.time
    const member = await this.view.isMember?.(collective, asset.author, at)
    const when = new Date(at).toISOString()
    if (member === true) {
      return [finding('membership.valid', asset.cid, `${asset.author} was a member of collective ${ref(collective)} at the validFrom of ${name} (${when}).`, [collective])]
    }
    if (member === false) {
      return [finding('membership.notMember', asset.cid, `${name} is filed under collective ${ref(collective)}, but ${asset.author} was not a member of it at its validFrom (${when}).`, [collective])]
    }
    return [finding('membership.unknown', asset.cid, `${name} is filed under collective ${ref(collective)}, whose membership at ${when} this node cannot establish.`, [collective])]
  }

  async revocation (asset: Asset, name: string): Promise<Finding[]> {
    const { at, by, problems } = await this.rules.revokedAt(asset)
    if (at == null || by == null) return problems
    const when = new Date(at).toISOString()
    if (at <= this.options.now) {
      return [...problems, finding('record.revoked', asset.cid, `${asset.author} revoked ${name} from ${when}: its author no longer stands by this claim.`, [by])]
    }
    return [...problems, finding('record.revocationPending', asset.cid, `${asset.author} has revoked ${name} from ${when}, a time still to come.`, [by])]
  }

  /** Earlier asset records of the same content by other authors, not acknowledged and not withdrawn */
  async conflicts (asset: Asset, name: string, content: string): Promise<Finding[]> {
    const { records, problems } = await this.records.related('asset', { content, until: asset.time })
    const owners = ownersOf(asset)
    const acknowledged = new Set((asset.credential.credentialSubject.ingredients ?? []).map(i => i.record).filter((r): r is string => r != null))
    const out = [...problems]
    let reported = 0
    for (const other of records.sort((a, b) => a.time - b.time)) {
      if (other.time >= asset.time || owners.has(other.author) || acknowledged.has(other.cid)) continue
      const revoked = await this.rules.revokedAt(other)
      out.push(...revoked.problems)
      if (revoked.at != null && revoked.at <= this.options.now) continue
      if (reported++ === MAX_CONFLICTS_REPORTED) break
      out.push(finding('claim.conflict', asset.cid,
        `${other.author} claimed the same content in ${named(other, other.cid)} on ${new Date(other.time).toISOString()}, before ${name} (${new Date(asset.time).toISOString()}); ` +
        'both times are the authors\' own statements, so who was first is for a person to judge.', [other.cid]))
    }
    return out
  }

  /** Earlier works by other authors this one looks like, with no lineage, license or grant between them */
  async lookAlikes (asset: Asset, name: string): Promise<Finding[]> {
    const found = await this.view.unattributed?.(asset.cid) ?? []
    return found.slice(0, MAX_CONFLICTS_REPORTED).map(p => {
      const how = p.variant != null ? ` once ${VARIANT_WORDS[p.variant] ?? p.variant}` : ''
      const text = p.similarity != null ? `, ${Math.round(p.similarity * 100)} % of its text windows shared` : ''
      return finding('possible.unattributed_derivative', asset.cid,
        `${name} looks like ${ref(p.earlier)} by ${p.earlierAuthor}${how} (${p.alg} distance ${p.distance}${text}), dated earlier ` +
        `(${new Date(p.earlierTime).toISOString()}), and names no lineage, license or grant linking the two; ` +
        'it may be a copy or a derivative without attribution, which a person should look at.', [p.earlier])
    })
  }

  /** Resolve a record's ingredients to parent records, reporting those missing or of the wrong kind */
  async ingredientsOf (node: Node): Promise<void> {
    const asset = node.record
    if (asset == null) return
    const seen = new Set<string>()
    const name = named(asset, asset.cid)
    for (const ing of asset.credential.credentialSubject.ingredients ?? []) {
      const targets: string[] = []
      if (ing.record != null) {
        const cid = normalizeCid(ing.record) ?? ing.record
        const summary = await this.view.summary(cid)
        if (summary == null) {
          node.ingredients.push(finding('ingredient.missing', asset.cid,
            `${name} names ${ref(cid)} as an ingredient (${ing.relationship}${ing.title != null ? `, "${ing.title}"` : ''}), but that record is not held on this node.`, [cid]))
          // still a node of the lineage (present: false), so the report lists it
          targets.push(cid)
        } else if (summary.kind !== 'asset') {
          node.ingredients.push(finding('ingredient.notAsset', asset.cid,
            `${name} names ${ref(cid)} as an ingredient (${ing.relationship}), but that is a ${summary.kind} record, not an asset record.`, [cid]))
        } else {
          targets.push(cid)
        }
      } else if (ing.content != null) {
        const content = contentOf(ing.content)
        const page = await this.view.query({ kind: 'asset', content, order: 'asc', limit: MAX_CONTENT_CLAIMS + 1 })
        const claims = page.items.map(s => s.cid).filter(c => c !== asset.cid).slice(0, MAX_CONTENT_CLAIMS)
        if (claims.length === 0) {
          node.ingredients.push(finding('ingredient.unrecorded', asset.cid,
            `${name} names content ${ref(content)} as an ingredient (${ing.relationship}${ing.title != null ? `, "${ing.title}"` : ''}); no asset record of that content is held, so its terms are unknown.`, [content]))
        }
        targets.push(...claims)
      }
      for (const to of targets) {
        const key = to + '\0' + ing.relationship
        if (seen.has(key)) continue
        seen.add(key)
        node.edges.push({ to, relationship: ing.relationship })
      }
    }
  }
}

const IPFS_PREFIX = 'ipfs://'

/** PDQ's dihedral variants in words: flipX turns a picture upside down, flipY mirrors it left to right (test/fingerprints/robustness.spec.ts measures both) */
const VARIANT_WORDS: Record<string, string> = {
  rotate90: 'turned 90°', rotate180: 'turned 180°', rotate270: 'turned 270°', flipX: 'mirrored top to bottom',
  flipY: 'mirrored left to right', flipPlus1: 'mirrored across its diagonal', flipMinus1: 'mirrored across its other diagonal',
  straightened: 'turned a few degrees within its frame'
}

/** The content CID of an asset subject id or ingredient content (`ipfs://<cid>[/path]` or a bare CID) */
function contentOf (id: string): string {
  const rest = id.startsWith(IPFS_PREFIX) ? id.slice(IPFS_PREFIX.length) : id
  const slash = rest.indexOf('/')
  return slash === -1 ? rest : rest.slice(0, slash)
}

/** Edges that close a loop: found by a depth-first search from the root over the walked edges */
function backEdges (nodes: Map<string, Node>, root: string): Array<{ from: string, to: string }> {
  const state = new Map<string, 1 | 2>() // 1 on the current path, 2 done
  const out: Array<{ from: string, to: string }> = []
  const stack: Array<{ cid: string, next: number }> = [{ cid: root, next: 0 }]
  state.set(root, 1)
  while (stack.length > 0) {
    const top = stack[stack.length - 1]
    const edges = nodes.get(top.cid)?.edges ?? []
    if (top.next >= edges.length) {
      state.set(top.cid, 2)
      stack.pop()
      continue
    }
    const to = edges[top.next++].to
    if (!nodes.has(to)) continue
    const s = state.get(to)
    if (s === 1) out.push({ from: top.cid, to })
    else if (s == null) {
      state.set(to, 1)
      stack.push({ cid: to, next: 0 })
    }
  }
  return out
}

/**
 * Verify the provenance of the asset record `assetCid` and its ancestors. Throws NotFoundError when the record is
 * not indexed here or is not an asset record, InvalidRequestError for bad options; everything else is a finding.
 */
export async function verifyProvenance (view: VerifyView, assetCid: string, options: VerifyOptions = {}): Promise<ProvenanceReport> {
  const opts = resolveOptions(options)
  const root = normalizeCid(assetCid)
  if (root == null) throw new InvalidRequestError(`"${assetCid.slice(0, 100)}" is not a CID`, { details: { field: 'asset' } })
  const summary = await view.summary(root)
  if (summary == null) throw new NotFoundError(`asset record ${root} is not held by this node`)
  if (summary.kind !== 'asset') throw new NotFoundError(`${root} is a ${summary.kind} record, not an asset record`)

  const v = new Verification(view, opts)
  const nodes = new Map<string, Node>()
  const order: Node[] = []
  const add = (cid: string, depth: number): Node => {
    const node: Node = { cid, depth, own: [], ingredients: [], edges: [], present: false }
    nodes.set(cid, node)
    order.push(node)
    return node
  }
  let level = [add(root, 0)]
  while (level.length > 0) {
    await mapLimit(level, VERIFY_CONCURRENCY, async node => {
      await v.visit(node)
      await v.ingredientsOf(node)
    })
    const next: Node[] = []
    for (const node of level) {
      let beyond = 0
      let cut = 0
      for (const { to } of node.edges) {
        if (nodes.has(to)) continue
        if (node.depth >= opts.depth) { beyond++; continue }
        if (nodes.size >= opts.maxRecords) { cut++; continue }
        next.push(add(to, node.depth + 1))
      }
      const name = named(node.record, node.cid)
      if (beyond > 0) {
        node.ingredients.push(finding('lineage.depthLimit', node.cid,
          `${name} has ${beyond} parent record(s) beyond the report's depth of ${opts.depth}; they were not checked.`))
      }
      if (cut > 0) {
        node.ingredients.push(finding('lineage.truncated', node.cid,
          `The report reached its limit of ${opts.maxRecords} records: ${cut} parent record(s) of ${name} were not checked.`))
      }
    }
    level = next
  }

  // derivations and AI inputs, now that both ends of every edge are loaded
  await mapLimit(order, VERIFY_CONCURRENCY, async node => {
    const child = node.record
    if (child == null) return
    for (const { to, relationship } of node.edges) {
      const parent = nodes.get(to)?.record
      if (parent == null) continue
      node.ingredients.push(...await (relationship === 'inputTo' ? v.rules.training(child, parent) : v.rules.derivation(child, parent, relationship)))
    }
  })
  for (const { from, to } of backEdges(nodes, root)) {
    const node = nodes.get(from) as Node
    node.ingredients.push(finding('lineage.cycle', from,
      `${named(node.record, from)} names ${named(nodes.get(to)?.record, to)} as an ingredient, which itself descends from it: the lineage loops, and each record was checked once.`, [to]))
  }

  // record by record in visit order; the same finding reached twice (a license shared by two derivations) once
  const findings: Finding[] = []
  const seen = new Set<string>()
  for (const node of order) {
    for (const f of [...node.own, ...node.ingredients]) {
      const key = f.code + '\0' + f.record + '\0' + f.message
      if (seen.has(key)) continue
      seen.add(key)
      findings.push(f)
    }
  }
  const counts = { errors: 0, warnings: 0, infos: 0 }
  for (const f of findings) {
    if (f.severity === 'error') counts.errors++
    else if (f.severity === 'warning') counts.warnings++
    else counts.infos++
  }
  return {
    asset: root,
    verdict: verdictOf(findings),
    checkedAt: new Date(opts.now).toISOString(),
    depth: opts.depth,
    records: order.map(n => {
      const r: ReportRecord = { cid: n.cid, depth: n.depth, present: n.present }
      if (n.title != null) r.title = n.title
      if (n.author != null) r.author = n.author
      if (n.content != null) r.content = n.content
      return r
    }),
    findings,
    counts
  }
}
