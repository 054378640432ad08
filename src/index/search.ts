/**
 * `search()`: text search over asset records (title, tags, description) with the filters of a query.
 *
 * Each indexed word has a time-ordered range in the `tokens` sublevel (`word \0 pos`), so:
 * - **by time** (newest first), the ranges of the query's words are merged newest first, as `query()` merges
 *   indexes; each position comes out once, with the set of query words it holds. Pages resume strictly after the
 *   last position returned (the same cursor as `query()`), so they never repeat or skip a record. A page reads
 *   at most `FILTER_SCAN_BUDGET` candidates: when the filters reject that many, it ends short, with a cursor.
 * - **by relevance** (most matched words first, then newest), the newest `MAX_RELEVANCE_CANDIDATES` entries of each
 *   word are scored and ranked; the cursor holds the last (score, position), and the next page starts strictly
 *   after it in that order.
 * - the last word may match as a prefix: it expands to at most `MAX_PREFIX_EXPANSIONS` indexed words that begin
 *   with it, found by hopping from word to word in the `tokens` keys (one short read per word, never a scan of
 *   the positions). A record holding several expansions still counts that query word once.
 *
 * Without text, a search is a query (`query()`) with the same filters, newest first, reading at most
 * `FILTER_SCAN_BUDGET` candidates a page: a filter with no index of its own (the media type) on a large index may
 * answer a short page with a cursor rather than scan everything at once.
 */
import { InvalidRequestError } from '../errors.ts'
import type { Page, RecordQuery, RecordSummary, SearchHit, SearchQuery, SearchSort } from './types.ts'
import { SEARCH_SORTS } from './types.ts'
import type { Sublevel, Sublevels } from './sublevels.ts'
import {
  FILTER_SCAN_BUDGET, MAX_PREFIX_EXPANSIONS, MAX_QUERY_LIMIT, MAX_RELEVANCE_CANDIDATES, MAX_SEARCH_TEXT, MAX_SEARCH_WORDS
} from './constants.ts'
import { decodeCursor, encodeCursor, isPosition, positionCid, SEP, SEP_END } from './keys.ts'
import { boundsOf, checkQuery, matches, mediaOk, runQuery, SourceReader } from './query.ts'
import { decodeSummary } from './entries.ts'
import { tokenize } from './tokens.ts'

/** The greatest code point: `prefix + TOP` is above every key that starts with `prefix` (in UTF-8 byte order) */
const TOP = '\u{10FFFF}'

/** One token range and the query word it stands for */
interface WordSource {
  token: string
  word: number
}

/** The filters of a search, as a query (the text apart) */
function filtersOf (q: SearchQuery): RecordQuery {
  const f: RecordQuery = {}
  if (q.kind != null) f.kind = q.kind
  if (q.author != null) f.author = q.author
  if (q.mediaType != null) f.mediaType = q.mediaType
  if (q.collective != null) f.collective = q.collective
  if (q.since != null) f.since = q.since
  if (q.until != null) f.until = q.until
  return f
}

function checkSearch (q: SearchQuery): { limit: number, sort: SearchSort | undefined, all: boolean, prefix: boolean } {
  if (q.text != null && (typeof q.text !== 'string' || q.text.length > MAX_SEARCH_TEXT)) {
    throw new InvalidRequestError(`text must be a string of at most ${MAX_SEARCH_TEXT} characters`, { details: { field: 'text' } })
  }
  if (q.sort != null && !SEARCH_SORTS.includes(q.sort)) {
    throw new InvalidRequestError('sort must be one of relevance, newest, oldest', { details: { field: 'sort' } })
  }
  if (q.match != null && q.match !== 'any' && q.match !== 'all') {
    throw new InvalidRequestError('match must be any or all', { details: { field: 'match' } })
  }
  if (q.prefix != null && typeof q.prefix !== 'boolean') {
    throw new InvalidRequestError('prefix must be a boolean', { details: { field: 'prefix' } })
  }
  const limit = checkQuery({ ...filtersOf(q), limit: q.limit })
  return { limit, sort: q.sort, all: q.match === 'all', prefix: q.prefix ?? true }
}

/** Indexed tokens that begin with `word` (the word itself included when indexed), in key order */
export async function expandPrefix (tokens: Sublevel, word: string, max = MAX_PREFIX_EXPANSIONS): Promise<string[]> {
  const out: string[] = []
  const end = word + TOP
  let from = word
  while (out.length < max) {
    const [key] = await tokens.keys({ gte: from, lt: end, limit: 1 }).all()
    if (key == null) break
    const token = key.slice(0, key.indexOf(SEP))
    out.push(token)
    // every key of `token` is `token \0 …`, below `token \1`, and no token holds \0 or \1: the next token is next
    from = token + SEP_END
  }
  return out
}

/** The token ranges to read: each word itself, the last one expanded when `prefix` */
async function sourcesOf (subs: Sublevels, words: string[], prefix: boolean): Promise<WordSource[]> {
  const out: WordSource[] = []
  for (let i = 0; i < words.length; i++) {
    if (prefix && i === words.length - 1) {
      for (const token of await expandPrefix(subs.tokens, words[i])) out.push({ token, word: i })
    } else {
      out.push({ token: words[i], word: i })
    }
  }
  return out
}

function bitCount (mask: number): number {
  let n = 0
  for (let m = mask; m !== 0; m &= m - 1) n++
  return n
}

/** Summaries of `cids`, in order (undefined where a summary is missing) */
async function summariesOf (subs: Sublevels, cids: string[]): Promise<Array<RecordSummary | undefined>> {
  const values = await subs.summary.getMany(cids)
  return values.map((text, i) => text == null ? undefined : decodeSummary(cids[i], text))
}

/** Newest first: merge the word ranges, one position at a time with the words it holds */
async function searchByTime (subs: Sublevels, sources: WordSource[], q: SearchQuery, filters: RecordQuery,
  limit: number, wordCount: number, all: boolean, scanBudget: number, newestFirst: boolean): Promise<Page<SearchHit>> {
  const after = q.cursor != null ? decodeCursor(q.cursor) : undefined
  const readers = sources.map(s => {
    const prefix = s.token + SEP
    return new SourceReader(subs.tokens, { sublevel: 'tokens', prefix }, boundsOf(prefix, filters, after, newestFirst), newestFirst)
  })
  const items: SearchHit[] = []
  const positions: string[] = []
  const chunk = Math.min(Math.max(limit + 1, 16), 1000)
  let exhausted = false
  let read = 0
  let lastRead: string | undefined
  try {
    while (items.length <= limit && !exhausted) {
      if (read >= scanBudget) break
      // the next `chunk` candidates in time order, each with the mask of query words it holds
      const batch: Array<{ pos: string, mask: number }> = []
      while (batch.length < chunk && read < scanBudget) {
        await Promise.all(readers.map(r => r.fill(chunk)))
        let best: string | undefined
        for (const r of readers) if (r.ready && (best == null || (newestFirst ? r.peek() > best : r.peek() < best))) best = r.peek()
        if (best == null) { exhausted = true; break }
        let mask = 0
        readers.forEach((r, i) => {
          if (r.ready && r.peek() === best) { r.take(); mask |= 1 << sources[i].word }
        })
        read++
        lastRead = best
        if (all && bitCount(mask) !== wordCount) continue
        batch.push({ pos: best, mask })
      }
      if (batch.length === 0) break
      const batchPositions = batch.map(b => b.pos)
      const summaries = await summariesOf(subs, batchPositions.map(positionCid))
      const media = await mediaOk(subs, filters.mediaType, summaries, batchPositions)
      for (let i = 0; i < batch.length && items.length <= limit; i++) {
        const s = summaries[i]
        if (s == null || !media[i] || !matches(s, filters)) continue
        items.push({ ...s, score: bitCount(batch[i].mask) })
        positions.push(batch[i].pos)
      }
    }
  } finally {
    await Promise.all(readers.map(r => r.close()))
  }
  if (items.length > limit) {
    items.length = limit
    return { items, cursor: encodeCursor(positions[limit - 1]) }
  }
  // out of budget before the page filled: resume after the last candidate read
  if (!exhausted && lastRead != null) return { items, cursor: encodeCursor(lastRead) }
  return { items, cursor: null }
}

function encodeRankCursor (score: number, pos: string): string {
  return Buffer.from(JSON.stringify(['rank', score, pos]), 'utf8').toString('base64url')
}

function decodeRankCursor (cursor: string): { score: number, pos: string } {
  let parsed: unknown
  try {
    parsed = /^[A-Za-z0-9_-]{1,2048}$/.test(cursor) ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined
  } catch {}
  if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== 'rank' || !Number.isSafeInteger(parsed[1]) ||
    parsed[1] < 1 || parsed[1] > MAX_SEARCH_WORDS || typeof parsed[2] !== 'string' || !isPosition(parsed[2])) {
    throw new InvalidRequestError('cursor is not valid: pass back the cursor of the previous page of the same search unchanged', { details: { field: 'cursor' } })
  }
  return { score: parsed[1], pos: parsed[2] }
}

/** Most matched words first, then newest: score the newest candidates of every word range, rank, then page */
async function searchByRelevance (subs: Sublevels, sources: WordSource[], q: SearchQuery, filters: RecordQuery,
  limit: number, wordCount: number, all: boolean): Promise<Page<SearchHit>> {
  const after = q.cursor != null ? decodeRankCursor(q.cursor) : undefined
  const masks = new Map<string, number>()
  const ranges = await Promise.all(sources.map(async s => {
    const prefix = s.token + SEP
    const keys = await subs.tokens.keys({ ...boundsOf(prefix, filters, undefined, true), reverse: true, limit: MAX_RELEVANCE_CANDIDATES }).all()
    return keys.map(k => k.slice(prefix.length))
  }))
  ranges.forEach((positions, i) => {
    const bit = 1 << sources[i].word
    for (const pos of positions) masks.set(pos, (masks.get(pos) ?? 0) | bit)
  })
  let ranked: Array<{ pos: string, score: number }> = []
  for (const [pos, mask] of masks) {
    const score = bitCount(mask)
    if (all && score !== wordCount) continue
    ranked.push({ pos, score })
  }
  ranked.sort((a, b) => b.score - a.score || (a.pos < b.pos ? 1 : a.pos > b.pos ? -1 : 0))
  if (after != null) {
    const start = ranked.findIndex(r => r.score < after.score || (r.score === after.score && r.pos < after.pos))
    ranked = start === -1 ? [] : ranked.slice(start)
  }
  const items: SearchHit[] = []
  const returned: Array<{ pos: string, score: number }> = []
  const chunk = Math.min(Math.max(limit + 1, 16), MAX_QUERY_LIMIT)
  for (let at = 0; at < ranked.length && items.length <= limit; at += chunk) {
    const slice = ranked.slice(at, at + chunk)
    const slicePositions = slice.map(r => r.pos)
    const summaries = await summariesOf(subs, slicePositions.map(positionCid))
    const media = await mediaOk(subs, filters.mediaType, summaries, slicePositions)
    for (let i = 0; i < slice.length && items.length <= limit; i++) {
      const s = summaries[i]
      if (s == null || !media[i] || !matches(s, filters)) continue
      items.push({ ...s, score: slice[i].score })
      returned.push(slice[i])
    }
  }
  if (items.length <= limit) return { items, cursor: null }
  items.length = limit
  const last = returned[limit - 1]
  return { items, cursor: encodeRankCursor(last.score, last.pos) }
}

/**
 * Run a search. `scanBudget` bounds the candidates one page reads when filtering by time (see runQuery); a page
 * may then be short, with a cursor to continue.
 */
export async function runSearch (subs: Sublevels, q: SearchQuery, scanBudget = FILTER_SCAN_BUDGET): Promise<Page<SearchHit>> {
  const { limit, sort, all, prefix } = checkSearch(q)
  const filters = filtersOf(q)
  const text = q.text?.trim() ?? ''
  const oldest = sort === 'oldest'
  if (text === '') return runQuery(subs, { ...filters, limit, cursor: q.cursor, ...(oldest ? { order: 'asc' as const } : {}) }, scanBudget)
  const words = tokenize(text)
  if (words.length > MAX_SEARCH_WORDS) {
    throw new InvalidRequestError(`text holds ${words.length} words, more than ${MAX_SEARCH_WORDS}`, { details: { field: 'text' } })
  }
  // only asset records carry words
  if (words.length === 0 || (filters.kind != null && filters.kind !== 'asset')) return { items: [], cursor: null }
  const sources = await sourcesOf(subs, words, prefix)
  if (sources.length === 0) return { items: [], cursor: null }
  return (sort ?? 'relevance') === 'relevance'
    ? searchByRelevance(subs, sources, q, filters, limit, words.length, all)
    : searchByTime(subs, sources, q, filters, limit, words.length, all, scanBudget, !oldest)
}
