/**
 * Route schemas are compiled on a route's first request (src/gateway/lazy-compilers.ts): the answers are those of
 * Fastify's own compilers, nothing is compiled before a request needs it, and every route of the real gateway has a
 * schema that compiles (each one is called once here, on a real node, and none answers 5xx).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { lazySerializerFactory, lazyValidatorFactory } from '../../src/gateway/lazy-compilers.ts'
import { AtelierNode } from '../../src/node/atelier-node.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { initHome } from '../../src/identity/index.ts'
import { resolveConfig } from '../../src/config.ts'

const BODY = { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', maxLength: 5 }, n: { type: 'integer' } } }
const QUERY = { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1 } } }
const REPLY = { 200: { type: 'object', properties: { name: { type: 'string' }, n: { type: 'integer' } } } }

/** One app with a body, a query and a response schema; `lazy` picks the compilers */
async function app (lazy: boolean, schema: Record<string, unknown> = { body: BODY, querystring: QUERY, response: REPLY }): Promise<FastifyInstance> {
  const a = Fastify(lazy ? { schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory(), buildSerializer: lazySerializerFactory() } } } : {})
  // the response schema drops `extra`: the serializer is in use
  a.post('/thing', { schema }, async (request) => ({ ...(request.body as object), extra: 'dropped' }))
  await a.ready()
  return a
}

describe('lazy route schema compilers', () => {
  it('answer as Fastify\'s own compilers do', async () => {
    const eager = await app(false)
    const lazy = await app(true)
    const cases = [
      { url: '/thing', payload: { name: 'ok', n: 3 } },
      { url: '/thing', payload: { name: 'too long' } },
      { url: '/thing', payload: { name: 'ok', n: 'three' } },
      { url: '/thing', payload: { other: 1 } },
      { url: '/thing?limit=0', payload: { name: 'ok' } },
      { url: '/thing?limit=2', payload: { name: 'ok' } },
      { url: '/thing?nope=1', payload: { name: 'ok' } }
    ]
    let refused = 0
    for (const c of cases) {
      const a = await eager.inject({ method: 'POST', ...c })
      const b = await lazy.inject({ method: 'POST', ...c })
      assert.equal(b.statusCode, a.statusCode, c.url + JSON.stringify(c.payload))
      assert.deepEqual(b.json(), a.json())
      if (a.statusCode === 400) refused++
    }
    // Fastify's defaults drop the unknown query member (removeAdditional): four refusals, on body and query
    assert.equal(refused, 4, 'the cases exercise the validators')
    assert.deepEqual((await lazy.inject({ method: 'POST', url: '/thing', payload: { name: 'ok' } })).json(), { name: 'ok' })
    await eager.close()
    await lazy.close()
  })

  it('compile nothing before a route is called', async () => {
    // a schema Ajv refuses to compile: the eager compilers fail at ready(), the lazy ones on the first request
    const broken = { body: { type: 'object', properties: { n: { type: 'no-such-type' } } } }
    await assert.rejects(app(false, broken))
    const lazy = await app(true, broken)
    const res = await lazy.inject({ method: 'POST', url: '/thing', payload: { n: 1 } })
    assert.equal(res.statusCode, 500)
    await lazy.close()
  })
})

describe('every route of the gateway compiles its schemas', { timeout: 120_000 }, () => {
  let node: AtelierNode
  let home: string

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'atelier-lazy-compilers-'))
    await initHome(home)
    node = new AtelierNode({
      config: resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } }),
      logger: silentLogger(),
      processMetrics: false
    })
    await node.start()
  })

  after(async () => {
    await node.stop()
    await rm(home, { recursive: true, force: true })
  })

  it('answers each route of the OpenAPI document without a 5xx', async () => {
    const doc = await (await fetch(`${node.gatewayUrl}/openapi.json`)).json() as { paths: Record<string, Record<string, unknown>> }
    const auth = { authorization: `Bearer ${node.identity.apiToken}` }
    const answered: string[] = []
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        // routes that end the node or stream forever are called elsewhere
        if (/shutdown|\/events|\/stream/.test(path)) continue
        const url = node.gatewayUrl + path.replace(/\{[^}]+\}/g, 'bafkqaaa')
        const m = method.toUpperCase()
        const init: RequestInit = m === 'GET' || m === 'HEAD'
          ? { method: m, headers: auth }
          : { method: m, headers: { ...auth, 'content-type': 'application/json' }, body: '{"__unknown__": 1}' }
        const res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) })
        await res.arrayBuffer()
        assert.ok(res.status < 500, `${m} ${path}: ${res.status}`)
        answered.push(`${m} ${path}`)
      }
    }
    assert.ok(answered.length >= 40, `${answered.length} routes called`)
  })
})
