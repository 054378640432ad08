/**
 * Routes that issue records signed by the node's creator key: the request is a convenient description,
 * the answer the signed record. Every record still goes through RecordService's one door.
 */
import type { FastifyInstance } from 'fastify'
import { InvalidRequestError, NotFoundError } from '../../errors.ts'
import type {
  AssetSubject, AttestationSubject, GrantSubject, Ingredient, RevocationSubject, TrainingMiningEntry, TrainingMiningKey,
  TrainingMiningUse
} from '../../records/types.ts'
import type { RecordSummary } from '../../index/types.ts'
import type { IngestOutcome } from '../../node/record-service.ts'
import type { GatewayComponents } from '../types.ts'
import { parseCid } from '../params.ts'
import { statusCode } from './records.ts'
import { assetAiTraining, licenseSubject, requireOwner } from './license-offer.ts'
import type { LicenseOffer } from './license-offer.ts'
import { assetBody, attestationBody, createdResponse, grantBody, licenseBody, revocationBody } from './schemas.ts'
import { ENCRYPTED_MEDIA_TYPE, describeWork } from '../private-works.ts'

interface AssetBody {
  content: string
  title: string
  mediaType?: string
  byteSize?: number
  description?: string
  tags?: string[]
  creators?: AssetSubject['creators']
  parents?: Array<{ record: string, relationship?: Ingredient['relationship'] }>
  ingredients?: Ingredient[]
  tools?: AssetSubject['tools']
  digitalSourceType?: string
  trainingMining?: AssetSubject['trainingMining']
  aiTraining?: TrainingMiningUse
  collective?: string
  license?: LicenseOffer
  /** compute the content's fingerprints; default: the node's fingerprints.compute */
  fingerprints?: boolean
}

const DEFAULT_MEDIA_TYPE = 'application/octet-stream'
/** IPTC digital source types are URIs; a bare term is resolved against this vocabulary */
const IPTC_SOURCE_TYPE_BASE = 'http://cv.iptc.org/newscodes/digitalsourcetype/'
/** Records carry prompt hashes as multihashes; clients may send the bare sha-256 hex */
const SHA256_MULTIHASH_PREFIX = '1220'
const SHA256_HEX_LENGTH = 64
const AI_TRAINING_KEYS: TrainingMiningKey[] = ['cawg.ai_training', 'cawg.ai_generative_training']

/** Remove undefined fields: records carry absent fields, never null or undefined */
function compact<T extends object> (value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

async function requireRecord (components: GatewayComponents, cid: string, field: string, kind?: RecordSummary['kind']): Promise<RecordSummary> {
  const summary = await components.index.get(cid)
  if (summary == null) throw new NotFoundError(`${field}: record ${cid} is not held by this node`)
  if (kind != null && summary.kind !== kind) throw new InvalidRequestError(`${field}: record ${cid} is a ${summary.kind} record, not a ${kind} record`)
  return summary
}

/** The credential subject of a held record (the create routes read the asset a license or a revocation is about) */
async function subjectOf<T> (components: GatewayComponents, cid: string): Promise<T> {
  const bytes = await components.store.getRecord(cid)
  return JSON.parse(new TextDecoder().decode(bytes)).credentialSubject as T
}

/**
 * The collective of a record about another record (a grant of a license, an attestation, a revocation): the one the
 * client names, else the target's own, so that it reaches the members who hold the target. Without a collective it
 * would stay on this node, which is never what someone revoking a collective's license means. When this node's
 * creator is not a member of the target's collective now, the record stays local and the answer says why.
 */
async function collectiveFor (components: GatewayComponents, given: string | undefined, target: RecordSummary): Promise<{ collective?: string, notice?: string }> {
  if (given != null) return { collective: parseCid(given, 'collective') }
  if (target.collective == null) return {}
  const member = await components.isMember?.(target.collective, components.did, Date.now())
  if (member === true) return { collective: target.collective }
  return { notice: `kept on this node: ${target.cid} belongs to collective ${target.collective}, of which this node's creator is not a member` }
}

function created (res: any, outcome: IngestOutcome, extra: object = {}): unknown {
  const collective = outcome.record.credential.collective
  return res.code(statusCode(outcome.status)).send({ cid: outcome.cid, status: outcome.status, record: outcome.record.credential, ...(collective != null ? { collective } : {}), ...extra })
}

/** POST /v1/assets, /v1/licenses, /v1/grants, /v1/attestations, /v1/revocations */
export async function createRoutes (app: FastifyInstance, components: GatewayComponents): Promise<void> {
  const security = [{ bearer: [] }]
  const response = { 200: createdResponse, 201: createdResponse, 202: createdResponse }

  app.post<{ Body: AssetBody }>('/v1/assets', {
    schema: { tags: ['records'], summary: 'Issue an asset record (provenance claim) for content this node holds, optionally with a license', security, body: assetBody, response }
  }, async (request, res) => {
    const body = request.body
    const content = parseCid(body.content, 'content')
    const stat = await components.store.stat(content).catch((err: Error) => {
      if (err.name === 'NotFoundError') throw new NotFoundError(`content: ${content} is not held by this node; add it first (POST /v1/content)`)
      throw err
    })
    const ingredients: Ingredient[] = []
    for (const [i, p] of (body.parents ?? []).entries()) {
      const record = parseCid(p.record, `parents[${i}].record`)
      const parent = await requireRecord(components, record, `parents[${i}].record`, 'asset')
      ingredients.push(compact({ relationship: p.relationship ?? 'parentOf', record, content: parent.content, kind: 'asset' as const, title: parent.title }))
    }
    for (const [i, ing] of (body.ingredients ?? []).entries()) {
      if (ing.record != null) await requireRecord(components, parseCid(ing.record, `ingredients[${i}].record`), `ingredients[${i}].record`)
      ingredients.push(compact({ ...ing, record: ing.record != null ? parseCid(ing.record) : undefined, content: ing.content != null ? parseCid(ing.content) : undefined }))
    }
    let trainingMining = body.trainingMining
    if (body.aiTraining != null) {
      const entry: TrainingMiningEntry = { use: body.aiTraining }
      trainingMining = { ...Object.fromEntries(AI_TRAINING_KEYS.map(k => [k, entry])), ...trainingMining }
    }
    const collective = body.collective != null ? parseCid(body.collective, 'collective') : undefined
    // the collective's defaults, set by passed proposals, fill what the work does not say (governance.md §7.3)
    const defaults = collective != null ? await components.governance?.defaults(collective).catch(() => undefined) : undefined
    if (defaults != null && Object.keys(defaults.trainingMining).length > 0) trainingMining = { ...defaults.trainingMining, ...trainingMining }
    const digitalSourceType = body.digitalSourceType == null || body.digitalSourceType.includes(':')
      ? body.digitalSourceType
      : IPTC_SOURCE_TYPE_BASE + body.digitalSourceType
    const subject: AssetSubject = compact({
      id: `ipfs://${content}`,
      mediaType: body.mediaType ?? DEFAULT_MEDIA_TYPE,
      byteSize: body.byteSize ?? stat.size,
      title: body.title,
      description: body.description,
      tags: body.tags,
      creators: body.creators ?? [{ id: components.did, role: 'author', share: 10000 }],
      ingredients: ingredients.length > 0 ? ingredients : undefined,
      tools: body.tools?.map(t => t.promptHash != null && t.promptHash.length === SHA256_HEX_LENGTH ? { ...t, promptHash: SHA256_MULTIHASH_PREFIX + t.promptHash } : t),
      digitalSourceType,
      trainingMining
    })
    // a private collective's work: the record describes the ciphertext it names and carries what a member needs to
    // read it; the plaintext's media type moves into `encryption`, and no fingerprint of the plaintext is published
    const epochKeys = components.epochKeys
    const encrypted = collective != null && epochKeys?.isPrivate(collective) === true
    if (encrypted) {
      subject.encryption = await describeWork(epochKeys, components.store, collective, content, stat.size, body.mediaType)
      subject.mediaType = ENCRYPTED_MEDIA_TYPE
      subject.byteSize = stat.size
    }
    // fingerprints from the bytes held here (none for works that give none: they are an aid, not a condition)
    const fingerprinter = components.fingerprinter
    if (!encrypted && (body.fingerprints ?? components.computeFingerprints === true) && fingerprinter != null) {
      const fingerprints = await fingerprinter.forRecord(content, subject.mediaType, stat.size)
      if (fingerprints != null) subject.fingerprints = fingerprints
    }
    // check the license offer before issuing anything, so a bad offer leaves no orphan asset record
    const license = body.license ?? (defaults?.spdx != null ? { spdx: defaults.spdx } : undefined)
    const offer = license != null ? licenseSubject('placeholder', license, assetAiTraining(subject)) : undefined
    const outcome = await components.records.issue('asset', subject, { collective })
    if (offer == null) return created(res, outcome)
    const issued = await components.records.issue('license', { ...offer, asset: outcome.cid }, { collective })
    return created(res, outcome, { license: { cid: issued.cid, record: issued.record.credential } })
  })

  app.post<{ Body: LicenseOffer & { asset: string, collective?: string } }>('/v1/licenses', {
    schema: { tags: ['records'], summary: 'Offer license terms for an asset', security, body: licenseBody, response }
  }, async (request, res) => {
    const asset = parseCid(request.body.asset, 'asset')
    const summary = await requireRecord(components, asset, 'asset', 'asset')
    const assetSubject = await subjectOf<AssetSubject>(components, asset)
    requireOwner(components.did, asset, summary.author, assetSubject)
    const collective = request.body.collective != null ? parseCid(request.body.collective, 'collective') : undefined
    return created(res, await components.records.issue('license', licenseSubject(asset, request.body, assetAiTraining(assetSubject)), { collective }))
  })

  app.post<{ Body: { license: string, licensee: string, expiration?: string, note?: string, collective?: string } }>('/v1/grants', {
    schema: { tags: ['records'], summary: 'Grant a license to a licensee', security, body: grantBody, response }
  }, async (request, res) => {
    const license = parseCid(request.body.license, 'license')
    const summary = await requireRecord(components, license, 'license', 'license')
    const subject: GrantSubject = compact({
      id: request.body.licensee,
      license,
      asset: summary.asset as string,
      expiration: request.body.expiration,
      note: request.body.note
    })
    const { collective, notice } = await collectiveFor(components, request.body.collective, summary)
    return created(res, await components.records.issue('grant', subject, { collective }), notice != null ? { notice } : {})
  })

  app.post<{ Body: { record: string, claim: AttestationSubject['claim'], comment?: string, collective?: string } }>('/v1/attestations', {
    schema: { tags: ['records'], summary: 'Vouch for a record', security, body: attestationBody, response }
  }, async (request, res) => {
    const record = parseCid(request.body.record, 'record')
    const target = await requireRecord(components, record, 'record')
    const subject: AttestationSubject = compact({ record, claim: request.body.claim, comment: request.body.comment })
    const { collective, notice } = await collectiveFor(components, request.body.collective, target)
    return created(res, await components.records.issue('attestation', subject, { collective }), notice != null ? { notice } : {})
  })

  app.post<{ Body: { record: string, effectiveFrom?: string, reason?: string, collective?: string } }>('/v1/revocations', {
    schema: { tags: ['records'], summary: 'Withdraw one of this node\'s records from a time on', security, body: revocationBody, response }
  }, async (request, res) => {
    const record = parseCid(request.body.record, 'record')
    const target = await requireRecord(components, record, 'record')
    if (target.author !== components.did) {
      throw new InvalidRequestError(`record: ${record} was issued by ${target.author}; only its author can revoke it`)
    }
    const subject: RevocationSubject = compact({
      record,
      effectiveFrom: request.body.effectiveFrom ?? new Date().toISOString(),
      reason: request.body.reason
    })
    const { collective, notice } = await collectiveFor(components, request.body.collective, target)
    return created(res, await components.records.issue('revocation', subject, { collective }), notice != null ? { notice } : {})
  })
}
