/**
 * Record reads, record submission, lineage.
 */
import type { FastifyInstance } from 'fastify'
import { NotFoundError } from '../../errors.ts'
import type { RecordKind } from '../../records/types.ts'
import type { RecordSummary } from '../../index/types.ts'
import type { GatewayComponents } from '../types.ts'
import { parseCid, parseEnumParam, parseIntParam, parseTimeParam } from '../params.ts'
import { withAuthorNames } from '../names.ts'

const KINDS: RecordKind[] = ['asset', 'license', 'grant', 'attestation', 'revocation', 'charter', 'membership', 'proposal', 'vote', 'receipt', 'profile', 'key', 'follow']
/** Page sizes: what a client gets without asking, and the most it may ask for */
const DEFAULT_PAGE = 50
const MAX_PAGE = 1000
const MAX_LINEAGE_DEPTH = 100
const DEFAULT_LINEAGE_DEPTH = 10
const MAX_LINEAGE_PAGE = 5000

const anyObject = { type: 'object', additionalProperties: true } as const
const recordItem = {
  type: 'object',
  properties: { cid: { type: 'string' }, kind: { type: 'string' }, author: { type: 'string' }, authorName: { type: 'string', description: 'the author\'s display name (profile), when it has one' }, time: { type: 'string' }, collective: { type: 'string' }, record: anyObject }
} as const

const submitted = { type: 'object', properties: { cid: { type: 'string' }, status: { type: 'string', enum: ['added', 'duplicate', 'parked'] }, reason: { type: 'string' }, rule: { type: 'string' } } } as const

/** 201 for a new record, 202 for a parked one (valid, waiting for a dependency), 200 for one already held */
export function statusCode (status: 'added' | 'duplicate' | 'parked'): 200 | 201 | 202 {
  return status === 'added' ? 201 : status === 'parked' ? 202 : 200
}

async function withRecord (components: GatewayComponents, s: RecordSummary): Promise<object> {
  const bytes = await components.store.getRecord(s.cid)
  return {
    cid: s.cid,
    kind: s.kind,
    author: s.author,
    time: new Date(s.time).toISOString(),
    ...(s.collective != null ? { collective: s.collective } : {}),
    record: JSON.parse(new TextDecoder().decode(bytes))
  }
}

/**
 * Whether the record's author revoked it: the earliest revocation by the same author (only the author can revoke,
 * protocols/records.md), as { record, effectiveFrom, reason? }; undefined when none is held
 */
async function revocationOf (components: GatewayComponents, s: RecordSummary): Promise<object | undefined> {
  const page = await components.index.query({ kind: 'revocation', target: s.cid, author: s.author, limit: MAX_PAGE, order: 'asc' })
  let found: { record: string, effectiveFrom: string, reason?: string } | undefined
  for (const r of page.items) {
    const subject = JSON.parse(new TextDecoder().decode(await components.store.getRecord(r.cid))).credentialSubject
    if (typeof subject?.effectiveFrom !== 'string') continue
    if (found == null || Date.parse(subject.effectiveFrom) < Date.parse(found.effectiveFrom)) {
      found = { record: r.cid, effectiveFrom: subject.effectiveFrom, ...(typeof subject.reason === 'string' ? { reason: subject.reason } : {}) }
    }
  }
  return found
}

/** GET/POST /v1/records, GET /v1/records/:cid, /v1/assets/:cid/lineage, /v1/assets/:cid/licenses */
export async function recordRoutes (app: FastifyInstance, components: GatewayComponents): Promise<void> {
  app.post('/v1/records', {
    schema: {
      tags: ['records'],
      summary: 'Submit a record signed elsewhere; it is validated like any other',
      security: [{ bearer: [] }],
      body: anyObject,
      response: { 200: submitted, 201: submitted, 202: submitted }
    }
  }, async (request, res) => {
    const outcome = await components.records.ingest(request.body as object, { source: 'http' })
    return await res.code(statusCode(outcome.status)).send({ cid: outcome.cid, status: outcome.status, ...(outcome.reason != null ? { reason: outcome.reason } : {}), ...(outcome.rule != null ? { rule: outcome.rule } : {}) })
  })

  app.get<{ Params: { cid: string }, Querystring: { raw?: string } }>('/v1/records/:cid', {
    schema: {
      tags: ['records'],
      summary: 'One record; ?raw=1 answers its canonical bytes',
      description: 'Answers { cid, kind, author, time, collective?, record, revoked? }: revoked = { record, effectiveFrom, reason? }, the earliest revocation of it by its author that this node holds.',
      params: { type: 'object', properties: { cid: { type: 'string' } } }
    }
  }, async (request, res) => {
    const cid = parseCid(request.params.cid)
    const summary = await components.index.get(cid)
    if (summary == null) throw new NotFoundError(`record ${cid} is not held by this node`)
    if (request.query.raw === '1' || request.query.raw === 'true') {
      const bytes = await components.store.getRecord(cid)
      return await res.header('content-type', 'application/json').header('etag', `"${cid}"`)
        .header('cache-control', 'public, max-age=29030400, immutable').send(Buffer.from(bytes))
    }
    const revoked = summary.kind === 'revocation' ? undefined : await revocationOf(components, summary)
    const [named] = await withAuthorNames(components.names, [await withRecord(components, summary)])
    return { ...named, ...(revoked != null ? { revoked } : {}) }
  })

  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/records', {
    schema: {
      tags: ['records'],
      summary: 'List records, filtered, newest first, with cursor pagination',
      querystring: {
        type: 'object',
        properties: Object.fromEntries(['kind', 'author', 'collective', 'content', 'asset', 'licensee', 'target', 'since', 'until', 'limit', 'cursor', 'order'].map(k => [k, { type: 'string' }]))
      },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: recordItem }, cursor: { type: ['string', 'null'] } } } }
    }
  }, async (request) => {
    const q = request.query
    const page = await components.index.query({
      kind: parseEnumParam(q.kind, 'kind', KINDS),
      author: q.author || undefined,
      collective: q.collective != null && q.collective !== '' ? parseCid(q.collective, 'collective') : undefined,
      content: q.content != null && q.content !== '' ? parseCid(q.content, 'content') : undefined,
      asset: q.asset != null && q.asset !== '' ? parseCid(q.asset, 'asset') : undefined,
      target: q.target != null && q.target !== '' ? parseCid(q.target, 'target') : undefined,
      licensee: q.licensee || undefined,
      since: parseTimeParam(q.since, 'since'),
      until: parseTimeParam(q.until, 'until'),
      limit: parseIntParam(q.limit, 'limit', 1, MAX_PAGE) ?? DEFAULT_PAGE,
      cursor: q.cursor || undefined,
      order: parseEnumParam(q.order, 'order', ['asc', 'desc'] as const)
    })
    const items = await Promise.all(page.items.map(async s => await withRecord(components, s)))
    return { items: await withAuthorNames(components.names, items), cursor: page.cursor }
  })

  app.get<{ Params: { cid: string } }>('/v1/assets/:cid/licenses', {
    schema: { tags: ['lineage'], summary: 'Licenses offered for an asset' }
  }, async (request) => {
    const asset = parseCid(request.params.cid)
    const page = await components.index.query({ kind: 'license', asset, limit: MAX_PAGE })
    const items = await Promise.all(page.items.map(async s => await withRecord(components, s)))
    return { items: await withAuthorNames(components.names, items), cursor: page.cursor }
  })

  app.get<{ Params: { cid: string }, Querystring: Record<string, string | undefined> }>('/v1/assets/:cid/lineage', {
    schema: {
      tags: ['lineage'],
      summary: 'Ancestors and/or descendants of an asset record, as a graph',
      querystring: { type: 'object', properties: { direction: { type: 'string' }, depth: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' } } }
    }
  }, async (request) => {
    const root = parseCid(request.params.cid)
    const summary = await components.index.get(root)
    if (summary == null) throw new NotFoundError(`asset record ${root} is not held by this node`)
    if (summary.kind !== 'asset') throw new NotFoundError(`${root} is a ${summary.kind} record, not an asset record`)
    const q = request.query
    const lineage = await components.index.lineage(root, {
      direction: parseEnumParam(q.direction, 'direction', ['ancestors', 'descendants', 'both'] as const) ?? 'both',
      depth: parseIntParam(q.depth, 'depth', 0, MAX_LINEAGE_DEPTH) ?? DEFAULT_LINEAGE_DEPTH,
      limit: parseIntParam(q.limit, 'limit', 1, MAX_LINEAGE_PAGE),
      cursor: q.cursor || undefined
    })
    return { ...lineage, nodes: await withAuthorNames(components.names, lineage.nodes) }
  })
}
