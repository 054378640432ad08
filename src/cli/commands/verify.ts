/**
 * `atelier verify <asset-record>`: the provenance verification report of an asset and its ancestors
 * (GET /v1/assets/<cid>/provenance; codes and rules in protocols/verification.md).
 *
 * Exit status: 0 when the verdict is `verified` or `warnings`, 1 when it is `failed` (after the report is printed,
 * with one line on stderr), so a script can gate on it as on `gpg --verify`; other failures exit 1 as usual.
 */
import { Option } from 'commander'
import type { CliCommand } from '../command.ts'
import { CliError } from '../errors.ts'
import { single } from '../output.ts'
import type { Lines } from '../output.ts'
import * as parse from '../parse.ts'
import { authorNames, namer } from '../names.ts'
import type { Who } from '../names.ts'
import type { Finding as ReportFinding } from '../../lineage/verify-codes.ts'
import type { ProvenanceReport } from '../../lineage/verify.ts'

// the report's shape is the daemon's own (JSON over HTTP); a type-only import keeps the two from drifting
export type { Finding as ReportFinding } from '../../lineage/verify-codes.ts'
export type { ProvenanceReport, ReportRecord } from '../../lineage/verify.ts'

interface VerifyOptions {
  depth?: number
  at?: string
  maxRecords?: number
}

/** The verdict was `failed`: exit 1 once the report is out */
export class VerificationFailedError extends CliError {
  readonly code = 'ERR_VERIFICATION_FAILED'
}

/** Info codes that state a check passed, shown as `ok` rather than as a plain note */
const PASSED = /\.(valid|permitted|allowed|ownWork)$/

/** The badge before each finding: fixed width, plain ASCII, readable without colour */
export function badge (f: Pick<ReportFinding, 'code' | 'severity'>): string {
  if (f.severity === 'error') return '[FAIL]'
  if (f.severity === 'warning') return '[warn]'
  return PASSED.test(f.code) ? '[ ok ]' : '[info]'
}

const VERDICT_TEXT = { verified: 'VERIFIED', warnings: 'VERIFIED WITH WARNINGS', failed: 'FAILED' } as const

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** The report for people: the verdict, then each record (asset first) with a badge per finding */
/** the report's records carry `authorName` beside `author` over HTTP (gateway/names.ts) */
type NamedRecord = ProvenanceReport['records'][number] & { authorName?: string }

export function renderReport (r: ProvenanceReport, who: Who = namer(authorNames(r.records as NamedRecord[]))): Lines {
  const root = r.records.find(x => x.cid === r.asset)
  const title = root?.title != null ? `"${root.title}" ` : ''
  const lines = [
    `${VERDICT_TEXT[r.verdict] ?? String(r.verdict).toUpperCase()}: provenance of ${title}${r.asset}`,
    `${plural(r.counts.errors, 'error')}, ${plural(r.counts.warnings, 'warning')}, ${plural(r.counts.infos, 'note')}; ` +
      `${plural(r.records.length, 'record')} checked to depth ${r.depth} at ${r.checkedAt}`
  ]
  const byRecord = new Map<string, ReportFinding[]>()
  for (const f of r.findings) {
    let list = byRecord.get(f.record)
    if (list == null) byRecord.set(f.record, (list = []))
    list.push(f)
  }
  const width = Math.max(0, ...r.findings.map(f => f.code.length))
  const shown = new Set<string>()
  const section = (cid: string, head: string): void => {
    shown.add(cid)
    lines.push('', head)
    const list = byRecord.get(cid) ?? []
    if (list.length === 0) lines.push('  (nothing to report)')
    for (const f of list) lines.push(`  ${badge(f)} ${f.code.padEnd(width)}  ${f.message}`)
  }
  for (const rec of r.records) {
    const name = rec.title != null ? `"${rec.title}" ` : rec.present ? '' : '(not held here) '
    const by = rec.author != null ? ` by ${who(rec.author)}` : ''
    section(rec.cid, `${rec.depth === 0 ? 'asset' : `ancestor, depth ${rec.depth}`}: ${name}${rec.cid}${by}`)
  }
  // findings about records outside the walk (a broken license, grant or revocation)
  for (const cid of byRecord.keys()) if (!shown.has(cid)) section(cid, `record ${cid}`)
  return lines
}

export const verify: CliCommand<VerifyOptions> = {
  name: 'verify',
  summary: 'verify an asset\'s provenance: signatures, content, licenses, AI consent, conflicting claims',
  description: 'Check an asset record and its ancestors as any third party could: each signature, collective\n' +
    'membership, the content bytes held here against their CID, missing parents, whether each derivation is\n' +
    'permitted by the parent\'s license, AI-training consent of each inputTo ingredient, revocations and earlier\n' +
    'claims on the same content. Each finding has a stable code (protocols/verification.md).\n' +
    'Exit status: 0 when verified (with or without warnings), 1 when the verdict is failed.\n' +
    '--json prints the report: { asset, verdict, checkedAt, depth, records, findings: [{ code, severity, record, message }], counts }.',
  examples: [
    'atelier verify bagaaiera…',
    'atelier verify bagaaiera… --depth 5',
    'atelier verify bagaaiera… --json | jq -r \'.findings[] | select(.severity != "info") | .code\''
  ],
  setup (cmd) {
    cmd
      .argument('<asset-record>', 'the asset record CID', parse.cid)
      .addOption(new Option('--depth <n>', 'hops of ancestors to check (default 20)').argParser(parse.integer(0, 100)))
      .addOption(new Option('--at <time>', 'judge revocations as of this time (default now)').argParser(parse.time('past')))
      .addOption(new Option('--max-records <n>', 'most records to check (default 1000)').argParser(parse.integer(1, 10_000)))
  },
  async run (ctx, [asset], opts) {
    const client = await ctx.client()
    const report = await client.getJson<ProvenanceReport>(`/v1/assets/${encodeURIComponent(asset)}/provenance`, {
      depth: opts.depth, at: opts.at, maxRecords: opts.maxRecords
    })
    const result = single(report, r => renderReport(r, namer(authorNames(r.records as NamedRecord[]), ctx.dids)))
    if (report.verdict !== 'failed') return result
    await ctx.printer.print(result)
    throw new VerificationFailedError(`provenance verification failed: ${plural(report.counts?.errors ?? 0, 'error')}`)
  }
}
