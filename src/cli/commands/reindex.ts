/** `atelier reindex`: rebuild the index from the stored record blocks (POST /v1/reindex) */
import type { CliCommand } from '../command.ts'
import { single } from '../output.ts'

export interface ReindexResult {
  records: number
  ms: number
}

export const reindex: CliCommand = {
  name: 'reindex',
  summary: 'rebuild the record index from the stored record blocks',
  description: 'Rebuild the node\'s index from the record blocks it stores, e.g. after an upgrade changed the index\n' +
    'layout or if the index is damaged. The daemon keeps running; it may take a while on a large node.',
  examples: ['atelier reindex', 'atelier reindex --json'],
  setup () {},
  async run (ctx) {
    const client = await ctx.client()
    const r = await client.postJson<ReindexResult>('/v1/reindex', {})
    const value: ReindexResult = { records: r.records, ms: r.ms }
    return single(value, v => `reindexed ${v.records} records in ${(v.ms / 1000).toFixed(1)} s`)
  }
}
