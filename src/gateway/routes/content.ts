/**
 * POST /v1/content: the request body is streamed into UnixFS as it arrives; memory stays bounded.
 */
import type { FastifyInstance } from 'fastify'
import { TooLargeError } from '../../errors.ts'
import type { GatewayComponents, GatewayInit } from '../types.ts'

/** Count bytes as they pass, refusing a body over `limit` */
async function * limited (source: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  let total = 0
  for await (const chunk of source) {
    total += chunk.byteLength
    if (total > limit) throw new TooLargeError(`content is larger than the limit of ${limit} bytes`)
    yield chunk
  }
}

/** Content upload routes, in their own scope so the raw body parser applies to them alone */
export async function contentRoutes (app: FastifyInstance, opts: { components: GatewayComponents, init: GatewayInit }): Promise<void> {
  const { components, init } = opts
  app.removeAllContentTypeParsers()
  // leave the body unread: the handler streams it
  app.addContentTypeParser('*', (_req, _payload, done) => { done(null) })

  app.post('/v1/content', {
    bodyLimit: init.contentBodyLimit,
    schema: {
      tags: ['content'],
      summary: 'Add content (the body is the file, streamed); answers its CID',
      security: [{ bearer: [] }],
      response: { 201: { type: 'object', properties: { cid: { type: 'string' }, size: { type: 'integer' } } } }
    }
  }, async (request, res) => {
    const declared = Number(request.headers['content-length'])
    if (Number.isFinite(declared) && declared > init.contentBodyLimit) {
      throw new TooLargeError(`content is larger than the limit of ${init.contentBodyLimit} bytes`)
    }
    const added = await components.store.addContent(limited(request.raw, init.contentBodyLimit))
    components.metrics.contentAddedBytes.inc(added.size)
    request.log.info({ cid: added.cid, size: added.size }, 'content added')
    return await res.code(201).send(added)
  })
}
