/**
 * POST /v1/content: the request body is streamed into UnixFS as it arrives; memory stays bounded.
 * POST /v1/car: a CARv1 body is imported as it arrives, each block checked against its CID, its roots pinned.
 */
import type { FastifyInstance } from 'fastify'
import { TooLargeError } from '../../errors.ts'
import { parseCid, parseEnumParam } from '../params.ts'
import { encryptUpload, encryptionMember } from '../private-works.ts'
import type { GatewayComponents, GatewayInit } from '../types.ts'

const CHUNKINGS = ['atelier', 'kubo'] as const

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

  app.post<{ Querystring: { filename?: string, chunking?: string, part?: string, collective?: string } }>('/v1/content', {
    bodyLimit: init.contentBodyLimit,
    schema: {
      tags: ['content'],
      summary: 'Add content (the body is the file, streamed); answers its CID. ?chunking=kubo: the CIDs of ipfs add --cid-version 1 --raw-leaves; ?part=1: a file of a directory add to come (POST /v1/content/directory); ?collective=<id>: when that collective is private, the file is encrypted before it is addressed (the answer\'s encryption member)',
      security: [{ bearer: [] }],
      querystring: { type: 'object', properties: { filename: { type: 'string' }, chunking: { type: 'string', enum: [...CHUNKINGS] }, part: { type: 'string', enum: ['0', '1', 'true', 'false'] }, collective: { type: 'string' } } },
      response: { 201: { type: 'object', properties: { cid: { type: 'string' }, size: { type: 'integer' }, encryption: { type: 'object', additionalProperties: true } } } }
    }
  }, async (request, res) => {
    checkDeclaredLength(request.headers['content-length'], init.contentBodyLimit)
    const chunking = parseEnumParam(request.query.chunking, 'chunking', CHUNKINGS) ?? 'atelier'
    const part = request.query.part === '1' || request.query.part === 'true'
    const collective = request.query.collective != null ? parseCid(request.query.collective, 'collective') : undefined
    const body = limited(request.raw, init.contentBodyLimit)
    if (collective != null && components.epochKeys?.isPrivate(collective) === true) {
      // a private collective's work: sealed before the import, so its CID, its blocks and /ipfs are ciphertext only
      const sealed = encryptUpload(components.epochKeys, collective, body)
      const added = await components.store.addContent(sealed.ciphertext, { chunking, pin: part ? 'part' : 'add' })
      components.metrics.contentAddedBytes.inc(added.size)
      request.log.info({ cid: added.cid, size: added.size, collective, epoch: sealed.header.epoch }, 'encrypted content added')
      return await res.code(201).send({ ...added, encryption: encryptionMember(sealed.header, sealed.result.plaintextBytes) })
    }
    const added = await components.store.addContent(body, { chunking, pin: part ? 'part' : 'add' })
    components.metrics.contentAddedBytes.inc(added.size)
    request.log.info({ cid: added.cid, size: added.size }, 'content added')
    return await res.code(201).send(added)
  })

  app.post('/v1/car', {
    bodyLimit: init.contentBodyLimit,
    schema: {
      tags: ['content'],
      summary: 'Import a CARv1 (the body, streamed): every block checked against its CID, every root pinned; all or nothing',
      security: [{ bearer: [] }],
      response: {
        201: {
          type: 'object',
          properties: { roots: { type: 'array', items: { type: 'string' } }, blocks: { type: 'integer' }, bytes: { type: 'integer' }, added: { type: 'integer' } }
        }
      }
    }
  }, async (request, res) => {
    checkDeclaredLength(request.headers['content-length'], init.contentBodyLimit)
    const imported = await components.store.importCar(limited(request.raw, init.contentBodyLimit))
    components.metrics.contentAddedBytes.inc(imported.bytes)
    request.log.info({ roots: imported.roots, blocks: imported.blocks, added: imported.added }, 'CAR imported')
    return await res.code(201).send(imported)
  })
}

function checkDeclaredLength (header: string | undefined, limit: number): void {
  const declared = Number(header)
  if (Number.isFinite(declared) && declared > limit) throw new TooLargeError(`content is larger than the limit of ${limit} bytes`)
}
