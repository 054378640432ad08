/**
 * Collectives and peers: create, invite, join, members, digests; the peers this node keeps.
 */
import type { FastifyInstance } from 'fastify'
import { InvalidRequestError, NotReadyError } from '../../errors.ts'
import type { CollectiveService } from '../../node/collective-service.ts'
import type { PeerKeeper } from '../../net/peers.ts'
import type { ParkingLot } from '../../node/parking.ts'
import { parseCid, parseIntParam } from '../params.ts'
import { nameMap } from '../names.ts'
import type { GatewayComponents } from '../types.ts'
import type { Replication } from '../../records/types.ts'

export interface CollectiveRouteComponents {
  collectives?: CollectiveService
  peers?: PeerKeeper
  parking?: ParkingLot
  /** a peer's gossip score (negative after invalid messages) */
  peerScore?: (peerId: string) => number
  /** the collectives in which this node holds a verified member card of the peer */
  memberOf?: (peerId: string) => string[]
  /** members' display names */
  names?: GatewayComponents['names']
}

/** Every did an answer about collectives lists: members, admins, pending changes and their signers, intervals */
function didsOf (c: { members?: string[], admins?: string[], pending?: Array<{ member: string, signers: string[] }>, intervals?: Record<string, unknown> }): string[] {
  return [...c.members ?? [], ...c.admins ?? [], ...(c.pending ?? []).flatMap(p => [p.member, ...p.signers]), ...Object.keys(c.intervals ?? {})]
}

const did = { type: 'string', pattern: '^did:key:z[1-9A-HJ-NP-Za-km-z]+$', maxLength: 200 } as const
const security = [{ bearer: [] }]
const SECONDS = 1000
/** Longest invite lifetime accepted, seconds (one year) */
const MAX_INVITE_TTL_S = 365 * 24 * 3600
const MAX_PARKED_LISTED = 1000

/** /v1/collectives…, /v1/peers, /v1/parked */
export async function collectiveRoutes (app: FastifyInstance, components: CollectiveRouteComponents): Promise<void> {
  const collectives = (): CollectiveService => {
    if (components.collectives == null) throw new NotReadyError('collectives are not available on this node')
    return components.collectives
  }
  const peers = (): PeerKeeper => {
    if (components.peers == null) throw new NotReadyError('networking is not available on this node')
    return components.peers
  }

  app.post<{ Body: { name: string, description?: string, policy?: 'invite' | 'quorum', quorum?: number, admins?: string[], replication?: Replication, visibility?: 'public' | 'private' } }>('/v1/collectives', {
    schema: {
      tags: ['collectives'],
      summary: 'Found a collective: this node signs its charter and becomes its first admin',
      security,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200 },
          description: { type: 'string', maxLength: 10000 },
          policy: { type: 'string', enum: ['invite', 'quorum'] },
          quorum: { type: 'integer', minimum: 1, maximum: 50 },
          admins: { type: 'array', maxItems: 50, items: did },
          // full, none, or k copies of each work (charter version 2, protocols/collectives.md §Replication)
          replication: {
            anyOf: [
              { type: 'string', enum: ['full', 'none'] },
              { type: 'object', additionalProperties: false, required: ['copies'], properties: { copies: { type: 'integer', minimum: 1, maximum: 64 } } }
            ]
          },
          visibility: { type: 'string', enum: ['public', 'private'] }
        }
      }
    }
  }, async (request, res) => {
    const b = request.body
    const created = await collectives().create({
      name: b.name,
      ...(b.description != null ? { description: b.description } : {}),
      ...(b.admins != null ? { admins: [...b.admins] } : {}),
      admission: { policy: b.policy ?? 'invite', quorum: b.quorum ?? 1 },
      ...(b.replication != null ? { replication: b.replication } : {}),
      ...(b.visibility === 'private' ? { visibility: 'private' as const } : {})
    })
    return await res.code(201).send({ id: created.id, record: created.record.credential })
  })

  app.get('/v1/collectives', { schema: { tags: ['collectives'], summary: 'Collectives this node takes part in; `names`: display names of their members and admins (did → name)' } }, async () => {
    const items = await collectives().list()
    return { items, names: await nameMap(components.names, items.flatMap(didsOf)) }
  })

  app.get<{ Params: { id: string } }>('/v1/collectives/:id', { schema: { tags: ['collectives'], summary: 'One collective: charter, members, pending changes; `names`: display names of the dids listed (did → name)' } },
    async (request) => {
      const d = await collectives().describe(parseCid(request.params.id, 'collective'))
      return { ...d, names: await nameMap(components.names, didsOf(d)) }
    })

  app.get<{ Params: { id: string } }>('/v1/collectives/:id/sync', { schema: { tags: ['collectives'], summary: 'How catching up a joined collective is going: sessions in flight (records and bytes so far) and the last one; answers before the charter has arrived' } },
    async (request) => await collectives().syncProgress(parseCid(request.params.id, 'collective')))

  app.get<{ Params: { id: string } }>('/v1/collectives/:id/members', { schema: { tags: ['collectives'], summary: 'Members now, admins, pending changes, membership intervals; `names`: display names of the dids listed (did → name)' } },
    async (request) => {
      const d = await collectives().describe(parseCid(request.params.id, 'collective'))
      return { id: d.id, members: d.members, admins: d.admins, pending: d.pending, intervals: d.intervals, names: await nameMap(components.names, didsOf(d)) }
    })

  app.get<{ Params: { id: string } }>('/v1/collectives/:id/digest', {
    schema: { tags: ['collectives'], summary: 'Count and sha-256 digest of the sorted record CIDs held for the collective (compare nodes)', response: { 200: { type: 'object', properties: { count: { type: 'integer' }, digest: { type: 'string' } } } } }
  }, async (request) => await collectives().digest(parseCid(request.params.id, 'collective')))

  app.post<{ Params: { id: string }, Body: { expiresIn?: number, maxUses?: number } }>('/v1/collectives/:id/invites', {
    schema: {
      tags: ['collectives'],
      summary: 'An invite string (charter CID, this node\'s addresses, and an invite record where the policy admits by invitation)',
      security,
      body: { type: 'object', additionalProperties: false, properties: { expiresIn: { type: 'integer', minimum: 60, maximum: MAX_INVITE_TTL_S }, maxUses: { type: 'integer', minimum: 1, maximum: 100000 } } }
    }
  }, async (request, res) => {
    const b = request.body ?? {}
    const out = await collectives().invite(parseCid(request.params.id, 'collective'), {
      ...(b.expiresIn != null ? { expiresInMs: b.expiresIn * SECONDS } : {}),
      ...(b.maxUses != null ? { maxUses: b.maxUses } : {})
    })
    return await res.code(201).send(out)
  })

  app.post<{ Body: { invite: string } }>('/v1/collectives/join', {
    schema: {
      tags: ['collectives'],
      summary: 'Join a collective with an invite: subscribe, catch up history, sign a join where the invite allows',
      security,
      body: { type: 'object', additionalProperties: false, required: ['invite'], properties: { invite: { type: 'string', minLength: 1, maxLength: 8192 } } }
    }
  }, async (request) => await collectives().join(request.body.invite))

  app.post<{ Params: { id: string }, Body: { action: 'admit' | 'remove', member?: string, effectiveFrom?: string, reason?: string, cosign?: string } }>('/v1/collectives/:id/members', {
    schema: {
      tags: ['collectives'],
      summary: 'Sign an admit or remove (effective once a quorum of admins signed the same change)',
      description: 'Two signatures are the same change when they name the same action, member and effectiveFrom. ' +
        'Without effectiveFrom or cosign, this admin signs the earliest pending change of the same action and member ' +
        'it has not signed (listed in `others` when there are several), else a new change from now. ' +
        '409 ERR_ALREADY_SIGNED when this admin already signed the change; 409 ERR_NOT_PENDING when cosign names no ' +
        'pending change of this action in this collective.',
      security,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['action'],
        anyOf: [{ required: ['member'] }, { required: ['cosign'] }],
        properties: {
          action: { type: 'string', enum: ['admit', 'remove'] },
          member: { ...did, description: 'the member; may be left out with cosign' },
          effectiveFrom: { type: 'string', maxLength: 40, description: 'RFC 3339 UTC; sign the change from this instant (default: the pending change, else now)' },
          reason: { type: 'string', maxLength: 2000 },
          cosign: { type: 'string', maxLength: 200, description: 'CID of a pending admit/remove record of this collective: sign the same change (its member and effectiveFrom)' }
        }
      }
    }
  }, async (request, res) => {
    const b = request.body
    const out = await collectives().changeMember(parseCid(request.params.id, 'collective'), b.action, b.member, {
      ...(b.effectiveFrom != null ? { effectiveFrom: b.effectiveFrom } : {}),
      ...(b.reason != null ? { reason: b.reason } : {}),
      ...(b.cosign != null ? { cosign: parseCid(b.cosign, 'cosign') } : {})
    })
    return await res.code(201).send(out)
  })

  app.get('/v1/peers', { schema: { tags: ['peers'], summary: 'Known and connected peers, with their gossip score and the collectives they are known members of' } }, async () => ({
    items: peers().list().map(p => ({
      ...p,
      ...(components.peerScore != null ? { score: components.peerScore(p.peerId) } : {}),
      ...(components.memberOf != null ? { memberOf: components.memberOf(p.peerId) } : {})
    }))
  }))

  app.post<{ Body: { address: string } }>('/v1/peers', {
    schema: {
      tags: ['peers'],
      summary: 'Remember a peer (multiaddr ending in /p2p/<id>) and keep it connected',
      security,
      body: { type: 'object', additionalProperties: false, required: ['address'], properties: { address: { type: 'string', minLength: 1, maxLength: 1000 } } }
    }
  }, async (request, res) => await res.code(201).send({ peerId: await peers().add(request.body.address, 'api') }))

  app.get<{ Querystring: { limit?: string, cursor?: string } }>('/v1/parked', { schema: { tags: ['records'], summary: 'Records held but not counted: waiting for a dependency (a charter, an invite, the record they are about), or outside the collective view (retired), with the rule and the reason; paginated by cursor' } }, async (request) => {
    if (components.parking == null) return { count: 0, bytes: 0, items: [], cursor: null }
    const limit = parseIntParam(request.query.limit, 'limit', 1, MAX_PARKED_LISTED) ?? 100
    const cursor = request.query.cursor
    if (cursor != null && !/^[A-Za-z0-9]{1,200}$/.test(cursor)) throw new InvalidRequestError('cursor is not valid: pass back the cursor of the previous page unchanged', { details: { field: 'cursor' } })
    const page = await components.parking.list({ limit, ...(cursor != null ? { cursor } : {}) })
    return { count: components.parking.count, bytes: components.parking.bytes, items: page.items, cursor: page.cursor }
  })

}
