/**
 * Where the bytes of a CID come from, for a route that serves them: this node's blocks, or, when it holds none and
 * peers are connected, the peers — the first block bounded in time (`timeoutMs`), then streamed as they send it.
 * Used by `/ipfs` and by the plaintext route of private works (whose ciphertext any peer may serve: only the key
 * opens it). Content no one sent in time is a 404, like content no one holds, never a 500.
 */
import { NotFoundError, isAtelierError } from '../errors.ts'
import type { ContentStat, ContentStore, StoreReadOptions } from '../store/types.ts'

/** What a route needs to ask the peers */
export interface PeerFetch {
  /** bound on the first block from the peers, ms */
  timeoutMs: number
  /** false: no peer is connected, so asking is pointless */
  hasPeers: () => boolean
}

/** The content's stat and the read options that reach where it was found */
export async function locateContent (store: Pick<ContentStore, 'stat'>, cidOrPath: string, network?: PeerFetch): Promise<{ stat: ContentStat, readOptions: StoreReadOptions }> {
  try {
    return { stat: await store.stat(cidOrPath), readOptions: {} }
  } catch (err: any) {
    if (err.name !== 'NotFoundError' || network == null || !network.hasPeers()) throw err
    try {
      const stat = await store.stat(cidOrPath, { offline: false, signal: AbortSignal.timeout(network.timeoutMs) })
      return { stat, readOptions: { offline: false } }
    } catch (netErr: any) {
      if (isAtelierError(netErr) && netErr.name !== 'NotFoundError') throw netErr
      throw new NotFoundError(`${cidOrPath} is not held here, and no connected peer sent it within ${network.timeoutMs} ms`, { cause: netErr })
    }
  }
}
