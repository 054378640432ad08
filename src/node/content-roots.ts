/**
 * The content the node's records need: what gc keeps beside the pins (`atelier gc`, POST /v1/gc). Every asset
 * record the node holds names its content (`credentialSubject.id`, `ipfs://<cid>`), whether the index counts it or
 * the parking lot holds it (waiting for a dependency, or retired outside the collective view): a held record may
 * count tomorrow, and its content must still be there then. The exception: the works of a `{ copies: k }` collective
 * that this node is not one of the k holders of (src/replication): their holders keep them, and the point of k copies
 * is that a member's disk need not hold the whole archive (protocols/collectives.md §8).
 */
import { contentOf } from '../index/entries.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { ParkingLot } from './parking.ts'

/** Page size of the index walk */
const PAGE = 1000

export interface ContentRootSources {
  index: Pick<RecordIndexApi, 'query' | 'stored'>
  parking?: Pick<ParkingLot, 'all'>
  /** content this node leaves to a `{ copies: k }` collective's holders (Replicator.releasable) */
  leftToHolders?: (content: string) => boolean
}

/** Each content CID named by an asset record held here (a CID may come more than once) */
export async function * recordContentRoots (sources: ContentRootSources): AsyncGenerator<string> {
  let cursor: string | undefined
  do {
    const page = await sources.index.query({ kind: 'asset', limit: PAGE, ...(cursor != null ? { cursor } : {}) })
    for (const s of page.items) if (s.content != null && sources.leftToHolders?.(s.content) !== true) yield s.content
    cursor = page.cursor ?? undefined
  } while (cursor != null)
  if (sources.parking == null) return
  for await (const held of sources.parking.all()) {
    if (held.kind !== 'asset') continue
    const bytes = held.bytes != null ? Buffer.from(held.bytes, 'base64') : await sources.index.stored(held.cid)
    const content = bytes != null ? assetContent(bytes) : undefined
    if (content != null) yield content
  }
}

/** The content CID of an asset record's bytes; undefined when they do not say (the record was validated on entry) */
export function assetContent (bytes: Uint8Array): string | undefined {
  try {
    const id = JSON.parse(Buffer.from(bytes).toString('utf8'))?.credentialSubject?.id
    return typeof id === 'string' ? contentOf(id) : undefined
  } catch {
    return undefined
  }
}
