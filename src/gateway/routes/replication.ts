/**
 * GET /v1/collectives/:id/health: the works of a `replication: { copies: k }` collective that have fewer than k
 * live holders in this node's view, each with its holders (protocols/collectives.md §Replication).
 */
import type { FastifyInstance } from 'fastify'
import { InvalidRequestError, NotFoundError, NotReadyError } from '../../errors.ts'
import type { CollectiveHealth } from '../../replication/replicator.ts'
import { parseCid } from '../params.ts'
import { nameMap } from '../names.ts'
import type { GatewayComponents } from '../types.ts'

export interface ReplicationRouteComponents {
  replication?: { health: (collective: string) => Promise<CollectiveHealth | undefined> }
  collectives?: { joinedIds: () => string[] }
  names?: GatewayComponents['names']
}

export async function replicationRoutes (app: FastifyInstance, components: ReplicationRouteComponents): Promise<void> {
  app.get<{ Params: { id: string } }>('/v1/collectives/:id/health', {
    schema: {
      tags: ['collectives'],
      summary: 'Works of a `replication: { copies: k }` collective with fewer than k live holders (this node\'s view), each with its holders and the offline members ranked above them; `names`: display names (did → name)'
    }
  }, async (request) => {
    const id = parseCid(request.params.id, 'collective')
    if (components.replication == null || components.collectives == null) throw new NotReadyError('replication is not available on this node')
    if (!components.collectives.joinedIds().includes(id)) throw new NotFoundError(`this node has not joined collective ${id}`)
    const health = await components.replication.health(id)
    if (health == null) throw new InvalidRequestError(`collective ${id} does not ask for k copies of each work (its charter's replication is full or none, or not held yet)`)
    const dids = health.below.flatMap(w => [...w.holders, ...w.offline])
    return { ...health, healthy: health.below.length === 0, names: await nameMap(components.names, dids) }
  })
}
