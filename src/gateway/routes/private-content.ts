/**
 * A member's reading of its private collectives (protocols/private-collectives.md §9), on loopback only and with the
 * API token, since what they answer is plaintext and keys:
 * - GET/HEAD /v1/content/:cid/plaintext: the plaintext of a held encrypted work, Range included; only the chunks a
 *   range touches are read and opened, streamed one chunk at a time;
 * - GET /v1/collectives/:id/epochs/:epoch/key: an epoch key this node holds, for the member's own page, which
 *   decrypts and verifies works itself (web/src/private-content.ts).
 * `/ipfs/<cid>` is unchanged: it serves the ciphertext, as bitswap does, to anyone.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { NotFoundError, UnauthorizedError } from '../../errors.ts'
import { locateContent } from '../locate-content.ts'
import type { PeerFetch } from '../locate-content.ts'
import { bearerMatches } from '../auth.ts'
import { servedMediaType } from '../media-type.ts'
import { parseCid } from '../params.ts'
import { primed, toReadable, wantedRange } from '../ipfs-routes.ts'
import { openableWork } from '../private-works.ts'
import { decryptRange } from '../../private/content-cipher.ts'
import type { EpochKeySource } from '../../private/epoch-source.ts'
import type { GatewayComponents } from '../types.ts'
import type { ReadOptions } from '../../store/types.ts'

/** The addresses a request may come from to be answered plaintext or keys */
export function isLoopback (address: string | undefined): boolean {
  if (address == null) return false
  return address === '::1' || /^(::ffff:)?127\./.test(address)
}

function guard (request: FastifyRequest, token: string): void {
  if (!isLoopback(request.socket.remoteAddress)) throw new UnauthorizedError('plaintext of private works and epoch keys are served on loopback only')
  if (!bearerMatches(request.headers.authorization, token)) {
    throw new UnauthorizedError('plaintext of private works and epoch keys need Authorization: Bearer <token> (the token is in $ATELIER_HOME/api-token)')
  }
}

export async function privateContentRoutes (app: FastifyInstance, components: GatewayComponents & { epochKeys: EpochKeySource },
  network?: PeerFetch): Promise<void> {
  const { store, index, epochKeys } = components

  const security = [{ bearer: [] }]

  app.route<{ Params: { cid: string } }>({
    method: ['GET', 'HEAD'],
    url: '/v1/content/:cid/plaintext',
    exposeHeadRoute: false,
    schema: {
      tags: ['content'],
      summary: 'The plaintext of an encrypted work of a private collective this node is a member of (loopback, token; Range supported)',
      security,
      params: { type: 'object', properties: { cid: { type: 'string' } }, required: ['cid'] }
    },
    handler: async (request, reply) => {
      guard(request, components.apiToken)
      const cid = parseCid(request.params.cid, 'cid')
      // the ciphertext: here, or (a member holding none of the work) from connected peers, as for /ipfs
      const located = await locateContent(store, cid, network)
      const reader = {
        read: (c: string, o: ReadOptions = {}) => store.read(c, { ...located.readOptions, ...o }),
        getRecord: async (c: string) => await store.getRecord(c)
      }
      const work = await openableWork(epochKeys, index, reader, cid)
      const size = work.encryption.plaintextSize
      const etag = `"${cid}.plain"`
      reply.header('etag', etag)
      reply.header('accept-ranges', 'bytes')
      reply.header('cache-control', 'private, no-store')
      reply.header('x-content-type-options', 'nosniff')
      reply.header('x-atelier-record', work.record)
      reply.header('content-type', servedMediaType(work.encryption.mediaType) ?? 'application/octet-stream')
      let range: { start: number, end: number } | undefined
      try {
        range = wantedRange(request, etag, size)
      } catch (err) {
        reply.header('content-range', `bytes */${size}`)
        throw err
      }
      const start = range?.start ?? 0
      const end = range?.end ?? size - 1
      if (range != null) {
        reply.code(206)
        reply.header('content-range', `bytes ${start}-${end}/${size}`)
      } else {
        reply.code(200)
      }
      const length = end - start + 1
      reply.header('content-length', length)
      if (request.method === 'HEAD' || length === 0) return await reply.send()
      const read = (offset: number, n: number): AsyncIterable<Uint8Array> => reader.read(cid, { offset, length: n })
      // the first chunk is opened before the headers go: a work that does not open is an error answer, not a cut stream
      const body = await primed(decryptRange(read, work.header, work.key, located.stat.size, start, end))
      return await reply.send(toReadable(body))
    }
  })

  app.get<{ Params: { id: string, epoch: string } }>('/v1/collectives/:id/epochs/:epoch/key', {
    schema: {
      tags: ['collectives'],
      summary: 'An epoch key of a private collective this node holds (loopback, token), for the member\'s own page',
      security,
      params: { type: 'object', properties: { id: { type: 'string' }, epoch: { type: 'string', pattern: '^(0|[1-9][0-9]{0,9})$' } }, required: ['id', 'epoch'] }
    }
  }, async (request, reply) => {
    guard(request, components.apiToken)
    const collective = parseCid(request.params.id, 'id')
    const epoch = Number(request.params.epoch)
    const key = epochKeys.isPrivate(collective) ? epochKeys.key(collective, epoch) : undefined
    if (key == null) throw new NotFoundError(`this node holds no key of epoch ${epoch} of ${collective}`)
    return await reply.header('cache-control', 'private, no-store').send({ collective, epoch, key: Buffer.from(key).toString('base64url') })
  })
}
