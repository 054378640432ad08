/**
 * A C2PA-style manifest store view of an asset's ancestry, in the JSON shape c2patool prints for a file
 * (`{ active_manifest, manifests: { <label>: manifest }, validation_status }`): one manifest per asset record (the
 * asset's is active), each with its claim generator, title, format, instance id, ingredients (with their C2PA
 * relationship and the label of their own manifest), assertions and signature info.
 *
 * It is a view, not a C2PA claim: nothing is embedded in a file or signed with an X.509 certificate. The
 * "signature" is the record's eddsa-jcs-2022 proof, named by the record's did:key, and this view does not check
 * it (the provenance verification report does). Mapping:
 *
 * - label `urn:atelier:<record CID>`; `instance_id` `ipfs://<content CID>`; `format` the media type;
 * - `c2pa.actions` (v1 shape: `softwareAgent` a string): `c2pa.created` when the asset has no `parentOf`
 *   ingredient, else `c2pa.opened` (the first `parentOf`) then `c2pa.edited`; `c2pa.placed` for each other
 *   `parentOf` and each `componentOf`; `inputTo` ingredients (AI inputs) take no action. The created/edited action
 *   carries the `digitalSourceType` and the first tool as `softwareAgent`; with several tools, all are listed in
 *   `parameters["org.atelier.tools"]`;
 * - `cawg.training-mining` with `entries` `{ use, constraint_info? }` when the asset states permissions;
 * - `stds.schema-org.CreativeWork` naming the creators (DIDs as identifiers);
 * - `signature_info` `{ alg: "Ed25519", issuer: <did>, time: <proof created>, cryptosuite, verification_method,
 *   proof_value }`;
 * - `validation_status` lists ingredients whose record is not held (`ingredient.manifest.missing`) and a cut walk
 *   (`lineage.truncated`).
 */
import type { AssetSubject, Credential, Ingredient, Tool } from '../records/types.ts'
import {
  C2PA_ACTION, C2PA_ACTIONS_LABEL, C2PA_INGREDIENT_MISSING, C2PA_MANIFEST_LABEL_PREFIX, C2PA_SIGNATURE_ALG,
  CAWG_TRAINING_MINING_LABEL, DEFAULT_CLAIM_GENERATOR, SCHEMA_ORG_CREATIVE_WORK_LABEL
} from './constants.ts'
import { exportWalk } from './export-walk.ts'
import type { ExportOptions } from './export-walk.ts'
import type { LineageView } from './view.ts'
import type { WalkNode } from './walk.ts'

export interface ClaimGeneratorInfo {
  name: string
  version?: string
}

export interface C2paOptions extends ExportOptions {
  /**
   * The software that produced this view, as `claim_generator_info` (and `claim_generator`, `name/version`)
   * @default { name: 'Atelier' } (DEFAULT_CLAIM_GENERATOR)
   */
  claimGenerator?: ClaimGeneratorInfo
}

export interface C2paAction {
  action: string
  when?: string
  softwareAgent?: string
  digitalSourceType?: string
  /** the `instance_id` of the ingredient the action brought in */
  instanceId?: string
  parameters?: Record<string, unknown>
}

export interface C2paAssertion {
  label: string
  data: Record<string, unknown>
}

export interface C2paIngredient {
  title: string
  relationship: Ingredient['relationship']
  format?: string
  instance_id?: string
  /** label of the ingredient's own manifest in this store, when its record is held */
  active_manifest?: string
  /** C2PA data types, for AI models and data sets */
  data_types?: Array<{ type: string }>
}

export interface C2paSignatureInfo {
  alg: string
  issuer: string
  time: string
  cryptosuite: string
  verification_method: string
  proof_value: string
}

export interface C2paManifest {
  claim_generator: string
  claim_generator_info: ClaimGeneratorInfo[]
  title: string
  format: string
  instance_id: string
  ingredients: C2paIngredient[]
  assertions: C2paAssertion[]
  signature_info: C2paSignatureInfo
  label: string
}

export interface C2paValidationStatus {
  code: string
  url: string
  explanation: string
}

export interface C2paManifestStore {
  active_manifest: string
  manifests: Record<string, C2paManifest>
  validation_status: C2paValidationStatus[]
}

const IPFS_SCHEME = 'ipfs://'

/** The manifest label of an asset record */
export function manifestLabel (recordCid: string): string {
  return C2PA_MANIFEST_LABEL_PREFIX + recordCid
}

function contentCid (subject: AssetSubject): string {
  const rest = subject.id.startsWith(IPFS_SCHEME) ? subject.id.slice(IPFS_SCHEME.length) : subject.id
  const slash = rest.indexOf('/')
  return slash === -1 ? rest : rest.slice(0, slash)
}

function agentString (tool: Tool): string {
  return tool.version != null ? `${tool.name}/${tool.version}` : tool.name
}

const DATA_TYPES: Partial<Record<NonNullable<Ingredient['kind']>, string>> = {
  model: 'c2pa.types.model',
  dataset: 'c2pa.types.dataset'
}

/** One ingredient as C2PA lists it, plus a validation status when its record is not held */
function ingredientOf (ing: Ingredient, parent: WalkNode | undefined, owner: string, status: C2paValidationStatus[]): C2paIngredient {
  const p = parent?.credential?.credentialSubject
  const content = ing.content ?? (p != null ? contentCid(p) : undefined)
  const out: C2paIngredient = {
    title: ing.title ?? p?.title ?? (ing.record ?? content ?? 'untitled'),
    relationship: ing.relationship
  }
  if (p != null) out.format = p.mediaType
  if (content != null) out.instance_id = IPFS_SCHEME + content
  if (parent?.credential != null) out.active_manifest = manifestLabel(parent.cid)
  const type = ing.kind != null ? DATA_TYPES[ing.kind] : undefined
  if (type != null) out.data_types = [{ type }]
  if (ing.record != null && parent != null && parent.credential == null) {
    status.push({
      code: C2PA_INGREDIENT_MISSING,
      url: manifestLabel(owner),
      explanation: `ingredient record ${ing.record} is not held by this node`
    })
  }
  return out
}

function actionsOf (s: AssetSubject, ingredients: C2paIngredient[], when: string): C2paAction[] {
  const actions: C2paAction[] = []
  const tools = s.tools ?? []
  const authoring: C2paAction = { action: C2PA_ACTION.created, when }
  if (s.digitalSourceType != null) authoring.digitalSourceType = s.digitalSourceType
  if (tools.length > 0) authoring.softwareAgent = agentString(tools[0])
  if (tools.length > 1) authoring.parameters = { 'org.atelier.tools': tools.map(t => ({ ...t })) }
  const opened = ingredients.find(i => i.relationship === 'parentOf')
  if (opened == null) {
    actions.push(authoring)
  } else {
    actions.push({ action: C2PA_ACTION.opened, when, ...(opened.instance_id != null ? { instanceId: opened.instance_id } : {}) })
    actions.push({ ...authoring, action: C2PA_ACTION.edited })
  }
  for (const i of ingredients) {
    if (i === opened || i.relationship === 'inputTo') continue
    actions.push({ action: C2PA_ACTION.placed, when, ...(i.instance_id != null ? { instanceId: i.instance_id } : {}) })
  }
  return actions
}

function manifestOf (node: WalkNode, credential: Credential<'asset'>, nodes: Map<string, WalkNode>, generator: ClaimGeneratorInfo,
  status: C2paValidationStatus[]): C2paManifest {
  const s = credential.credentialSubject
  const ingredients = (s.ingredients ?? []).map(ing => ingredientOf(ing, ing.record != null ? nodes.get(ing.record) : undefined, node.cid, status))
  const assertions: C2paAssertion[] = [{ label: C2PA_ACTIONS_LABEL, data: { actions: actionsOf(s, ingredients, credential.validFrom) } }]
  if (s.trainingMining != null && Object.keys(s.trainingMining).length > 0) {
    const entries: Record<string, { use: string, constraint_info?: string }> = {}
    for (const [key, entry] of Object.entries(s.trainingMining)) {
      if (entry == null) continue
      entries[key] = { use: entry.use, ...(entry.constraintInfo != null ? { constraint_info: entry.constraintInfo } : {}) }
    }
    assertions.push({ label: CAWG_TRAINING_MINING_LABEL, data: { entries } })
  }
  assertions.push({
    label: SCHEMA_ORG_CREATIVE_WORK_LABEL,
    data: {
      '@context': 'https://schema.org',
      '@type': 'CreativeWork',
      author: s.creators.map(c => ({ '@type': 'Person', identifier: c.id, ...(c.name != null ? { name: c.name } : {}) }))
    }
  })
  const label = manifestLabel(node.cid)
  return {
    claim_generator: generator.version != null ? `${generator.name}/${generator.version}` : generator.name,
    claim_generator_info: [{ ...generator }],
    title: s.title,
    format: s.mediaType,
    instance_id: IPFS_SCHEME + contentCid(s),
    ingredients,
    assertions,
    signature_info: {
      alg: C2PA_SIGNATURE_ALG,
      issuer: credential.issuer,
      time: credential.proof.created,
      cryptosuite: credential.proof.cryptosuite,
      verification_method: credential.proof.verificationMethod,
      proof_value: credential.proof.proofValue
    },
    label
  }
}

/**
 * The C2PA-style manifest store view of the asset record `asset` and its ancestors up to `depth` hops (the
 * manifests of the last level list their ingredients, without `active_manifest` since those manifests are not in
 * the view). Throws NotFoundError when the asset record is not held.
 */
export async function toC2paManifestStore (view: LineageView, asset: string, options: C2paOptions = {}): Promise<C2paManifestStore> {
  const walk = await exportWalk(view, asset, options)
  const generator = options.claimGenerator ?? DEFAULT_CLAIM_GENERATOR
  const manifests: Record<string, C2paManifest> = {}
  const status: C2paValidationStatus[] = []
  for (const node of walk.nodes.values()) {
    if (node.credential == null) continue
    const m = manifestOf(node, node.credential, walk.nodes, generator, status)
    manifests[m.label] = m
  }
  if (walk.truncated) {
    status.push({ code: 'lineage.truncated', url: manifestLabel(asset), explanation: `the ancestry has more records than this view includes (${walk.nodes.size})` })
  }
  return { active_manifest: manifestLabel(asset), manifests, validation_status: status }
}
