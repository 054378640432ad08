/** `atelier search [text]`: find assets by the words of their title, tags and description, with filters (GET /v1/search) */
import { Option } from 'commander'
import type { DaemonClient } from '../client.ts'
import type { CliCommand } from '../command.ts'
import { formatTime, single, stream } from '../output.ts'
import * as parse from '../parse.ts'
import { authorNames, namer } from '../names.ts'
import type { Who } from '../names.ts'
import { authorCell } from './records.ts'

export interface SearchItem {
  cid: string
  kind: string
  author: string
  /** the author's display name, when it has a profile */
  authorName?: string
  time: string | number
  title?: string
  content?: string
  collective?: string
  /** query words the record holds (text searches) */
  score?: number
}

export interface SearchPage {
  items: SearchItem[]
  cursor: string | null
}

export interface SearchOptions {
  author?: string
  mediaType?: string
  kind?: string
  collective?: string
  since?: string
  until?: string
  limit?: number
  cursor?: string
  sort?: 'relevance' | 'newest' | 'oldest' | 'time'
  every?: boolean
  all?: boolean
}

const KINDS = ['asset', 'license', 'grant', 'attestation', 'revocation', 'charter', 'membership', 'proposal', 'vote', 'receipt']

/** The query string for a search (cursor apart) */
export function searchQuery (text: string | undefined, opts: SearchOptions): Record<string, string | number | undefined> {
  return {
    q: text,
    author: opts.author,
    mediaType: opts.mediaType,
    kind: opts.kind,
    collective: opts.collective,
    since: opts.since,
    until: opts.until,
    limit: opts.limit,
    sort: opts.sort,
    match: opts.every === true ? 'all' : undefined
  }
}

function row (r: { time: string, kind: string, cid: string, author: string, score: string, title: string }): string {
  return [r.time.padEnd(20), r.kind.padEnd(11), r.cid.padEnd(61), r.author.padEnd(25), r.score.padStart(5), r.title].join(' ').trimEnd()
}

const HEADER = row({ time: 'TIME', kind: 'KIND', cid: 'CID', author: 'AUTHOR', score: 'WORDS', title: 'TITLE' })

function itemRow (item: SearchItem, who: Who = namer(undefined)): string {
  return row({
    time: formatTime(item.time),
    kind: String(item.kind),
    cid: String(item.cid),
    author: authorCell(item, who),
    score: item.score != null ? String(item.score) : '',
    title: item.title != null ? `"${item.title}"` : ''
  })
}

/** Every hit of every page from `cursor` on, one page at a time */
export async function * allHits (client: DaemonClient, query: Record<string, string | number | undefined>, cursor?: string): AsyncGenerator<SearchItem> {
  let next: string | null | undefined = cursor
  const seen = new Set<string>()
  do {
    const page: SearchPage = await client.getJson<SearchPage>('/v1/search', { ...query, cursor: next ?? undefined })
    yield * page.items
    if (page.cursor != null && seen.has(page.cursor)) break // a daemon handing back the same cursor would loop forever
    if (page.cursor != null) seen.add(page.cursor)
    next = page.cursor
  } while (next != null)
}

export const search: CliCommand<SearchOptions> = {
  name: 'search',
  summary: 'search assets by words in their title, tags and description, with filters',
  description: 'Find asset records by the words of their title, tags and description (case and accents do not\n' +
    'matter; the last word also matches as a prefix, so "blu" finds "blue"). Records holding more of the words\n' +
    'come first, then the newest (--sort newest or oldest: by time alone). Without words, lists records by the\n' +
    'filters alone, newest first (or --sort oldest).\n' +
    'Without --all, prints one page and the --cursor for the next (a page may be short while more follow); with\n' +
    '--all, follows the cursors to the end (--json then prints one hit per line, NDJSON).\n' +
    'Times: RFC 3339 (2025-06-01) or a duration back from now (7d, 12h).',
  examples: [
    'atelier search "harbour dusk"',
    'atelier search blu --media-type image/png --since 30d --sort oldest',
    'atelier search --author did:key:z6Mk… --kind asset --all --json'
  ],
  setup (cmd) {
    cmd
      .argument('[text]', 'words to look for')
      .addOption(new Option('--author <did>', 'records signed by this did').argParser(parse.did))
      .addOption(new Option('--media-type <type>', 'assets of this media type, e.g. image/png'))
      .addOption(new Option('--kind <kind>', 'record kind').choices(KINDS))
      .addOption(new Option('--collective <cid>', 'records of this collective (charter CID)').argParser(parse.cid))
      .addOption(new Option('--since <time>', 'records from this time on').argParser(parse.time('past')))
      .addOption(new Option('--until <time>', 'records before this time').argParser(parse.time('past')))
      .addOption(new Option('--sort <order>', 'relevance (default with words), newest or oldest (time: same as newest)').choices(['relevance', 'newest', 'oldest', 'time']))
      .addOption(new Option('--every', 'only records holding every word'))
      .addOption(new Option('--limit <n>', 'hits per page (1-1000, default 50)').argParser(parse.integer(1, 1000)))
      .addOption(new Option('--cursor <cursor>', 'continue from this cursor (printed after a page)'))
      .addOption(new Option('--all', 'follow the cursors to the last page'))
  },
  async run (ctx, [text], opts) {
    const client = await ctx.client()
    const query = searchQuery(text, opts)
    if (opts.all === true) {
      const who = namer(undefined, ctx.dids)
      return stream(allHits(client, query, opts.cursor), item => itemRow(item, who), {
        header: HEADER,
        footer: n => n === 0 ? ['(nothing found)'] : []
      })
    }
    const page = await client.getJson<SearchPage>('/v1/search', { ...query, cursor: opts.cursor })
    const value: SearchPage = { items: page.items ?? [], cursor: page.cursor ?? null }
    const who = namer(authorNames(value.items), ctx.dids)
    return single(value, v => [
      ...(v.items.length === 0 ? [v.cursor != null ? '(nothing on this page)' : '(nothing found)'] : [HEADER, ...v.items.map(item => itemRow(item, who))]),
      ...(v.cursor != null ? ['', `more: add --cursor ${v.cursor} (or --all)`] : [])
    ])
  }
}
