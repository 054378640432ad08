/**
 * `atelier royalties <asset> --amount 1000 --currency EUR`: split an amount the asset earned among its creators and
 * up its lineage (GET /v1/assets/<cid>/royalties). Amounts are integer minor units (cents for EUR); the payees'
 * amounts add up to the amount exactly. `--json` prints the daemon's report: `payees` (each `did`, integer
 * `amount`, `paths`), `lines`, `assets`, `cycles`, `truncated`.
 */
import { InvalidArgumentError, Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { shortId, single, table } from '../output.ts'
import * as parse from '../parse.ts'
import type { RoyaltyLine, RoyaltyReport } from '../../lineage/royalties.ts'
import { didNames, namer } from '../names.ts'
import type { Who } from '../names.ts'

// the report's shape is the daemon's own (JSON over HTTP); a type-only import keeps the two from drifting
export type { RoyaltyAsset, RoyaltyLine, RoyaltyPayee, RoyaltyReport } from '../../lineage/royalties.ts'

interface RoyaltiesOptions {
  amount: number
  currency: string
  at?: string
}

/** ISO 4217 code or token symbol, as the license records have them; lower case is accepted and raised */
function currency (value: string): string {
  const v = value.trim().toUpperCase()
  if (!/^[A-Z0-9]{2,12}$/.test(v)) throw new InvalidArgumentError(`"${value}" is not a currency code (e.g. EUR, USD, WIP)`)
  return v
}

/**
 * An amount in minor units as people write it: 1000 EUR → "10.00 EUR", 1000 JPY → "1000 JPY", 1000 BHD → "1.000 BHD"
 * (the ISO 4217 minor-unit digits, from Intl). A code Intl does not know as a currency (a token symbol such as WIP)
 * has no known minor unit: "1000 WIP (minor units)".
 */
export function formatMinorUnits (amount: number, code: string): string {
  const digits = Intl.supportedValuesOf('currency').includes(code)
    ? new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2
    : undefined
  if (digits == null) return `${amount} ${code} (minor units)`
  const text = String(Math.abs(amount)).padStart(digits + 1, '0')
  const whole = digits === 0 ? text : text.slice(0, -digits)
  return `${amount < 0 ? '-' : ''}${whole}${digits === 0 ? '' : '.' + text.slice(-digits)} ${code}`
}

/** Basis points as a percentage for people: 1050 → "10.5 %" */
function percent (bp: number): string {
  return `${(bp / 100).toFixed(2).replace(/\.?0+$/, '')} %`
}

/** `Ada  did:key:z6Mk…` in full, or the did alone */
function nameAndDid (p: Named, who: Who): string {
  const w = who(p.did, p.name)
  return w.startsWith('did:') ? w : `${w}  ${p.did}`
}

/** payees and lines carry `name` beside `did` over HTTP (gateway/names.ts) */
type Named = { did: string, name?: string }

function renderReport (r: RoyaltyReport, who: Who = namer(didNames(r.payees as Named[]))): string[] {
  const titles = new Map(r.assets.map(a => [a.cid, a.title ?? shortId(a.cid)]))
  const name = (cid: string): string => titles.get(cid) ?? shortId(cid)
  const money = (amount: number): string => formatMinorUnits(amount, r.currency)
  const out = [`${money(r.amount)} earned by ${name(r.asset)} ${r.asset}`, '']
  if (r.payees.length === 0) {
    out.push('(nothing to split)')
  } else {
    const how = (l: RoyaltyLine): string => l.basis === 'revenue' ? 'own revenue' : `${l.basis} ${percent(l.rate ?? 0)}`
    out.push(...table(['payee', 'amount', 'earned through'], r.lines.map(l => [
      who(l.did, (l as Named).name),
      money(l.amount),
      `${l.path.map(name).join(' → ')} (${how(l)}, ${percent(l.share)} of ${l.shareFrom})`
    ])))
    out.push('', 'totals')
    // totals keep the full did (what a payment goes to), with the name beside it
    out.push(...table(['payee', 'amount'], r.payees.map(p => [nameAndDid(p as Named, who), money(p.amount)])))
  }
  if (r.cycles.length > 0) out.push('', `${r.cycles.length} lineage edge(s) ignored because they close a cycle`)
  if (r.truncated) out.push('', 'the lineage has more ancestors than the daemon walks: those past the cap received nothing')
  return out
}

export const royalties: CliCommand<RoyaltiesOptions> = {
  name: 'royalties',
  summary: 'split an amount an asset earned among its creators and up its lineage',
  description: 'Split an amount (integer minor units: cents for EUR; shown as 10.00 EUR) earned by an asset among its creators and its\n' +
    'ancestors, under the royalty policy of each ancestor\'s license: LAP (an ancestor asking N % gets N % of\n' +
    'every descendant\'s revenue) or LRP (shares multiply hop by hop). The parts add up to the amount exactly\n' +
    '(largest remainder). Rules: protocols/royalties.md. --json prints the report, with `payees` each\n' +
    'carrying `did` and integer `amount`.',
  examples: ['atelier royalties bagaaiera… --amount 1000 --currency EUR', 'atelier royalties bagaaiera… --amount 1000 --currency EUR --json'],
  setup (cmd) {
    cmd
      .argument('<asset>', 'the asset record CID', parse.cid)
      .addOption(new Option('--amount <minor-units>', 'the amount earned, in minor units (1000 = 10.00 EUR)')
        .argParser(parse.integer(0, Number.MAX_SAFE_INTEGER)).makeOptionMandatory())
      .addOption(new Option('--currency <code>', 'ISO 4217 code or token symbol').argParser(currency).makeOptionMandatory())
      .addOption(new Option('--at <time>', 'the time of the revenue: licenses revoked by then do not count (default: now)')
        .argParser(parse.time('past')))
  },
  async run (ctx, [asset], opts) {
    const client = await ctx.client()
    const report = await client.getJson<RoyaltyReport>(`/v1/assets/${encodeURIComponent(asset)}/royalties`, {
      amount: opts.amount,
      currency: opts.currency,
      at: opts.at
    })
    return single(report, r => renderReport(r, namer(didNames(r.payees as Named[]), ctx.dids)))
  }
}
