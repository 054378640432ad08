/**
 * W3C PROV-JSON (the PROV-JSON Member Submission, https://www.w3.org/submissions/prov-json/) of an asset's
 * ancestry. The mapping (protocols/royalties.md has the royalty rules; this header is the export's reference):
 *
 * - entities: each asset record (`ipfs:<record CID>`, type `atelier:AssetRecord`) and the content it describes
 *   (`ipfs:<content CID>`, type `atelier:Content`); content-only ingredients (type `atelier:Content`,
 *   `atelier:Model` or `atelier:Dataset`); published model weights of tools (type `atelier:ModelWeights`);
 * - activities: one per asset record, `atelier:creation-<record CID>`, typed `atelier:Creation` (no ingredients)
 *   or `atelier:Derivation`, which generated the content (`wasGeneratedBy`), used each ingredient and model weights
 *   (`used`, with the C2PA relationship as `prov:role`) and was associated with the creators and tools
 *   (`wasAssociatedWith`);
 * - agents: creators and record issuers by their DIDs (`didkey:z6Mk…`, prefix `didkey` = `did:key:`, so the name
 *   expands to the DID; the DID is also in `atelier:did`), tools as `prov:SoftwareAgent`
 *   (`atelier:tool-<name>[-<version>]`, percent-encoded);
 * - `wasDerivedFrom`: the content from each ingredient (qualified by activity, generation and usage);
 * - `wasAttributedTo`: the content to each creator (with share and role), the record to its issuer.
 *
 * Relation ids are qualified names numbered in document order (`atelier:wgb-1`, …), so the same lineage always
 * exports the same document. Qualified-name values are typed literals of type `prov:QUALIFIED_NAME`.
 */
import type { AssetSubject, Credential, Ingredient, Tool } from '../records/types.ts'
import { PROV_PREFIXES } from './constants.ts'
import { exportWalk } from './export-walk.ts'
import type { ExportOptions } from './export-walk.ts'
import type { LineageView } from './view.ts'
import type { WalkNode } from './walk.ts'

/** A PROV-JSON attribute value: a JSON literal, a typed literal, or a list of them */
export type ProvValue = string | number | boolean | ProvTypedLiteral | Array<string | number | boolean | ProvTypedLiteral>
export interface ProvTypedLiteral {
  $: string
  type?: string
  lang?: string
}
export type ProvRecord = Record<string, ProvValue>

/** A PROV-JSON document with the sections this export writes */
export interface ProvDocument {
  prefix: Record<string, string>
  entity: Record<string, ProvRecord>
  activity: Record<string, ProvRecord>
  agent: Record<string, ProvRecord>
  wasGeneratedBy: Record<string, ProvRecord>
  used: Record<string, ProvRecord>
  wasDerivedFrom: Record<string, ProvRecord>
  wasAttributedTo: Record<string, ProvRecord>
  wasAssociatedWith: Record<string, ProvRecord>
}

const DID_KEY = 'did:key:'

/**
 * The qualified name of a DID: `didkey:<method-specific id>` for a did:key (prefix `didkey` = `did:key:`, so it
 * expands to the DID itself), else a percent-encoded `atelier:agent-…`
 */
function agentId (did: string): string {
  return did.startsWith(DID_KEY) && /^[A-Za-z0-9._-]+$/.test(did.slice(DID_KEY.length))
    ? 'didkey:' + did.slice(DID_KEY.length)
    : 'atelier:agent-' + idPart(did)
}

/** A qualified name as a PROV-JSON attribute value */
function qn (name: string): ProvTypedLiteral {
  return { $: name, type: 'prov:QUALIFIED_NAME' }
}

function dateTime (iso: string): ProvTypedLiteral {
  return { $: iso, type: 'xsd:dateTime' }
}

/** Percent-encode everything but letters, digits, `.` and `_`, so `-` can separate the parts of an id */
function idPart (text: string): string {
  return encodeURIComponent(text).replace(/[!'()*~-]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

const IPFS_SCHEME = 'ipfs://'

function contentCid (subject: AssetSubject): string {
  const rest = subject.id.startsWith(IPFS_SCHEME) ? subject.id.slice(IPFS_SCHEME.length) : subject.id
  const slash = rest.indexOf('/')
  return slash === -1 ? rest : rest.slice(0, slash)
}

const KIND_TYPE: Record<NonNullable<Ingredient['kind']>, string> = {
  asset: 'atelier:Content',
  model: 'atelier:Model',
  dataset: 'atelier:Dataset'
}

/** Builds the document; ids of relations are numbered per section in the order they are added */
class ProvBuilder {
  readonly doc: ProvDocument = {
    prefix: { ...PROV_PREFIXES },
    entity: {},
    activity: {},
    agent: {},
    wasGeneratedBy: {},
    used: {},
    wasDerivedFrom: {},
    wasAttributedTo: {},
    wasAssociatedWith: {}
  }

  private readonly counters = new Map<string, number>()

  /**
   * Declare an element, or add to it. A reference (`describe` false) only fills attributes not yet there; a
   * description (`describe` true: the asset record itself says this) overrides what a reference guessed.
   */
  element (section: 'entity' | 'activity' | 'agent', id: string, attributes: ProvRecord = {}, describe = false): string {
    const existing = this.doc[section][id]
    if (existing == null) {
      this.doc[section][id] = attributes
      return id
    }
    const merged = describe ? { ...existing, ...attributes } : { ...attributes, ...existing }
    // an element can be several things at once (a content used as a model and published as weights): keep every type
    const types = [existing['prov:type'], attributes['prov:type']].flat().filter(t => t != null)
    const distinct = types.filter((t, i) => types.findIndex(u => JSON.stringify(u) === JSON.stringify(t)) === i)
    if (distinct.length > 0) merged['prov:type'] = distinct.length === 1 ? distinct[0] : distinct
    this.doc[section][id] = merged
    return id
  }

  relation (section: 'wasGeneratedBy' | 'used' | 'wasDerivedFrom' | 'wasAttributedTo' | 'wasAssociatedWith', short: string, attributes: ProvRecord): string {
    const n = (this.counters.get(section) ?? 0) + 1
    this.counters.set(section, n)
    const id = `atelier:${short}-${n}`
    this.doc[section][id] = attributes
    return id
  }
}

function toolAgent (b: ProvBuilder, tool: Tool): string {
  const id = `atelier:tool-${idPart(tool.name)}${tool.version != null ? '-' + idPart(tool.version) : ''}`
  const attrs: ProvRecord = { 'prov:type': qn('prov:SoftwareAgent'), 'prov:label': tool.name }
  if (tool.version != null) attrs['atelier:version'] = tool.version
  if (tool.kind != null) attrs['atelier:toolKind'] = tool.kind
  return b.element('agent', id, attrs)
}

/**
 * The entity an ingredient stands for: its content when known (named in the ingredient, or the parent record's),
 * else the parent record. A parent record that was walked but is not held is declared with `atelier:held: false`.
 */
function ingredientEntity (b: ProvBuilder, ing: Ingredient, parent: WalkNode | undefined): string {
  if (ing.record != null && parent != null && parent.credential == null) {
    b.element('entity', `ipfs:${ing.record}`, { 'prov:type': qn('atelier:AssetRecord'), 'atelier:held': parent.summary != null })
  }
  const parentContent = parent?.credential != null ? contentCid(parent.credential.credentialSubject) : undefined
  const content = ing.content ?? parentContent
  if (content == null) return b.element('entity', `ipfs:${ing.record as string}`, { 'prov:type': qn('atelier:AssetRecord') })
  const attrs: ProvRecord = { 'prov:type': qn(KIND_TYPE[ing.kind ?? 'asset']) }
  if (ing.title != null) attrs['prov:label'] = ing.title
  return b.element('entity', `ipfs:${content}`, attrs)
}

/**
 * Describe one held asset record: everything it claims, its ingredients included (an ingredient past the depth
 * limit is named, not described)
 */
function describeAsset (b: ProvBuilder, node: WalkNode, credential: Credential<'asset'>, nodes: Map<string, WalkNode>): void {
  const s = credential.credentialSubject
  const recordId = `ipfs:${node.cid}`
  const contentId = `ipfs:${contentCid(s)}`
  const activityId = `atelier:creation-${node.cid}`

  const content: ProvRecord = {
    'prov:type': qn('atelier:Content'),
    'prov:label': s.title,
    'atelier:mediaType': s.mediaType,
    'atelier:byteSize': s.byteSize
  }
  if (s.description != null) content['atelier:description'] = s.description
  if (s.tags != null && s.tags.length > 0) content['atelier:tags'] = [...s.tags]
  if (s.digitalSourceType != null) content['atelier:digitalSourceType'] = { $: s.digitalSourceType, type: 'xsd:anyURI' }
  b.element('entity', contentId, content, true)
  b.element('entity', recordId, {
    'prov:type': qn('atelier:AssetRecord'),
    'prov:label': s.title,
    'atelier:describes': qn(contentId),
    'atelier:validFrom': dateTime(credential.validFrom)
  }, true)

  const ingredients = s.ingredients ?? []
  b.element('activity', activityId, {
    'prov:type': qn(ingredients.length > 0 ? 'atelier:Derivation' : 'atelier:Creation'),
    'prov:label': `${ingredients.length > 0 ? 'derivation' : 'creation'} of ${s.title}`
  }, true)
  const generation = b.relation('wasGeneratedBy', 'wgb', { 'prov:entity': contentId, 'prov:activity': activityId })

  const issuer = b.element('agent', agentId(credential.issuer), { 'prov:type': qn('prov:Person'), 'atelier:did': credential.issuer })
  b.relation('wasAttributedTo', 'wat', { 'prov:entity': recordId, 'prov:agent': issuer, 'prov:type': qn('atelier:Issuer') })
  for (const c of s.creators) {
    const agent = b.element('agent', agentId(c.id), {
      'prov:type': qn('prov:Person'),
      'atelier:did': c.id,
      ...(c.name != null ? { 'prov:label': c.name } : {})
    })
    b.relation('wasAttributedTo', 'wat', {
      'prov:entity': contentId,
      'prov:agent': agent,
      'atelier:share': c.share,
      ...(c.role != null ? { 'prov:role': c.role } : {})
    })
    b.relation('wasAssociatedWith', 'waw', { 'prov:activity': activityId, 'prov:agent': agent, ...(c.role != null ? { 'prov:role': c.role } : {}) })
  }
  for (const tool of s.tools ?? []) {
    const agent = toolAgent(b, tool)
    const assoc: ProvRecord = { 'prov:activity': activityId, 'prov:agent': agent }
    if (tool.promptHash != null) assoc['atelier:promptHash'] = tool.promptHash
    b.relation('wasAssociatedWith', 'waw', assoc)
    if (tool.model != null) {
      const weights = b.element('entity', `ipfs:${tool.model}`, { 'prov:type': qn('atelier:ModelWeights'), 'prov:label': tool.name })
      b.relation('used', 'u', { 'prov:activity': activityId, 'prov:entity': weights, 'prov:role': qn('atelier:modelWeights') })
    }
  }

  for (const ing of ingredients) {
    const parent = ing.record != null ? nodes.get(ing.record) : undefined
    const used = ingredientEntity(b, ing, parent)
    const usage = b.relation('used', 'u', { 'prov:activity': activityId, 'prov:entity': used, 'prov:role': qn(`atelier:${ing.relationship}`) })
    b.relation('wasDerivedFrom', 'wdf', {
      'prov:generatedEntity': contentId,
      'prov:usedEntity': used,
      'prov:activity': activityId,
      'prov:generation': generation,
      'prov:usage': usage,
      'atelier:relationship': ing.relationship
    })
  }
}

/**
 * PROV-JSON of the ancestry of the asset record `asset`: the asset and its ancestors up to `depth` hops, each with
 * everything its record claims (so the ingredients of the last level are named, not described). Throws
 * NotFoundError when the asset record is not held.
 */
export async function toProvJson (view: LineageView, asset: string, options: ExportOptions = {}): Promise<ProvDocument> {
  const walk = await exportWalk(view, asset, options)
  const b = new ProvBuilder()
  for (const node of walk.nodes.values()) {
    if (node.credential == null) {
      // referenced but not held here (or not an asset record): an entity with nothing more to say
      b.element('entity', `ipfs:${node.cid}`, { 'prov:type': qn('atelier:AssetRecord'), 'atelier:held': node.summary != null }, true)
      continue
    }
    describeAsset(b, node, node.credential, walk.nodes)
  }
  if (walk.truncated) b.doc.entity[`ipfs:${asset}`]['atelier:truncated'] = true
  // PROV-JSON omits empty sections
  for (const key of Object.keys(b.doc) as Array<keyof ProvDocument>) {
    if (key !== 'prefix' && Object.keys(b.doc[key]).length === 0) delete (b.doc as Partial<ProvDocument>)[key]
  }
  return b.doc
}
