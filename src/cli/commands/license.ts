/** `atelier license <asset-record>`: offer license terms for an asset (POST /v1/licenses) */
import { InvalidArgumentError, Option } from 'commander'
import { LICENSE_PRESETS } from '../../records/license-presets.ts'
import { checkSpdxExpression, SpdxProblem } from '../../records/spdx.ts'
import type { LicenseTerms, TrainingMiningUse } from '../../records/types.ts'
import type { CliCommand } from '../command.ts'
import { UsageError } from '../errors.ts'
import { single } from '../output.ts'
import * as parse from '../parse.ts'
import { createdDetail } from '../render.ts'
import type { Created } from '../render.ts'

export interface LicenseOptions {
  preset?: string
  spdx?: string
  commercial?: boolean
  attribution?: boolean
  derivatives?: boolean
  derivativesAttribution?: boolean
  derivativesApproval?: boolean
  derivativesReciprocal?: boolean
  revShare?: number
  aiTraining?: TrainingMiningUse
  territory?: string[]
  expires?: string
  customTerms?: string
  royaltyPolicy?: 'LAP' | 'LRP'
  split?: Array<{ id: string, share: number }>
  collective?: string
}

/** The POST /v1/licenses body for the flags; terms flags override the preset's values */
export function licenseBody (asset: string, opts: LicenseOptions): Record<string, unknown> {
  const terms: Partial<LicenseTerms> = {}
  if (opts.commercial != null) terms.commercialUse = opts.commercial
  if (opts.attribution != null) terms.commercialAttribution = opts.attribution
  if (opts.derivatives != null) terms.derivativesAllowed = opts.derivatives
  if (opts.derivativesAttribution != null) terms.derivativesAttribution = opts.derivativesAttribution
  if (opts.derivativesApproval != null) terms.derivativesApproval = opts.derivativesApproval
  if (opts.derivativesReciprocal != null) terms.derivativesReciprocal = opts.derivativesReciprocal
  if (opts.revShare != null) terms.commercialRevShare = opts.revShare
  if (opts.aiTraining != null) terms.aiTraining = opts.aiTraining
  if (opts.territory != null && opts.territory.length > 0) terms.territories = [...new Set(opts.territory)]
  if (opts.expires != null) terms.expiration = opts.expires
  if (opts.customTerms != null) terms.customTerms = opts.customTerms
  if (opts.preset == null && opts.spdx == null && Object.keys(terms).length === 0) {
    throw new UsageError('say which terms: --preset, --spdx, or terms flags such as --commercial --derivatives')
  }
  if (opts.split != null) {
    const total = opts.split.reduce((sum, s) => sum + s.share, 0)
    if (total !== 10000) throw new UsageError(`the --split shares add up to ${total / 100} %, not 100 %`)
  }
  const body: Record<string, unknown> = { asset }
  if (opts.preset != null) body.preset = opts.preset
  if (opts.spdx != null) body.spdx = opts.spdx
  if (Object.keys(terms).length > 0) body.terms = terms
  if (opts.royaltyPolicy != null) body.royaltyPolicy = opts.royaltyPolicy
  if (opts.split != null) body.splits = opts.split
  if (opts.collective != null) body.collective = opts.collective
  return body
}

function territory (value: string): string {
  const v = value.trim().toUpperCase()
  if (!/^[A-Z]{2}$/.test(v)) throw new InvalidArgumentError(`"${value}" is not an ISO 3166 country code like FR`)
  return v
}

/** An SPDX license expression, checked against the SPDX grammar and list (src/records/spdx.ts), in canonical case */
function spdx (value: string): string {
  const checked = checkSpdxExpression(value.trim())
  if (checked instanceof SpdxProblem) throw new InvalidArgumentError(checked.message)
  return checked
}

export const license: CliCommand<LicenseOptions> = {
  name: 'license',
  summary: 'offer license terms for an asset (preset, SPDX id or custom terms)',
  description: 'Sign a license record offering terms for one of your assets (only its author or one of its creators\n' +
    'may). Start from a preset or an SPDX id and adjust single terms with flags, or give the terms alone. The SPDX\n' +
    'id of a preset takes its terms; any other SPDX license needs its terms as flags. The AI-training term follows\n' +
    'the asset\'s own --ai-training answer when it gave one.',
  examples: [
    'atelier license bagaaiera… --preset cc-by',
    'atelier license bagaaiera… --preset commercial-remix --rev-share 20 --royalty-policy LRP',
    'atelier license bagaaiera… --commercial --no-derivatives --ai-training notAllowed --territory FR --territory BE',
    'atelier license bagaaiera… --spdx MIT --commercial --derivatives --split did:key:z6MkA…=60 --split did:key:z6MkB…=40'
  ],
  setup (cmd) {
    // after the options, unwrapped: commander would fold the table's second column under the first
    cmd.addHelpText('after', '\nPresets:\n' + Object.entries(LICENSE_PRESETS).map(([k, p]) => `  ${k.padEnd(22)}${p.summary}`).join('\n'))
    cmd
      .argument('<asset-record>', 'the asset record CID', parse.cid)
      .addOption(new Option('--preset <name>', 'start from a preset').choices(Object.keys(LICENSE_PRESETS)))
      .addOption(new Option('--spdx <id>', 'SPDX license id, e.g. CC-BY-4.0').argParser(spdx))
      .option('--commercial', 'commercial use allowed')
      .option('--no-commercial', 'no commercial use')
      .option('--attribution', 'commercial use must credit the creators')
      .option('--no-attribution', 'no credit needed for commercial use')
      .option('--derivatives', 'derivative works allowed')
      .option('--no-derivatives', 'no derivative works')
      .option('--derivatives-attribution', 'derivatives must credit the creators')
      .option('--no-derivatives-attribution', 'derivatives need not credit')
      .option('--derivatives-approval', 'derivatives need the licensor\'s approval')
      .option('--no-derivatives-approval', 'derivatives need no approval')
      .option('--derivatives-reciprocal', 'derivatives must use the same terms (share-alike)')
      .option('--no-derivatives-reciprocal', 'derivatives may use other terms')
      .addOption(new Option('--rev-share <percent>', 'revenue share owed by commercial derivatives, percent').argParser(parse.percentToBasisPoints))
      .addOption(new Option('--ai-training <use>', 'may the work train AI models').choices(parse.TRAINING_USES))
      .addOption(new Option('--territory <code>', 'ISO 3166 country where the license applies (repeatable; default worldwide)').argParser(parse.collect(territory)))
      .addOption(new Option('--expires <time>', 'when the license ends: RFC 3339 time or a duration from now (365d)').argParser(parse.time('future')))
      .option('--custom-terms <text>', 'anything the typed terms cannot say')
      .addOption(new Option('--royalty-policy <policy>', 'royalty policy').choices(['LAP', 'LRP']))
      .addOption(new Option('--split <did=percent>', 'who receives the revenue (repeatable; shares add up to 100)').argParser(parse.collect(parse.split)))
      .addOption(new Option('--collective <cid>', 'charter CID of the collective').argParser(parse.cid))
  },
  async run (ctx, [asset], opts) {
    const body = licenseBody(asset, opts)
    const client = await ctx.client()
    const created = await client.postJson<Created>('/v1/licenses', body)
    return single({ cid: created.cid, record: created.record }, createdDetail('license'))
  }
}
