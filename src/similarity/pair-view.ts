/** The PairView the look-alike rule reads: the lineage view, and grants from an index query */
import type { Page, RecordQuery, RecordSummary } from '../index/types.ts'
import type { LineageView } from '../lineage/view.ts'
import type { PairView } from './unattributed.ts'

/** Most grants of one asset read (a flood of grants stops here; a grant past it is not seen, and the pair stays) */
const GRANTS_CAP = 1000

export function createPairView (lineage: LineageView, query: (q: RecordQuery) => Promise<Page<RecordSummary>>): PairView {
  return {
    summary: async (cid) => await lineage.summary(cid),
    record: async (cid) => await lineage.record(cid),
    licensesOf: async (asset) => await lineage.licensesOf(asset),
    revocationsOf: async (cid) => await lineage.revocationsOf(cid),
    parentsOf: async (cid) => await lineage.parentsOf(cid),
    // the batch forms, when the lineage view has them (a walk asks a level at a time)
    ...(lineage.summaries != null ? { summaries: lineage.summaries.bind(lineage) } : {}),
    ...(lineage.records != null ? { records: lineage.records.bind(lineage) } : {}),
    ...(lineage.parentsOfMany != null ? { parentsOfMany: lineage.parentsOfMany.bind(lineage) } : {}),
    ...(lineage.licensesOfMany != null ? { licensesOfMany: lineage.licensesOfMany.bind(lineage) } : {}),
    ...(lineage.revocationsOfMany != null ? { revocationsOfMany: lineage.revocationsOfMany.bind(lineage) } : {}),
    async grantsOf (asset) {
      const page = await query({ kind: 'grant', asset, limit: GRANTS_CAP })
      return page.items.map(s => ({ cid: s.cid, author: s.author, ...(s.licensee != null ? { licensee: s.licensee } : {}) }))
    }
  }
}
