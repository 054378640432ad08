/**
 * Discovery (issue 13): GET /v1/discover (the node's own ranking, with reasons), and follows: POST /v1/follows
 * (a follow record, or with `private` a local setting that never leaves the node), DELETE /v1/follows/:target
 * (revokes this creator's follows of the target and drops the private one), GET /v1/follows. An endorsement is an
 * attestation with claim `endorsement` (POST /v1/attestations). The ranking and the follow list say what this
 * node's creator likes, so even their reads need the API token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { InvalidRequestError, NotReadyError, UnauthorizedError } from '../../errors.ts'
import type { FollowSubject, RevocationSubject } from '../../records/types.ts'
import type { GatewayComponents } from '../types.ts'
import { bearerMatches } from '../auth.ts'
import { parseCid } from '../params.ts'
import { statusCode } from './records.ts'
import { createdResponse } from './schemas.ts'

const DID_KEY = /^did:key:z[1-9A-HJ-NP-Za-km-z]{1,200}$/
/** Most items a ranking answers */
export const MAX_DISCOVER_LIMIT = 200

const reason = {
  type: 'object',
  properties: {
    code: { type: 'string', description: 'endorsedByFollowed, endorsedByCircle, byFollowed, byCircle, derivedFromYours, sourceOfYours, derivedFromEndorsed, looksLikeYours, looksLikeEndorsed, inFollowedCollective, nearYourWorks, flagged' },
    via: { type: 'array', items: { type: 'string' }, description: 'the other ends of the edges behind the reason: dids, record CIDs' },
    text: { type: 'string', description: 'the reason in words, with profile names where known' }
  }
} as const

const discoverItem = {
  type: 'object',
  properties: {
    record: { type: 'string', description: 'asset record CID' },
    title: { type: 'string' },
    author: { type: 'string' },
    authorName: { type: 'string' },
    time: { type: 'string' },
    score: { type: 'number' },
    reasons: { type: 'array', items: reason }
  }
} as const

/** The target of a follow: a did:key or a charter's record CID */
function parseTarget (value: string): string {
  if (value.startsWith('did:')) {
    if (!DID_KEY.test(value)) throw new InvalidRequestError('target must be a did:key (did:key:z6Mk…) or a collective\'s charter CID', { details: { field: 'target' } })
    return value
  }
  return parseCid(value, 'target')
}

export async function discoveryRoutes (app: FastifyInstance, components: GatewayComponents): Promise<void> {
  const security = [{ bearer: [] }]
  const owner = (request: FastifyRequest): void => {
    if (!bearerMatches(request.headers.authorization, components.apiToken)) {
      throw new UnauthorizedError('this answer is private to the node\'s creator: send Authorization: Bearer <token>')
    }
  }
  const discovery = (): NonNullable<GatewayComponents['discovery']> => {
    if (components.discovery == null) throw new NotReadyError('discovery is not available on this node')
    return components.discovery
  }

  app.get<{ Querystring: { limit?: string, kind?: string, collective?: string } }>('/v1/discover', {
    schema: {
      tags: ['discovery'],
      summary: 'Works for this node\'s creator, ranked from what the node holds only (nothing is sent or fetched), each with its reasons',
      security,
      querystring: {
        type: 'object',
        properties: {
          limit: { type: 'string', description: `1…${MAX_DISCOVER_LIMIT}, default 20` },
          kind: { type: 'string', description: 'media class of the works: image, audio, text, video…' },
          collective: { type: 'string', description: 'only works published in this collective (charter CID)' }
        }
      },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: discoverItem } } } }
    }
  }, async (request) => {
    owner(request)
    const q = request.query
    let limit = 20
    if (q.limit != null) {
      limit = Number(q.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DISCOVER_LIMIT) throw new InvalidRequestError(`limit must be an integer 1…${MAX_DISCOVER_LIMIT}`, { details: { field: 'limit' } })
    }
    if (q.kind != null && !/^[a-z]{1,32}$/.test(q.kind)) throw new InvalidRequestError('kind must be a media class such as image, audio or text', { details: { field: 'kind' } })
    const collective = q.collective != null ? parseCid(q.collective, 'collective') : undefined
    return { items: await discovery().discover({ limit, ...(q.kind != null ? { kind: q.kind } : {}), ...(collective != null ? { collective } : {}) }) }
  })

  app.post<{ Body: { target: string, collective?: string, private?: boolean } }>('/v1/follows', {
    schema: {
      tags: ['discovery'],
      summary: 'Follow a creator (did:key) or a collective (charter CID): a follow record, public within `collective`; with `private: true` a local setting that never leaves the node',
      security,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['target'],
        properties: {
          target: { type: 'string', minLength: 1, maxLength: 200 },
          collective: { type: 'string', minLength: 1, maxLength: 200 },
          private: { type: 'boolean' }
        }
      },
      response: { 200: createdResponse, 201: createdResponse, 202: createdResponse }
    }
  }, async (request, res) => {
    const b = request.body
    const target = parseTarget(b.target)
    if (b.private === true) {
      if (b.collective != null) throw new InvalidRequestError('a private follow names no collective: it never leaves the node', { details: { field: 'collective' } })
      const added = await discovery().followPrivately(target)
      return await res.code(added ? 201 : 200).send({ status: added ? 'added' : 'duplicate' })
    }
    if (target === components.did) throw new InvalidRequestError('target is this node\'s own creator', { details: { field: 'target' } })
    const collective = b.collective != null ? parseCid(b.collective, 'collective') : undefined
    const subject: FollowSubject = { target }
    const outcome = await components.records.issue('follow', subject, { collective })
    return await res.code(statusCode(outcome.status)).send({ cid: outcome.cid, status: outcome.status, record: outcome.record.credential, ...(collective != null ? { collective } : {}) })
  })

  app.delete<{ Params: { target: string } }>('/v1/follows/:target', {
    schema: {
      tags: ['discovery'],
      summary: 'Unfollow: revoke every follow record of this creator naming the target (each revocation goes where its follow went) and drop the private follow',
      security,
      params: { type: 'object', properties: { target: { type: 'string' } } },
      response: { 200: { type: 'object', properties: { revoked: { type: 'array', items: { type: 'string' } }, private: { type: 'boolean' } } } }
    }
  }, async (request) => {
    const target = parseTarget(request.params.target)
    const revoked: string[] = []
    const follows = await components.index.query({ kind: 'follow', author: components.did, target, limit: 1000 })
    for (const f of follows.items) {
      const already = await components.index.query({ kind: 'revocation', author: components.did, target: f.cid, limit: 1 })
      if (already.items.length > 0) continue
      const subject: RevocationSubject = { record: f.cid, effectiveFrom: new Date().toISOString() }
      const outcome = await components.records.issue('revocation', subject, { collective: f.collective })
      revoked.push(outcome.cid)
    }
    const dropped = components.discovery != null ? await components.discovery.unfollowPrivately(target) : false
    return { revoked, private: dropped }
  })

  app.get('/v1/follows', {
    schema: {
      tags: ['discovery'],
      summary: 'Who this node\'s creator follows: public follow records not revoked, and the private follows',
      security,
      response: { 200: { type: 'object', properties: { public: { type: 'array', items: { type: 'object', properties: { target: { type: 'string' }, cid: { type: 'string' }, collective: { type: 'string' } } } }, private: { type: 'array', items: { type: 'string' } } } } }
    }
  }, async (request) => {
    owner(request)
    const out: Array<{ target: string, cid: string, collective?: string }> = []
    const follows = await components.index.query({ kind: 'follow', author: components.did, limit: 1000 })
    for (const f of follows.items) {
      const revoked = await components.index.query({ kind: 'revocation', author: components.did, target: f.cid, limit: 1 })
      if (revoked.items.length > 0 || f.target == null) continue
      out.push({ target: f.target, cid: f.cid, ...(f.collective != null ? { collective: f.collective } : {}) })
    }
    return { public: out, private: components.discovery != null ? await discovery().privateFollowList() : [] }
  })
}
