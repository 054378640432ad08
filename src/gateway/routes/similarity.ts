/**
 * Near-duplicate works and unattributed-copy alerts (issue 12; protocols/verification.md rule 5a):
 * `GET /v1/similar?record=|code=`, `POST /v1/similar` (the body is a file, fingerprinted here and not stored),
 * `GET /v1/alerts`. The SSE stream carries `alert` events (events.ts).
 */
import type { FastifyInstance } from 'fastify'
import { InvalidRequestError, NotFoundError, TooLargeError } from '../../errors.ts'
import type { SimilarityService, SimilarResult } from '../../node/similarity-service.ts'
import { MAX_SIMILAR, kindOf, parseCodeParam } from '../../similarity/index.ts'
import type { UnattributedPair } from '../../similarity/index.ts'
import { parseCid, parseIntParam } from '../params.ts'

/** The largest file `POST /v1/similar` reads (the image decoder refuses more than 50 MP anyway) */
export const MAX_SIMILAR_FILE_BYTES = 64 * 1024 * 1024
/** The largest radius a client may ask for, any algorithm (each algorithm bounds it further: src/similarity/rules.ts) */
const MAX_RADIUS = 63

const similarItem = {
  type: 'object',
  properties: {
    cid: { type: 'string' },
    alg: { type: 'string' },
    distance: { type: 'integer' },
    variant: { type: 'string' },
    similarity: { type: 'number' },
    title: { type: 'string' },
    author: { type: 'string' },
    time: { type: 'string' },
    content: { type: 'string' }
  }
} as const

const alertItem = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    later: { type: 'string' },
    earlier: { type: 'string' },
    laterAuthor: { type: 'string' },
    earlierAuthor: { type: 'string' },
    laterTime: { type: 'string' },
    earlierTime: { type: 'string' },
    alg: { type: 'string' },
    distance: { type: 'integer' },
    variant: { type: 'string' },
    similarity: { type: 'number' }
  }
} as const

function similarJson (r: SimilarResult): Record<string, unknown> {
  return { ...r, ...(r.time != null ? { time: new Date(r.time).toISOString() } : {}) }
}

function answerJson (a: { items: SimilarResult[], truncated: boolean }): Record<string, unknown> {
  return { items: a.items.map(similarJson), ...(a.truncated ? { truncated: true } : {}) }
}

/** An alert as the API and the SSE stream show it */
export function alertJson (p: UnattributedPair): Record<string, unknown> {
  return {
    code: 'possible.unattributed_derivative',
    ...p,
    laterTime: new Date(p.laterTime).toISOString(),
    earlierTime: new Date(p.earlierTime).toISOString()
  }
}

async function readBody (source: AsyncIterable<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of source) {
    total += chunk.byteLength
    if (total > limit) throw new TooLargeError(`the file is larger than the limit of ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

export async function similarityRoutes (app: FastifyInstance, opts: { similarity: SimilarityService }): Promise<void> {
  const { similarity } = opts
  const common = (q: Record<string, string | undefined>): { radius?: number, limit?: number } => ({
    radius: parseIntParam(q.radius, 'radius', 0, MAX_RADIUS),
    limit: parseIntParam(q.limit, 'limit', 1, MAX_SIMILAR)
  })

  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/similar', {
    schema: {
      tags: ['similarity'],
      summary: 'Works whose fingerprints are near an asset record\'s (`record`) or a given code (`code=<alg>:<code>`), nearest first; `radius` overrides the algorithm\'s match radius',
      querystring: { type: 'object', properties: { record: { type: 'string' }, code: { type: 'string' }, radius: { type: 'string' }, limit: { type: 'string' } } },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: similarItem }, truncated: { type: 'boolean' } } } }
    }
  }, async (request) => {
    const q = request.query
    if ((q.record == null) === (q.code == null)) throw new InvalidRequestError('give exactly one of record or code', { details: { field: 'record' } })
    if (q.record != null) {
      const record = parseCid(q.record, 'record')
      const codes = await similarity.codesOf(record)
      if (codes == null) throw new NotFoundError(`asset record ${record} is not held by this node`)
      return answerJson(await similarity.similar({ record, ...common(q) }))
    }
    return answerJson(await similarity.similar({ codes: parseCodeParam(q.code as string), ...common(q) }))
  })

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_req, _payload, done) => { done(null) })
    scope.post<{ Querystring: Record<string, string | undefined> }>('/v1/similar', {
      bodyLimit: MAX_SIMILAR_FILE_BYTES,
      schema: {
        tags: ['similarity'],
        summary: 'Works near a file (the body; its Content-Type says whether it is an image or a text): fingerprinted here, not stored',
        security: [{ bearer: [] }],
        querystring: { type: 'object', properties: { radius: { type: 'string' }, limit: { type: 'string' } } },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: similarItem }, truncated: { type: 'boolean' } } } }
      }
    }, async (request) => {
      const declared = Number(request.headers['content-length'])
      if (Number.isFinite(declared) && declared > MAX_SIMILAR_FILE_BYTES) throw new TooLargeError(`the file is larger than the limit of ${MAX_SIMILAR_FILE_BYTES} bytes`)
      const bytes = await readBody(request.raw, MAX_SIMILAR_FILE_BYTES)
      const mediaType = request.headers['content-type'] ?? 'application/octet-stream'
      if (kindOf(mediaType) == null) {
        throw new InvalidRequestError(`a ${mediaType} file has no fingerprint: send an image/* or text/* file with its Content-Type`, { details: { field: 'content-type' } })
      }
      return answerJson(await similarity.similar({ bytes, mediaType, ...common(request.query) }))
    })
  })

  app.get('/v1/alerts', {
    schema: {
      tags: ['similarity'],
      summary: 'Later works by other authors that look like this node\'s works and acknowledge them by no lineage, license or grant (possible.unattributed_derivative), newest first',
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: alertItem } } } }
    }
  }, async () => ({ items: (await similarity.alerts()).map(alertJson) }))
}
