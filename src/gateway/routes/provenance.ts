/**
 * Provenance verification reports and search: `GET /v1/assets/:cid/provenance`, `GET /v1/search`.
 */
import type { FastifyInstance } from 'fastify'
import { nativeCrypto } from '../../identity/ed25519-native.ts'
import type { SearchHit } from '../../index/types.ts'
import { SEARCH_SORTS } from '../../index/types.ts'
import { verifyProvenance } from '../../lineage/verify.ts'
import { createVerifyView } from '../../lineage/verify-view.ts'
import { workKeyOpener } from '../private-works.ts'
import type { RecordKind } from '../../records/types.ts'
import type { GatewayComponents } from '../types.ts'
import { parseCid, parseEnumParam, parseIntParam, parseTimeParam } from '../params.ts'
import { withAuthorNames } from '../names.ts'

/** Kinds a search may filter on (charter and membership as strings: the index accepts them either way) */
const KINDS = ['asset', 'license', 'grant', 'attestation', 'revocation', 'charter', 'membership', 'proposal', 'vote', 'receipt', 'profile', 'key', 'follow'] as RecordKind[]
/** Page sizes: what a client gets without asking, and the most it may ask for */
const DEFAULT_PAGE = 50
const MAX_PAGE = 1000
const MAX_DEPTH = 100
const MAX_RECORDS = 10_000

const stringProps = (names: string[]): Record<string, { type: 'string' }> => Object.fromEntries(names.map(n => [n, { type: 'string' as const }]))

const findingSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    severity: { type: 'string', enum: ['info', 'warning', 'error'] },
    record: { type: 'string' },
    message: { type: 'string' },
    related: { type: 'array', items: { type: 'string' } }
  }
} as const

const reportSchema = {
  type: 'object',
  properties: {
    asset: { type: 'string' },
    verdict: { type: 'string', enum: ['verified', 'warnings', 'failed'] },
    checkedAt: { type: 'string' },
    depth: { type: 'integer' },
    records: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          cid: { type: 'string' },
          depth: { type: 'integer' },
          present: { type: 'boolean' },
          title: { type: 'string' },
          author: { type: 'string' },
          authorName: { type: 'string', description: 'the author\'s display name (profile), when it has one' },
          content: { type: 'string' }
        }
      }
    },
    findings: { type: 'array', items: findingSchema },
    counts: { type: 'object', properties: { errors: { type: 'integer' }, warnings: { type: 'integer' }, infos: { type: 'integer' } } }
  }
} as const

const hitSchema = {
  type: 'object',
  properties: {
    cid: { type: 'string' },
    kind: { type: 'string' },
    author: { type: 'string' },
    authorName: { type: 'string', description: 'the author\'s display name (profile), when it has one' },
    time: { type: 'string' },
    collective: { type: 'string' },
    previous: { type: 'string' },
    title: { type: 'string' },
    content: { type: 'string' },
    asset: { type: 'string' },
    license: { type: 'string' },
    licensee: { type: 'string' },
    target: { type: 'string' },
    score: { type: 'integer' }
  }
} as const

/** A search hit as the API shows it: the summary with its time in RFC 3339 */
function hitItem (h: SearchHit): Record<string, unknown> {
  return { ...h, time: new Date(h.time).toISOString() }
}

function optionalCid (value: string | undefined, name: string): string | undefined {
  return value != null && value !== '' ? parseCid(value, name) : undefined
}

/** `1`, `true`, `0`, `false` as a boolean; absent as undefined */
function parseBoolParam (value: string | undefined, name: string): boolean | undefined {
  const v = parseEnumParam(value, name, ['1', 'true', '0', 'false'] as const)
  return v == null ? undefined : v === '1' || v === 'true'
}

/**
 * GET /v1/assets/:cid/provenance and GET /v1/search. Membership of collectives is asked of
 * `components.isMember` when the node provides it; until then every collective record is `membership.unknown`.
 */
export async function provenanceRoutes (app: FastifyInstance, components: GatewayComponents): Promise<void> {
  const isMember = components.isMember
  const similarity = components.similarity
  const view = createVerifyView({
    index: components.index,
    store: components.store,
    crypto: nativeCrypto,
    isMember,
    fingerprinter: components.fingerprinter,
    ...(components.epochKeys != null ? { openWorkKey: workKeyOpener(components.epochKeys) } : {}),
    ...(similarity != null ? { unattributed: async (cid: string) => await similarity.unattributed(cid) } : {})
  })

  app.get<{ Params: { cid: string }, Querystring: Record<string, string | undefined> }>('/v1/assets/:cid/provenance', {
    schema: {
      tags: ['lineage'],
      summary: 'Provenance verification report of an asset and its ancestors (codes in protocols/verification.md)',
      params: { type: 'object', properties: { cid: { type: 'string' } } },
      querystring: { type: 'object', properties: stringProps(['depth', 'at', 'maxRecords']) },
      response: { 200: reportSchema }
    }
  }, async (request) => {
    const cid = parseCid(request.params.cid)
    const q = request.query
    const report = await verifyProvenance(view, cid, {
      depth: parseIntParam(q.depth, 'depth', 0, MAX_DEPTH),
      now: parseTimeParam(q.at, 'at') ?? components.clock?.(),
      ...(components.clockSkewMs != null ? { clockSkew: components.clockSkewMs } : {}),
      maxRecords: parseIntParam(q.maxRecords, 'maxRecords', 1, MAX_RECORDS)
    })
    return { ...report, records: await withAuthorNames(components.names, report.records) }
  })

  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/search', {
    schema: {
      tags: ['records'],
      summary: 'Search asset titles, tags and descriptions, with filters; by relevance or newest first, cursor pages',
      querystring: {
        type: 'object',
        properties: {
          ...stringProps(['q', 'author', 'mediaType', 'kind', 'collective', 'since', 'until', 'limit', 'cursor', 'match', 'prefix']),
          sort: { type: 'string', enum: [...SEARCH_SORTS], description: 'relevance (default with q): most matched words first, then newest; newest (default without q) or oldest: by time. time is an older name of newest.' }
        }
      },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: hitSchema }, cursor: { type: ['string', 'null'] } } } }
    }
  }, async (request) => {
    const q = request.query
    const page = await components.index.search({
      text: q.q || undefined,
      author: q.author || undefined,
      mediaType: q.mediaType || undefined,
      kind: parseEnumParam(q.kind, 'kind', KINDS),
      collective: optionalCid(q.collective, 'collective'),
      since: parseTimeParam(q.since, 'since'),
      until: parseTimeParam(q.until, 'until'),
      limit: parseIntParam(q.limit, 'limit', 1, MAX_PAGE) ?? DEFAULT_PAGE,
      cursor: q.cursor || undefined,
      sort: parseEnumParam(q.sort, 'sort', SEARCH_SORTS),
      match: parseEnumParam(q.match, 'match', ['any', 'all'] as const),
      prefix: parseBoolParam(q.prefix, 'prefix')
    })
    return { items: await withAuthorNames(components.names, page.items.map(hitItem)), cursor: page.cursor }
  })
}
