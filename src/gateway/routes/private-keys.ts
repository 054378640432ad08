/**
 * A private collective's keys (protocols/private-collectives.md §6): the audit of its epochs and an admin's rotation.
 */
import type { FastifyInstance } from 'fastify'
import { NotReadyError } from '../../errors.ts'
import type { PrivateKeys } from '../../node/private-keys.ts'
import { parseCid } from '../params.ts'
import { nameMap } from '../names.ts'
import type { GatewayComponents } from '../types.ts'

const security = [{ bearer: [] }]

/** /v1/collectives/:id/keys, /v1/collectives/:id/rotate */
export async function privateKeyRoutes (app: FastifyInstance, components: Pick<GatewayComponents, 'privateKeys' | 'names'>): Promise<void> {
  const keys = (): PrivateKeys => {
    if (components.privateKeys == null) throw new NotReadyError('private collectives are not available on this node')
    return components.privateKeys
  }

  app.get<{ Params: { id: string } }>('/v1/collectives/:id/keys', {
    schema: { tags: ['collectives'], summary: 'A private collective\'s epochs: number, why and when each started, who holds it (the members it was wrapped to), whether this node does; key records that do not count and why; `names`: display names (did → name)' }
  }, async (request) => {
    const audit = await keys().audit(parseCid(request.params.id, 'collective'))
    const dids = audit.epochs.flatMap(e => [e.issuer, ...e.holders])
    return { ...audit, names: await nameMap(components.names, dids) }
  })

  app.post<{ Params: { id: string } }>('/v1/collectives/:id/rotate', {
    schema: { tags: ['collectives'], summary: 'Start a new epoch of a private collective now (admins only): a fresh key wrapped to the current members', security }
  }, async (request, res) => {
    const out = await keys().rotate(parseCid(request.params.id, 'collective'))
    return await res.code(201).send(out)
  })
}
