/** `atelier attest <record-cid> --claim …`: vouch for someone's record (POST /v1/attestations) */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { single } from '../output.ts'
import * as parse from '../parse.ts'
import { createdDetail, createdValue } from '../render.ts'
import type { Created } from '../render.ts'

export const CLAIMS = ['coCreator', 'endorsement', 'splitConfirmed', 'contentMatches', 'other']

export interface AttestOptions {
  claim: string
  comment?: string
  collective?: string
}

export const attest: CliCommand<AttestOptions> = {
  name: 'attest',
  summary: 'attest a record: co-creator, endorsement, split confirmed, content matches',
  description: 'Sign an attestation about a record, e.g. confirm you co-created an asset (coCreator), agree to its\n' +
    'revenue split (splitConfirmed), or checked that its content matches its description (contentMatches).',
  examples: [
    'atelier attest bagaaiera… --claim coCreator',
    'atelier attest bagaaiera… --claim other --comment "performed live at the 2025 fair"'
  ],
  setup (cmd) {
    cmd
      .argument('<record-cid>', 'the record attested', parse.cid)
      .addOption(new Option('--claim <claim>', 'what you attest').choices(CLAIMS).makeOptionMandatory())
      .option('--comment <text>', 'a comment kept in the attestation')
      .addOption(new Option('--collective <cid>', 'charter CID of the collective (default: the collective of the record it is about, when you are a member)').argParser(parse.cid))
  },
  async run (ctx, [recordCid], opts) {
    const body: Record<string, unknown> = { record: recordCid, claim: opts.claim }
    if (opts.comment != null) body.comment = opts.comment
    if (opts.collective != null) body.collective = opts.collective
    const client = await ctx.client()
    const created = await client.postJson<Created>('/v1/attestations', body)
    return single(createdValue(created), createdDetail('attestation'))
  }
}
