/**
 * Pins, garbage collection and directories: GET/POST /v1/pins, DELETE /v1/pins/<cid>, POST /v1/gc,
 * POST /v1/content/directory. The CAR import and file uploads are in content.ts (raw bodies).
 */
import type { FastifyInstance } from 'fastify'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { NotFoundError } from '../../errors.ts'
import { recordContentRoots } from '../../node/content-roots.ts'
import { PIN_SOURCES } from '../../store/types.ts'
import type { PinSource } from '../../store/types.ts'
import { MAX_DIRECTORY_ENTRIES } from '../../store/directory.ts'
import type { GatewayComponents } from '../types.ts'
import { parseCid, parseIntParam } from '../params.ts'

const security = [{ bearer: [] }]
/** Asset records named per pin in a listing (`records`), enough to say what it is for */
const RECORDS_PER_PIN = 5
const DEFAULT_PAGE = 1000
const MAX_PAGE = 10_000
const DIRECTORY_BODY_LIMIT = 32 * 1024 * 1024

const pinItem = {
  type: 'object',
  properties: {
    cid: { type: 'string' },
    source: { type: 'string', enum: PIN_SOURCES as unknown as string[] },
    at: { type: 'string' },
    records: { type: 'array', items: { type: 'string' } }
  }
} as const

/** A pin's datastore key order (Helia keys pins by the base36 CID) */
function pinKey (cid: string): string {
  return CID.parse(cid).toString(base36)
}

/** The asset records this node counts that name `cid` as their content */
async function recordsNaming (components: GatewayComponents, cid: string, limit = RECORDS_PER_PIN): Promise<string[]> {
  const page = await components.index.query({ kind: 'asset', content: cid, limit })
  return page.items.map(s => s.cid)
}

export async function pinRoutes (app: FastifyInstance, components: GatewayComponents): Promise<void> {
  const { store } = components

  app.get<{ Querystring: { limit?: string, cursor?: string } }>('/v1/pins', {
    schema: {
      tags: ['content'],
      summary: 'Pins (recursive, by root): why each was made, and the asset records naming it',
      querystring: { type: 'object', properties: { limit: { type: 'string' }, cursor: { type: 'string' } } },
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: pinItem }, cursor: { type: ['string', 'null'] } } } }
    }
  }, async (request) => {
    const limit = parseIntParam(request.query.limit, 'limit', 1, MAX_PAGE) ?? DEFAULT_PAGE
    const after = request.query.cursor != null && request.query.cursor !== '' ? pinKey(parseCid(request.query.cursor, 'cursor')) : undefined
    const items: Array<Record<string, unknown>> = []
    let more = false
    // pins come in the datastore's key order (`/pin/<base36 CID>`), the same on every call: the cursor is the last
    // CID of a page, and a page starts after it even when that pin has been removed since
    for await (const pin of store.pins()) {
      if (after != null && pinKey(pin.cid) <= after) continue
      if (items.length === limit) {
        more = true
        break
      }
      items.push({ ...pin, records: await recordsNaming(components, pin.cid) })
    }
    return { items, cursor: more ? items[items.length - 1].cid as string : null }
  })

  app.post<{ Body: { cid: string } }>('/v1/pins', {
    schema: {
      tags: ['content'],
      summary: 'Pin a DAG held here (recursive); 201 when pinned now, 200 when it was pinned already',
      security,
      body: { type: 'object', additionalProperties: false, required: ['cid'], properties: { cid: { type: 'string', maxLength: 1000 } } }
    }
  }, async (request, res) => {
    const path = request.body.cid.replace(/^\/?ipfs\//, '')
    parseCid(path.split('/')[0])
    let pinned: { cid: string, added: boolean }
    try {
      pinned = await store.pin(path, { source: 'user' })
    } catch (err: any) {
      if (err.name !== 'NotFoundError') throw err
      throw new NotFoundError(`cannot pin ${path}: ${err.message} (pins are of content held here: fetch it first, e.g. atelier get)`, { cause: err })
    }
    return await res.code(pinned.added ? 201 : 200).send({ cid: pinned.cid, added: pinned.added, source: 'user' as PinSource })
  })

  app.delete<{ Params: { cid: string } }>('/v1/pins/:cid', {
    schema: { tags: ['content'], summary: 'Remove a pin; the answer names the records that still keep its content from gc', security }
  }, async (request) => {
    const cid = parseCid(request.params.cid)
    if (!(await store.unpin(cid))) throw new NotFoundError(`${cid} is not a pinned root here (atelier pin ls lists them)`)
    // a work a k-copy collective leaves to other holders is kept by no record here (content-roots.ts)
    const leftToHolders = components.replication?.releasable(cid) === true
    return { cid, removed: true, keptBy: leftToHolders ? [] : await recordsNaming(components, cid) }
  })

  app.post<{ Body: { dryRun?: boolean } | undefined }>('/v1/gc', {
    schema: {
      tags: ['content'],
      summary: 'Delete the blocks no pin and no record held here needs; dryRun only counts them',
      security,
      body: { type: ['object', 'null'], additionalProperties: false, properties: { dryRun: { type: 'boolean' } } }
    }
  }, async (request) => {
    const dryRun = request.body?.dryRun === true
    const result = await store.gc({
      dryRun,
      roots: () => recordContentRoots({
        index: components.index,
        ...(components.parking != null ? { parking: components.parking } : {}),
        ...(components.replication != null ? { leftToHolders: (c: string) => components.replication?.releasable(c) === true } : {})
      })
    })
    if (!dryRun) {
      components.metrics.gcFreedBlocks.inc(result.blocks)
      components.metrics.gcFreedBytes.inc(result.bytes)
    }
    request.log.info(result, dryRun ? 'gc dry run' : 'gc')
    return result
  })

  app.post<{ Body: { entries: Array<{ path: string, cid?: string }> } }>('/v1/content/directory', {
    schema: {
      tags: ['content'],
      summary: 'Make a UnixFS directory of files already added (each entry a path and a CID; no CID: an empty directory); answers its CID',
      security,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['entries'],
        properties: {
          entries: {
            type: 'array',
            minItems: 1,
            maxItems: MAX_DIRECTORY_ENTRIES,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['path'],
              properties: { path: { type: 'string', minLength: 1, maxLength: 4096 }, cid: { type: 'string', maxLength: 200 } }
            }
          }
        }
      }
    },
    // a path and a CID per file: 100,000 entries of long paths do not fit the 1 MiB of other JSON bodies
    bodyLimit: DIRECTORY_BODY_LIMIT
  }, async (request, res) => {
    const added = await store.addDirectory(request.body.entries)
    request.log.info(added, 'directory added')
    return await res.code(201).send(added)
  })
}
