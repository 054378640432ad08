/** `atelier grant <license-cid> <licensee-did>`: grant a license to someone (POST /v1/grants) */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { single } from '../output.ts'
import * as parse from '../parse.ts'
import { createdDetail, createdValue } from '../render.ts'
import type { Created } from '../render.ts'

export interface GrantOptions {
  expires?: string
  note?: string
  collective?: string
}

export const grant: CliCommand<GrantOptions> = {
  name: 'grant',
  summary: 'grant a license to a licensee (did)',
  description: 'Sign a grant: the licensee may use the asset under the license\'s terms. The asset is taken from the license.',
  examples: [
    'atelier grant bagaaiera… did:key:z6MkhaXg…',
    'atelier grant bagaaiera… did:key:z6MkhaXg… --expires 90d --note "festival poster, 2025 edition"'
  ],
  setup (cmd) {
    cmd
      .argument('<license-cid>', 'the license record CID', parse.cid)
      .argument('<licensee-did>', 'who receives the grant', parse.did)
      .addOption(new Option('--expires <time>', 'when the grant ends: RFC 3339 time or a duration from now (90d)').argParser(parse.time('future')))
      .option('--note <text>', 'a note kept in the grant')
      .addOption(new Option('--collective <cid>', 'charter CID of the collective (default: the collective of the record it is about, when you are a member)').argParser(parse.cid))
  },
  async run (ctx, [licenseCid, licensee], opts) {
    const body: Record<string, unknown> = { license: licenseCid, licensee }
    if (opts.expires != null) body.expiration = opts.expires
    if (opts.note != null) body.note = opts.note
    if (opts.collective != null) body.collective = opts.collective
    const client = await ctx.client()
    const created = await client.postJson<Created>('/v1/grants', body)
    return single(createdValue(created), createdDetail('grant'))
  }
}
