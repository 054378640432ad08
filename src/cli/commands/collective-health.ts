/**
 * `atelier collective health <id>`: the works of a `--replication <k>` collective with fewer than k live holders
 * in this node's view, each with its holders (GET /v1/collectives/:id/health).
 */
import type { CliCommand } from '../command.ts'
import { single } from '../output.ts'
import * as parse from '../parse.ts'
import { namer } from '../names.ts'
import type { CollectiveHealth } from '../../replication/replicator.ts'

type Health = CollectiveHealth & { healthy: boolean, names?: Record<string, string> }

export const collectiveHealth: CliCommand = {
  name: 'collective health',
  summary: 'works of a k-copy collective with fewer than k live holders, each with its holders',
  description: 'For a collective founded with --replication <k>: how many members are live in this node\'s view (seen within\n' +
    'replication.offlineMs), and each work that has fewer than k live holders or whose copy on this node is still missing,\n' +
    'with its holders (rendezvous order) and the offline members ranked above them. Exit status 0 either way.',
  examples: ['atelier collective health bagaaiera…', 'atelier collective health bagaaiera… --json'],
  setup (cmd) { cmd.argument('<collective>', 'charter CID', parse.cid) },
  async run (ctx, [id]) {
    const client = await ctx.client()
    const h = await client.getJson<Health>(`/v1/collectives/${id}/health`)
    return single(h, v => {
      const who = namer(v.names, ctx.dids)
      const head = `${v.works} works, ${v.copies} copies each; ${v.live} of ${v.members} members live; ` +
        (v.healthy ? 'every work has its k live holders' : `${v.below.length} below ${v.copies}`)
      const partial = v.partialView != null
        ? [`warning: ${v.partialView.members} members, more than the ${v.partialView.maxMemberCards} member cards this node keeps (p2p.maxMemberCards): holders are computed over a partial view`]
        : []
      return [head, ...partial, ...v.below.map(w => `${w.work}  holders: ${w.holders.length === 0 ? '(none live)' : w.holders.map(d => who(d)).join(', ')}` +
        (w.offline.length > 0 ? `  offline: ${w.offline.map(d => who(d)).join(', ')}` : '') + (w.self != null ? `  this node: ${w.self}` : ''))]
    })
  }
}
