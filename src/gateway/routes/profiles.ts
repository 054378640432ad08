/**
 * Profiles (protocols/records.md §3.11): the one that counts for a did, and issuing this node's own.
 */
import type { FastifyInstance } from 'fastify'
import { InvalidRequestError, NotFoundError, NotReadyError } from '../../errors.ts'
import type { ProfileSubject } from '../../records/types.ts'
import type { GatewayComponents } from '../types.ts'
import { parseCid } from '../params.ts'
import { statusCode } from './records.ts'
import { createdResponse } from './schemas.ts'

const DID_KEY = /^did:key:z[1-9A-HJ-NP-Za-km-z]{1,200}$/

const profileSchema = {
  type: 'object',
  properties: {
    did: { type: 'string' },
    name: { type: 'string' },
    bio: { type: 'string' },
    avatar: { type: 'string', description: 'content CID of the avatar image (GET /ipfs/<cid>)' },
    links: { type: 'array', items: { type: 'string' } },
    cid: { type: 'string', description: 'the profile record that counts' },
    time: { type: 'string', description: 'its validFrom' },
    collective: { type: 'string' }
  }
} as const

const profileBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    // the record's own rules (records.md §3.11) are checked when it is issued, and name the field that breaks them
    name: { type: 'string', minLength: 1, maxLength: 1000 },
    bio: { type: 'string', maxLength: 4000 },
    avatar: { type: 'string', minLength: 1, maxLength: 200, description: 'content CID of an image this node holds (POST /v1/content)' },
    links: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 2048 } },
    collective: { type: 'string', minLength: 1, maxLength: 200, description: 'charter CID: the profile travels to that collective\'s members' }
  }
} as const

/** GET /v1/profiles/:did, POST /v1/profiles */
export async function profileRoutes (app: FastifyInstance, components: GatewayComponents): Promise<void> {
  app.get<{ Params: { did: string } }>('/v1/profiles/:did', {
    schema: {
      tags: ['profiles'],
      summary: 'The profile that counts for a did: the latest by validFrom then CID, not revoked (404 when it has none)',
      params: { type: 'object', properties: { did: { type: 'string' } } },
      response: { 200: profileSchema }
    }
  }, async (request) => {
    const did = request.params.did
    if (!DID_KEY.test(did)) throw new InvalidRequestError('did must be a did:key (did:key:z6Mk…)', { details: { field: 'did' } })
    if (components.names == null) throw new NotReadyError('profiles are not available on this node')
    const profile = await components.names.profileOf(did)
    if (profile == null) throw new NotFoundError(`no profile of ${did} is held by this node`)
    const { time, ...rest } = profile
    return { ...rest, time: new Date(time).toISOString() }
  })

  app.post<{ Body: { name: string, bio?: string, avatar?: string, links?: string[], collective?: string } }>('/v1/profiles', {
    schema: {
      tags: ['profiles'],
      summary: 'Name this node\'s creator: issue a profile record signed by its key (it replaces the earlier one)',
      security: [{ bearer: [] }],
      body: profileBody,
      response: { 200: createdResponse, 201: createdResponse, 202: createdResponse }
    }
  }, async (request, res) => {
    const b = request.body
    const subject: ProfileSubject = { id: components.did, name: b.name }
    if (b.bio != null) subject.bio = b.bio
    if (b.avatar != null) {
      const avatar = parseCid(b.avatar, 'avatar')
      await components.store.stat(avatar).catch((err: Error) => {
        if (err.name === 'NotFoundError') throw new NotFoundError(`avatar: ${avatar} is not held by this node; add it first (POST /v1/content)`)
        throw err
      })
      subject.avatar = avatar
    }
    if (b.links != null) subject.links = b.links
    const collective = b.collective != null ? parseCid(b.collective, 'collective') : undefined
    const outcome = await components.records.issue('profile', subject, { collective })
    return await res.code(statusCode(outcome.status)).send({ cid: outcome.cid, status: outcome.status, record: outcome.record.credential })
  })
}
