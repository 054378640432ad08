/**
 * The HTTP gateway: the JSON API under /v1, the /ipfs content gateway, server-sent events, metrics and the
 * OpenAPI document, on one Fastify server. It receives the node's parts through `components` and owns none.
 */
import { lazySerializerFactory, lazyValidatorFactory } from './lazy-compilers.ts'
import Fastify, { LogController } from 'fastify'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify'
import swagger from '@fastify/swagger'
import { installJsonBodyParser } from './json-body.ts'
import { installErrorHandlers, toErrorResponse } from './errors.ts'
import { answerClientError, checkListenAddress, installDoors, localUrl } from './doors.ts'
import { installAuth } from './auth.ts'
import { PrivateReads } from './private-reads.ts'
import { nodeRoutes } from './routes/node.ts'
import { contentRoutes } from './routes/content.ts'
import { pinRoutes } from './routes/pins.ts'
import { recordRoutes } from './routes/records.ts'
import { createRoutes } from './routes/create.ts'
import { eventRoutes } from './routes/events.ts'
import { ipfsRoutes } from './ipfs-routes.ts'
import { privateContentRoutes } from './routes/private-content.ts'
import { recordMediaType } from './media-type.ts'
import { collectiveRoutes } from './routes/collectives.ts'
import { replicationRoutes } from './routes/replication.ts'
import { governanceRoutes } from './routes/governance.ts'
import { lineageReportRoutes } from './routes/lineage-reports.ts'
import { webRoutes } from './routes/web.ts'
import { similarityRoutes } from './routes/similarity.ts'
import { provenanceRoutes } from './routes/provenance.ts'
import { profileRoutes } from './routes/profiles.ts'
import { privateKeyRoutes } from './routes/private-keys.ts'
import { discoveryRoutes } from './routes/discovery.ts'
import { fileURLToPath } from 'node:url'
import type { GatewayComponents, GatewayInit } from './types.ts'

export type { GatewayComponents, GatewayInit, NodeInfo } from './types.ts'

export interface Gateway {
  app: FastifyInstance
  /** Listen; resolves with the base URL (http://host:port) once connections are accepted */
  listen(): Promise<string>
  close(): Promise<void>
}

/** The built web page */
const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url))

/** How long shutdown waits for requests in flight before closing their connections */
const CLOSE_GRACE_MS = 5_000

/** The package version, shown in /v1/node and the OpenAPI document */
export const VERSION = '0.1.0'

/** Build the gateway (routes registered, not yet listening) */
export async function createGateway (components: GatewayComponents, init: GatewayInit): Promise<Gateway> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the app's type the default one
    loggerInstance: components.logger.child({ component: 'gateway' }) as unknown as FastifyBaseLogger,
    bodyLimit: init.jsonBodyLimit,
    // requests are logged by our onResponse hook, at debug, with the route and duration
    logController: new LogController({ disableRequestLogging: true }),
    // route schemas compiled on first use: most of a second of CPU at every start otherwise (lazy-compilers.ts)
    schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory(), buildSerializer: lazySerializerFactory() } },
    ajv: {
      // reject unknown fields with a message instead of silently dropping them, and never coerce types
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false }
    },
    // a request without Host reaches the doors, which refuse it in the documented body (Node would answer a bare 400)
    http: { requireHostHeader: false },
    // requests Node's parser refuses (bad request line, headers too large or too slow) get the documented body too
    clientErrorHandler: answerClientError,
    // errors Fastify raises before routing (a bad URL, an over-long parameter) get the documented body too
    frameworkErrors: (err, request, res) => {
      const { status, body } = toErrorResponse(err)
      request.log.info({ code: body.error.code, msg: body.error.message }, 'request refused')
      void (res as FastifyReply).code(status).header('content-type', 'application/json; charset=utf-8').send(body)
    }
  })
  installDoors(app, init)
  installErrorHandlers(app)
  installJsonBodyParser(app)
  installAuth(app, components.apiToken)
  // beyond loopback, a caller without the token does not see private collectives' records (private-reads.ts)
  const epochKeysForReads = components.epochKeys
  if (PrivateReads.needed(init.host) && epochKeysForReads != null) {
    const privateKeys = components.privateKeys
    const reads = new PrivateReads({ isPrivate: (id) => epochKeysForReads.isPrivate(id), any: () => (privateKeys?.privateCollectives().length ?? 0) > 0 })
    reads.install(app, components.apiToken, components.index)
    const names = components.names
    components = {
      ...components,
      index: reads.guardIndex(components.index),
      store: reads.guardStore(components.store, components.index),
      ...(names != null ? { names: reads.guardNames(names) } : {}),
      privateReads: reads
    }
  }

  app.addHook('onResponse', async (request, res) => {
    const route = request.routeOptions.url ?? 'unmatched'
    components.metrics.httpRequests.inc({ method: request.method, route, status: res.statusCode })
    components.metrics.httpDuration.observe({ method: request.method, route }, res.elapsedTime / 1000)
    request.log.debug({ method: request.method, url: request.url, status: res.statusCode, ms: Math.round(res.elapsedTime) }, 'request')
  })

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Atelier node API', version: VERSION, description: 'Signed provenance and license records, content over IPFS. Writes need Authorization: Bearer <token>.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }
    }
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  await app.register(async (scope) => { await nodeRoutes(scope, components) })
  await app.register(async (scope) => { await recordRoutes(scope, components) })
  await app.register(async (scope) => { await createRoutes(scope, components) })
  await app.register(async (scope) => { await eventRoutes(scope, components) })
  await app.register(async (scope) => { await contentRoutes(scope, { components, init }) })
  await app.register(async (scope) => { await pinRoutes(scope, components) })
  const epochKeys = components.epochKeys
  if (epochKeys != null) await app.register(async (scope) => { await privateContentRoutes(scope, { ...components, epochKeys }, components.hasPeers != null ? { timeoutMs: init.peerFetchTimeoutMs, hasPeers: components.hasPeers } : undefined) })
  await app.register(async (scope) => {
    await ipfsRoutes(scope, {
      store: components.store,
      mediaTypeOf: recordMediaType(components.index, components.store),
      ...(components.hasPeers != null ? { network: { timeoutMs: init.peerFetchTimeoutMs, hasPeers: components.hasPeers } } : {})
    })
  })
  await app.register(async (scope) => { await collectiveRoutes(scope, components) })
  await app.register(async (scope) => { await replicationRoutes(scope, components) })
  await app.register(async (scope) => { await governanceRoutes(scope, components) })
  await app.register(async (scope) => { await webRoutes(scope, { root: WEB_ROOT }) })
  await app.register(async (scope) => { await provenanceRoutes(scope, components) })
  const similarity = components.similarity
  if (similarity != null) await app.register(async (scope) => { await similarityRoutes(scope, { similarity }) })
  await app.register(async (scope) => { await profileRoutes(scope, components) })
  await app.register(async (scope) => { await privateKeyRoutes(scope, components) })
  await app.register(async (scope) => { await discoveryRoutes(scope, components) })
  const lineageView = components.lineageView
  if (lineageView != null) await app.register(async (scope) => { await lineageReportRoutes(scope, { view: lineageView, names: components.names }) })

  return {
    app,
    async listen () {
      checkListenAddress(init, components.logger)
      await app.listen({ host: init.host, port: init.port })
      const address = app.server.address()
      if (address == null || typeof address === 'string') throw new Error('gateway is not listening on TCP')
      // the URL this machine's clients use (the api file): a wildcard address is reached on loopback
      return localUrl(address.address, address.port)
    },
    async close () {
      // in-flight requests get a grace period; then kept-alive and streaming sockets are cut so shutdown is bounded
      const timer = setTimeout(() => { app.server.closeAllConnections() }, CLOSE_GRACE_MS)
      timer.unref()
      try {
        await app.close()
      } finally {
        clearTimeout(timer)
      }
    }
  }
}
