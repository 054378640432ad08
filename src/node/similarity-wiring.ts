/** Builds the node's SimilarityService from the index, the node state and the fingerprinter (atelier-node.ts wires it) */
import type { Logger } from 'pino'
import type { RecordIndexApi } from '../index/types.ts'
import type { LineageView } from '../lineage/view.ts'
import { createPairView, nearDupSearch } from '../similarity/index.ts'
import { SimilarityService, turnStore } from './similarity-service.ts'
import type { NodeState } from './state.ts'
import type { WorkFingerprinter } from './work-fingerprints.ts'

/** Page of the index read at a time while listing own works or the works of a content */
const PAGE = 500
/** Most asset records of one content CID the turns are laid on */
const MAX_CLAIMS = 1000

export interface SimilarityWiring {
  index: RecordIndexApi
  lineageView: LineageView
  state: NodeState
  fingerprinter: WorkFingerprinter
  did: string
  /** candidate cap per near-duplicate query (config `fingerprints.maxCandidates`) */
  maxCandidates: number
  logger: Logger
}

export function createSimilarityService (w: SimilarityWiring): SimilarityService {
  const { index } = w
  return new SimilarityService({
    view: createPairView(w.lineageView, async (q) => await index.query(q)),
    search: (bits, radius) => nearDupSearch(bits, radius, w.maxCandidates),
    fingerprints: () => index.iterateFingerprints(),
    assetsOf: async (content) => (await index.query({ kind: 'asset', content, limit: MAX_CLAIMS })).items,
    ownAssets: async function * () {
      let cursor: string | undefined
      do {
        const page = await index.query({ kind: 'asset', author: w.did, limit: PAGE, ...(cursor != null ? { cursor } : {}) })
        for (const s of page.items) yield s.cid
        cursor = page.cursor ?? undefined
      } while (cursor != null)
    },
    turns: turnStore(w.state.turns),
    computeTurns: async (content, byteSize) => await w.fingerprinter.turns(content, byteSize),
    did: w.did,
    logger: w.logger
  })
}
