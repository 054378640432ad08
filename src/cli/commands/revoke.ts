/** `atelier revoke <record-cid>`: withdraw one of your records from a time on (POST /v1/revocations) */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { single } from '../output.ts'
import * as parse from '../parse.ts'
import { createdDetail, createdValue } from '../render.ts'
import type { Created } from '../render.ts'

export interface RevokeOptions {
  reason?: string
  from?: string
  collective?: string
}

export const revoke: CliCommand<RevokeOptions> = {
  name: 'revoke',
  summary: 'revoke one of your records (a license, a grant, an attestation…)',
  description: 'Sign a revocation: the record no longer holds from --from on (default: now). Records are never\n' +
    'deleted; peers keep both and honour the revocation. Only the record\'s author can revoke it.',
  examples: [
    'atelier revoke bagaaiera… --reason "licensee breached the terms"',
    'atelier revoke bagaaiera… --from 2025-09-01'
  ],
  setup (cmd) {
    cmd
      .argument('<record-cid>', 'the record to revoke', parse.cid)
      .option('--reason <text>', 'why')
      .addOption(new Option('--from <time>', 'from when: RFC 3339 time, or a duration from now (30d)').argParser(parse.time('future')))
      .addOption(new Option('--collective <cid>', 'charter CID of the collective (default: the collective of the record it is about, when you are a member)').argParser(parse.cid))
  },
  async run (ctx, [recordCid], opts) {
    const body: Record<string, unknown> = { record: recordCid }
    if (opts.from != null) body.effectiveFrom = opts.from
    if (opts.reason != null) body.reason = opts.reason
    if (opts.collective != null) body.collective = opts.collective
    const client = await ctx.client()
    const created = await client.postJson<Created>('/v1/revocations', body)
    return single(createdValue(created), createdDetail('revocation'))
  }
}
