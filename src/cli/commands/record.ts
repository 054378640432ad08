/** `atelier record <cid>`: show one signed record (GET /v1/records/<cid>) */
import type { CliCommand } from '../command.ts'
import { single } from '../output.ts'
import { cid } from '../parse.ts'
import { recordDetail } from '../render.ts'
import type { RecordItem } from '../render.ts'
import { namer } from '../names.ts'

export const record: CliCommand = {
  name: 'record',
  summary: 'show one record: asset, license, grant, attestation or revocation',
  description: 'Show a record by its CID. --json prints { cid, kind, author, time, record, revoked? }, where record is\n' +
    'the signed credential exactly as stored, and revoked ({ record, effectiveFrom, reason? }) names the author\'s\n' +
    'revocation of it when this node holds one; the text output then has a "revoked" line.',
  examples: ['atelier record bagaaiera…', 'atelier record bagaaiera… --json | jq .record.credentialSubject'],
  setup (cmd) {
    cmd.argument('<cid>', 'record CID', cid)
  },
  async run (ctx, [recordCid]) {
    const client = await ctx.client()
    const item = await client.getJson<RecordItem>(`/v1/records/${encodeURIComponent(recordCid)}`)
    return single(item, v => recordDetail(v, namer(undefined, ctx.dids)))
  }
}
