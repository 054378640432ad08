/**
 * `/ipfs/<cid>[/<path>]`: the IPFS path gateway basics and the trustless gateway formats, over a `ContentStore`.
 *
 * - File bytes (UnixFS file, raw block, json record): `Content-Length`, `Content-Type` (from the path's extension, else
 *   the media type an asset record of the content declares, made safe, else a few magic numbers, else
 *   application/octet-stream), `ETag: "<cid>"` (the resolved CID), immutable caching,
 *   `Accept-Ranges: bytes`, `If-None-Match` → 304, one `Range: bytes=a-b | a- | -n` → 206 + `Content-Range`, a range
 *   that cannot be satisfied → 416 (with a `Content-Range` that gives the size). Several ranges are answered with the whole
 *   file (RFC 9110 lets a server ignore Range). `If-Range` with another validator also gets the whole file.
 * - `?format=raw` or `Accept: application/vnd.ipld.raw`: the block, `ETag: "<cid>.raw"`.
 * - `?format=car` or `Accept: application/vnd.ipld.car`: a CARv1 of the whole DAG (depth-first, each block once),
 *   streamed, `ETag: "<cid>.car"`.
 * - HEAD answers the same headers with no body. Bodies are streamed from the store, never buffered whole.
 *
 * Errors are thrown as the typed errors of `src/errors.ts` (bad CID → InvalidCIDError 400, not held → NotFoundError
 * 404, …); the gateway's error handler writes the JSON body. Reads never wait on the network (the store's default).
 * HTML is never sniffed: `X-Content-Type-Options: nosniff` is sent and .html paths are served as text/plain, so no
 * stored page runs script on the API's origin.
 */
import { Readable } from 'node:stream'
import { InvalidRequestError, RangeNotSatisfiableError } from '../errors.ts'
import { sendBorrowed } from './borrowed-send.ts'
import { locateContent } from './locate-content.ts'
import type { PeerFetch } from './locate-content.ts'
import type { ContentStat, ContentStore, StoreReadOptions } from '../store/types.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export interface IpfsRoutesOptions {
  store: ContentStore
  /**
   * Fetch content this node does not hold from connected peers (bitswap). Without it, unknown CIDs are a 404 at
   * once. `hasPeers` keeps a lone node answering 404 at once instead of waiting out the timeout.
   */
  network?: PeerFetch
  /**
   * The media type an asset record declares for a content CID, already made safe to serve (src/gateway/media-type.ts);
   * used when the path has no known extension, before sniffing
   */
  mediaTypeOf?: (cid: string) => Promise<string | undefined>
}

/** Content is addressed by hash: it never changes, so caches may keep it for the spec's year (29030400 s) */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=29030400, immutable'
/**
 * Content served under /ipfs is anyone's bytes, on the origin of the node's page (whose session holds the API token):
 * a sandboxed document without scripts or same-origin access can show an image or a video, never read the page's
 * storage or call the API as the user
 */
export const IPFS_CSP = "sandbox; default-src 'none'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'unsafe-inline'; font-src 'self'"

export const RAW_CONTENT_TYPE = 'application/vnd.ipld.raw'
export const CAR_CONTENT_TYPE = 'application/vnd.ipld.car; version=1'
/** Bytes looked at to guess a content type */
const SNIFF_BYTES = 16
/** Stream buffer between the store and the socket, bytes */
const STREAM_HIGH_WATER_MARK = 1024 * 1024

type Format = 'file' | 'raw' | 'car'

interface IpfsParams {
  cid: string
  '*'?: string
}

interface IpfsQuery {
  format?: string
}

export async function ipfsRoutes (app: FastifyInstance, opts: IpfsRoutesOptions): Promise<void> {
  const { store } = opts
  const schema = {
    tags: ['content'],
    summary: 'Content by CID (path gateway + trustless gateway: ?format=raw|car)',
    params: { type: 'object', properties: { cid: { type: 'string' }, '*': { type: 'string' } }, required: ['cid'] },
    querystring: { type: 'object', properties: { format: { type: 'string' } } }
  }
  const handler = async (request: FastifyRequest<{ Params: IpfsParams, Querystring: IpfsQuery }>, reply: FastifyReply): Promise<FastifyReply> => {
    const rest = (request.params['*'] ?? '').replace(/^\/+|\/+$/g, '')
    const cidOrPath = rest === '' ? request.params.cid : `${request.params.cid}/${rest}`
    const format = chooseFormat(request.query.format, request.headers.accept)
    const head = request.method === 'HEAD'
    const { stat, readOptions } = await locateContent(store, cidOrPath, opts.network)

    reply.header('cache-control', IMMUTABLE_CACHE_CONTROL)
    reply.header('x-ipfs-path', `/ipfs/${cidOrPath}`)
    reply.header('x-content-type-options', 'nosniff')
    reply.header('content-security-policy', IPFS_CSP)
    reply.header('vary', 'Accept')

    if (format === 'raw') {
      const etag = `"${stat.cid}.raw"`
      reply.header('etag', etag)
      if (notModified(request, etag)) return await reply.code(304).send()
      const block = await store.getBlock(stat.cid, readOptions)
      reply.header('content-type', RAW_CONTENT_TYPE)
      reply.header('content-disposition', `attachment; filename="${stat.cid}.bin"`)
      reply.header('content-length', block.byteLength)
      return await reply.code(200).send(head ? undefined : Buffer.from(block.buffer, block.byteOffset, block.byteLength))
    }

    if (format === 'car') {
      const etag = `"${stat.cid}.car"`
      reply.header('etag', etag)
      if (notModified(request, etag)) return await reply.code(304).send()
      const body = await primed(store.exportCar(stat.cid, readOptions)) // a missing block under the root fails here, before headers
      reply.header('content-type', CAR_CONTENT_TYPE)
      reply.header('content-disposition', `attachment; filename="${stat.cid}.car"`)
      if (head) {
        await body.return(undefined)
        return await reply.code(200).send()
      }
      return await reply.code(200).send(toReadable(body))
    }

    // file bytes
    if (stat.type === 'directory') {
      throw new InvalidRequestError(`/ipfs/${cidOrPath} is a directory; ask for a file under it, or for ?format=car`)
    }
    if (stat.type === 'other') {
      throw new InvalidRequestError(`/ipfs/${cidOrPath} is not a file; ask for ?format=raw or ?format=car`)
    }
    const etag = `"${stat.cid}"`
    reply.header('etag', etag)
    reply.header('accept-ranges', 'bytes')
    if (notModified(request, etag)) return await reply.code(304).send()

    let range: { start: number, end: number } | undefined
    try {
      range = wantedRange(request, etag, stat.size)
    } catch (err) {
      reply.header('content-range', `bytes */${stat.size}`)
      throw err
    }
    reply.header('content-type', await contentType(store, stat, rest, readOptions, opts.mediaTypeOf))
    let offset = 0
    let length = stat.size
    if (range != null) {
      offset = range.start
      length = range.end - range.start + 1
      reply.code(206)
      reply.header('content-range', `bytes ${range.start}-${range.end}/${stat.size}`)
    } else {
      reply.code(200)
    }
    reply.header('content-length', length)
    if (head || length === 0) return await reply.send()
    if (stat.type === 'file') {
      // leaves read into buffers the store lends and takes back once written: no new buffer per block (buffer-pool.ts)
      const body = await primed(store.read(stat.cid, { ...readOptions, offset, length, borrow: true }))
      await sendBorrowed(reply, body, chunk => { store.giveBack(chunk) })
      return reply
    }
    const body = await primed(readBytes(store, stat, offset, length, readOptions))
    return await reply.send(toReadable(body))
  }

  app.route({ method: ['GET', 'HEAD'], url: '/ipfs/:cid', schema, exposeHeadRoute: false, handler })
  app.route({ method: ['GET', 'HEAD'], url: '/ipfs/:cid/*', schema, exposeHeadRoute: false, handler })
}

/** `?format=` wins over `Accept`; an unknown format is a 400 */
function chooseFormat (format: string | undefined, accept: string | undefined): Format {
  if (format != null && format !== '') {
    if (format === 'raw' || format === 'car') return format
    throw new InvalidRequestError(`format must be raw or car, got "${format.slice(0, 40)}"`)
  }
  if (accept != null) {
    const types = accept.split(',').map(t => t.split(';')[0].trim().toLowerCase())
    for (const t of types) {
      if (t === RAW_CONTENT_TYPE) return 'raw'
      if (t === 'application/vnd.ipld.car') return 'car'
    }
  }
  return 'file'
}

/** True when If-None-Match names our ETag (or is `*`) */
function notModified (request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match']
  if (header == null) return false
  return header.split(',').some(tag => {
    const t = tag.trim()
    return t === '*' || t === etag || t === `W/${etag}`
  })
}

/**
 * The single byte range asked for, inclusive, or undefined for the whole file.
 * Unparseable and multi-range headers are ignored (whole file); a well-formed range past the end is a 416.
 */
export function wantedRange (request: FastifyRequest, etag: string, size: number): { start: number, end: number } | undefined {
  const header = request.headers.range
  if (header == null) return undefined
  const ifRange = request.headers['if-range']
  if (ifRange != null && String(ifRange).trim() !== etag) return undefined
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (m == null || (m[1] === '' && m[2] === '')) return undefined
  const unsatisfiable = (): never => {
    throw new RangeNotSatisfiableError(`range "${header.slice(0, 60)}" is outside the ${size} bytes of the content`, { details: { size } })
  }
  let start: number
  let end: number
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0 || size === 0) unsatisfiable()
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
    if (m[2] !== '' && Number(m[2]) < start) return undefined // invalid: ignore
    if (start >= size) unsatisfiable()
  }
  return { start, end }
}

function readBytes (store: ContentStore, stat: ContentStat, offset: number, length: number, options: StoreReadOptions): AsyncIterable<Uint8Array> {
  if (stat.type === 'json') {
    return (async function * () {
      const block = await store.getBlock(stat.cid, options)
      yield block.subarray(offset, offset + length)
    })()
  }
  return store.read(stat.cid, { ...options, offset, length })
}

/** Pull the first chunk now, so a failure becomes an error response rather than a broken stream */
export async function primed (source: AsyncIterable<Uint8Array>): Promise<AsyncGenerator<Uint8Array>> {
  const it = source[Symbol.asyncIterator]()
  const first = await it.next()
  return (async function * () {
    try {
      if (first.done === true) return
      yield first.value
      while (true) {
        const next = await it.next()
        if (next.done === true) return
        yield next.value
      }
    } finally {
      await it.return?.()
    }
  })()
}

export function toReadable (source: AsyncIterable<Uint8Array>): Readable {
  return Readable.from(source, { objectMode: false, highWaterMark: STREAM_HIGH_WATER_MARK })
}

// ---- content types ----

/** By extension of the last path segment; HTML and scripts are deliberately plain text */
const BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'text/plain; charset=utf-8',
  pdf: 'application/pdf',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
  webm: 'video/webm',
  zip: 'application/zip',
  gz: 'application/gzip',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  md: 'text/plain; charset=utf-8',
  html: 'text/plain; charset=utf-8',
  htm: 'text/plain; charset=utf-8',
  js: 'text/plain; charset=utf-8',
  css: 'text/plain; charset=utf-8',
  glb: 'model/gltf-binary',
  obj: 'text/plain; charset=utf-8'
}

async function contentType (store: ContentStore, stat: ContentStat, path: string, options: StoreReadOptions,
  mediaTypeOf?: (cid: string) => Promise<string | undefined>): Promise<string> {
  if (stat.type === 'json') return 'application/json'
  const name = path.split('/').pop() ?? ''
  const dot = name.lastIndexOf('.')
  if (dot > 0) {
    const byExt = BY_EXTENSION[name.slice(dot + 1).toLowerCase()]
    if (byExt != null) return byExt
  }
  // what the content's asset record declares (a video/mp4 without a known magic number was octet-stream)
  const declared = await mediaTypeOf?.(stat.cid)
  if (declared != null) return declared
  if (stat.size === 0) return 'application/octet-stream'
  let head: Uint8Array = new Uint8Array(0)
  for await (const chunk of store.read(stat.cid, { ...options, offset: 0, length: SNIFF_BYTES })) {
    head = chunk
    break
  }
  return sniff(head)
}

/** A few magic numbers; anything else is application/octet-stream */
export function sniff (b: Uint8Array): string {
  const starts = (sig: number[], at = 0): boolean => sig.every((v, i) => b[at + i] === v)
  const ascii = (s: string, at = 0): boolean => starts([...s].map(c => c.charCodeAt(0)), at)
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (ascii('GIF87a') || ascii('GIF89a')) return 'image/gif'
  if (ascii('RIFF') && ascii('WEBP', 8)) return 'image/webp'
  if (ascii('RIFF') && ascii('WAVE', 8)) return 'audio/wav'
  if (ascii('ftypavif', 4)) return 'image/avif'
  if (ascii('ftypqt', 4)) return 'video/quicktime'
  if (ascii('ftypM4A', 4)) return 'audio/mp4'
  if (ascii('ftyp', 4)) return 'video/mp4'
  if (ascii('%PDF-')) return 'application/pdf'
  if (ascii('ID3') || starts([0xff, 0xfb])) return 'audio/mpeg'
  if (ascii('OggS')) return 'audio/ogg'
  if (ascii('fLaC')) return 'audio/flac'
  if (starts([0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm'
  if (starts([0x50, 0x4b, 0x03, 0x04])) return 'application/zip'
  if (starts([0x1f, 0x8b])) return 'application/gzip'
  if (ascii('glTF')) return 'model/gltf-binary'
  return 'application/octet-stream'
}
