/** `atelier reindex`: rebuild the index from the stored record bodies (POST /v1/reindex) */
import type { CliCommand } from '../command.ts'
import { single } from '../output.ts'

export interface ReindexResult {
  records: number
  ms: number
  /** how long the swap to the new index held writes back (daemons that rebuild beside the live index) */
  swapMs?: number
}

export const reindex: CliCommand = {
  name: 'reindex',
  summary: 'rebuild the record index from the stored record bodies',
  description: 'Rebuild the node\'s index from the record bodies it stores, e.g. after an upgrade changed the index\n' +
    'layout or if the index is damaged. The new index is built beside the live one, which keeps answering and\n' +
    'taking records meanwhile; then the two are swapped in a moment. It may take a while on a large node.',
  examples: ['atelier reindex', 'atelier reindex --json'],
  setup () {},
  async run (ctx) {
    const client = await ctx.client()
    const r = await client.postJson<ReindexResult>('/v1/reindex', {})
    const value: ReindexResult = { records: r.records, ms: r.ms, ...(r.swapMs != null ? { swapMs: r.swapMs } : {}) }
    return single(value, v => `reindexed ${v.records} records in ${(v.ms / 1000).toFixed(1)} s` +
      (v.swapMs != null ? ` (writes waited ${v.swapMs.toFixed(0)} ms for the swap)` : ''))
  }
}
