/** `atelier records`: list and filter records from the index (GET /v1/records), page by page or all */
import { Option } from 'commander'
import type { DaemonClient } from '../client.ts'
import type { CliCommand } from '../command.ts'
import { formatTime, shortId, single, stream } from '../output.ts'
import * as parse from '../parse.ts'
import { recordSummary } from '../render.ts'
import type { RecordItem } from '../render.ts'
import { authorNames, namer } from '../names.ts'
import type { Who } from '../names.ts'

export interface RecordsOptions {
  kind?: string
  author?: string
  collective?: string
  content?: string
  asset?: string
  licensee?: string
  since?: string
  until?: string
  limit?: number
  cursor?: string
  order?: 'asc' | 'desc'
  all?: boolean
}

export interface RecordsPage {
  items: RecordItem[]
  cursor: string | null
}

export const KINDS = ['asset', 'license', 'grant', 'attestation', 'revocation', 'charter', 'membership', 'proposal', 'vote', 'receipt', 'profile', 'follow']

/** The query string for the flags (cursor apart) */
export function recordsQuery (opts: RecordsOptions): Record<string, string | number | undefined> {
  return {
    kind: opts.kind,
    author: opts.author,
    collective: opts.collective,
    content: opts.content,
    asset: opts.asset,
    licensee: opts.licensee,
    since: opts.since,
    until: opts.until,
    limit: opts.limit,
    order: opts.order
  }
}

const HEADER = row({ time: 'TIME', kind: 'KIND', cid: 'CID', author: 'AUTHOR', summary: 'SUMMARY' })

function row (r: { time: string, kind: string, cid: string, author: string, summary: string }): string {
  return [r.time.padEnd(20), r.kind.padEnd(11), r.cid.padEnd(61), r.author.padEnd(25), r.summary].join(' ').trimEnd()
}

/** The author column: 25 wide; a longer name is cut with an ellipsis */
export function authorCell (item: { author: string, authorName?: string }, who: Who): string {
  const w = who(item.author, item.authorName)
  return !w.startsWith('did:') && [...w].length > 25 ? [...w].slice(0, 24).join('') + '…' : w
}

function itemRow (item: RecordItem, who: Who = namer(undefined)): string {
  return row({ time: formatTime(item.time), kind: String(item.kind), cid: String(item.cid), author: authorCell(item, who), summary: recordSummary(item) })
}

/** Every item of every page from `cursor` on, fetched one page at a time */
export async function * allRecords (client: DaemonClient, query: Record<string, string | number | undefined>, cursor?: string): AsyncGenerator<RecordItem> {
  let next: string | null | undefined = cursor
  const seen = new Set<string>()
  do {
    const page: RecordsPage = await client.getJson<RecordsPage>('/v1/records', { ...query, cursor: next ?? undefined })
    yield * page.items
    if (page.cursor != null && seen.has(page.cursor)) break // a daemon handing back the same cursor would loop forever
    if (page.cursor != null) seen.add(page.cursor)
    next = page.cursor
  } while (next != null)
}

export const records: CliCommand<RecordsOptions> = {
  name: 'records',
  summary: 'list records, newest first, filtered by kind, author, collective, asset…',
  description: 'List records from the node\'s index. Without --all, prints one page and the --cursor for the next;\n' +
    'with --all, follows the cursors to the end (--json then prints one record per line, NDJSON).\n' +
    'Times: RFC 3339 (2025-06-01, 2025-06-01T12:00:00Z) or a duration back from now (7d, 12h).',
  examples: [
    'atelier records --kind asset --limit 20',
    'atelier records --author did:key:z6Mk… --since 7d',
    'atelier records --kind grant --licensee did:key:z6Mk… --all --json'
  ],
  setup (cmd) {
    cmd
      .addOption(new Option('--kind <kind>', 'record kind').choices(KINDS))
      .addOption(new Option('--author <did>', 'records signed by this did').argParser(parse.did))
      .addOption(new Option('--collective <cid>', 'records of this collective (charter CID)').argParser(parse.cid))
      .addOption(new Option('--content <cid>', 'asset records of this content CID').argParser(parse.cid))
      .addOption(new Option('--asset <record-cid>', 'licenses and grants of this asset record').argParser(parse.cid))
      .addOption(new Option('--licensee <did>', 'grants to this did').argParser(parse.did))
      .addOption(new Option('--since <time>', 'records from this time on').argParser(parse.time('past')))
      .addOption(new Option('--until <time>', 'records before this time').argParser(parse.time('past')))
      .addOption(new Option('--limit <n>', 'records per page (1-1000, default 50)').argParser(parse.integer(1, 1000)))
      .addOption(new Option('--cursor <cursor>', 'continue from this cursor (printed after a page)'))
      .addOption(new Option('--order <order>', 'by time').choices(['asc', 'desc']))
      .addOption(new Option('--all', 'follow the cursors to the last page'))
  },
  async run (ctx, _args, opts) {
    const client = await ctx.client()
    const query = recordsQuery(opts)
    if (opts.all === true) {
      const who = namer(undefined, ctx.dids)
      return stream(allRecords(client, query, opts.cursor), item => itemRow(item, who), {
        header: HEADER,
        footer: n => n === 0 ? ['(no records)'] : []
      })
    }
    const page = await client.getJson<RecordsPage>('/v1/records', { ...query, cursor: opts.cursor })
    const value: RecordsPage = { items: page.items ?? [], cursor: page.cursor ?? null }
    const who = namer(authorNames(value.items), ctx.dids)
    return single(value, v => [
      ...(v.items.length === 0 ? ['(no records)'] : [HEADER, ...v.items.map(item => itemRow(item, who))]),
      ...(v.cursor != null ? ['', `more: add --cursor ${v.cursor} (or --all)`] : [])
    ])
  }
}
