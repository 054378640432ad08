/**
 * CID strings and `<cid>[/path]` at the store's boundary: parsing (InvalidCIDError) and resolving a path through
 * UnixFS directories to the CID it names (NotFoundError for a name that is not there).
 */
import { walkPath } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import type { AbortOptions } from '@libp2p/interface'
import { InvalidCIDError, InvalidRequestError, NotFoundError, isAtelierError } from '../errors.ts'
import type { BlockLoader } from './reader.ts'

/** `<cid>[/path…]` (optionally under `/ipfs/`) to the CID it names, reading blocks with `load` */
export async function resolveCidPath (cidOrPath: string, load: BlockLoader, options: AbortOptions): Promise<CID> {
  const { cid, path } = parseCidPath(cidOrPath)
  if (path.length === 0) return cid
  const blockstore = {
    async * get (c: CID, opts?: AbortOptions): AsyncGenerator<Uint8Array> {
      yield await load(c, opts)
    }
  }
  let last: { cid: CID, remainder: string[] } = { cid, remainder: path }
  try {
    for await (const entry of walkPath(`${cid}/${path.map(escapeSegment).join('/')}`, blockstore, { signal: options.signal })) {
      last = entry
    }
  } catch (err: any) {
    if (isAtelierError(err)) throw err
    if (err.name === 'NotFoundError' || err.code === 'ERR_NOT_FOUND') {
      throw new NotFoundError(`${cidOrPath} does not exist: ${err.message}`, { cause: err })
    }
    throw new InvalidRequestError(`cannot resolve ${cidOrPath}: ${err.message}`, { cause: err })
  }
  if (last.remainder.length > 0) throw new NotFoundError(`${cidOrPath} does not exist: nothing under ${last.cid} is named "${last.remainder[0]}"`)
  return last.cid
}

/** Parse a CID string; InvalidCIDError when it is not one */
export function parseCid (value: string): CID {
  try {
    return CID.parse(value.trim())
  } catch (err: any) {
    throw new InvalidCIDError(`"${truncate(value)}" is not a CID: ${err.message}`, { cause: err })
  }
}

/** Split `[/ipfs/]<cid>[/a/b]` into the CID and the path segments (empty segments dropped) */
export function parseCidPath (value: string): { cid: CID, path: string[] } {
  let v = value
  if (v.startsWith('/ipfs/')) v = v.slice(6)
  const [first, ...rest] = v.split('/')
  return { cid: parseCid(first), path: rest.filter(s => s !== '') }
}

function escapeSegment (segment: string): string {
  return segment.replaceAll('/', '\\/')
}

function truncate (s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}
