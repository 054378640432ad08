/**
 * Node routes: health, identity, metrics, index maintenance.
 */
import type { FastifyInstance } from 'fastify'
import type { GatewayComponents } from '../types.ts'

/** /healthz, /metrics, /v1/node, /v1/reindex */
export async function nodeRoutes (app: FastifyInstance, components: GatewayComponents): Promise<void> {
  app.get('/healthz', { schema: { tags: ['node'], summary: 'Liveness' } }, async () => ({ status: 'ok' }))

  app.get('/metrics', { schema: { tags: ['node'], summary: 'Prometheus metrics', hide: false } }, async (_req, res) => {
    const text = await components.metrics.registry.metrics()
    return await res.header('content-type', components.metrics.registry.contentType).send(text)
  })

  app.get('/v1/node', {
    schema: {
      tags: ['node'],
      summary: 'This node: peer id, did, addresses, gateway URL, counts',
      response: {
        200: {
          type: 'object',
          properties: {
            peerId: { type: 'string' },
            did: { type: 'string' },
            name: { type: 'string', description: 'this node\'s creator\'s display name (its profile), when it has one' },
            addresses: { type: 'array', items: { type: 'string' } },
            reachability: { type: 'string', enum: ['public', 'relayed', 'unconfirmed', 'private'], description: 'AutoNAT\'s verdict: public (a public address confirmed by peers dialling back), relayed (reachable through a member relay only), unconfirmed (public addresses not confirmed), private (LAN or loopback addresses only, which AutoNAT does not judge)' },
            gatewayUrl: { type: 'string' },
            version: { type: 'string' },
            records: { type: 'integer' },
            storage: { type: 'object', properties: { blocks: { type: 'integer' }, bytes: { type: 'integer' } } }
          }
        }
      }
    }
  }, async () => {
    const info = await components.nodeInfo()
    const name = (await components.names?.namesOf([info.did]))?.get(info.did)
    return name != null ? { ...info, name } : info
  })

  app.post('/v1/reindex', {
    schema: { tags: ['node'], summary: 'Rebuild the index from the stored record blocks', security: [{ bearer: [] }] }
  }, async () => await components.reindex())
}
