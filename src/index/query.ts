/**
 * `query()`: pick the most selective index for the filters, walk it in time order between the bounds, check the
 * remaining filters against each summary, stop after `limit` matches. Every index key ends with the record's
 * position, so pages resume strictly after the last position returned and never repeat or skip a record, even when
 * records arrive between pages.
 */
import { InvalidRequestError } from '../errors.ts'
import type { RecordKind } from '../records/types.ts'
import type { Page, RecordQuery, RecordSummary } from './types.ts'
import type { PositionIndexName, Sublevel, Sublevels } from './sublevels.ts'
import { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT } from './constants.ts'
import { decodeSummary } from './entries.ts'
import { decodeCursor, encodeCursor, encodeTime, positionCid, SEP, SEP_END } from './keys.ts'

/** One range of one index: every key under `prefix` (which ends with SEP, or is '' for the time index) */
export interface IndexSource {
  sublevel: PositionIndexName
  prefix: string
}

/** How a query is answered: sources merged in time order; `null` when no record can match */
export type QueryPlan = IndexSource[] | null

/** Kinds a query may name; charter, membership and profile are listed as strings so the index accepts them whether or not
 * the records code of this build declares them */
export const QUERY_KINDS: ReadonlySet<string> = new Set(['asset', 'license', 'grant', 'attestation', 'revocation', 'charter', 'membership', 'proposal', 'vote', 'receipt', 'profile', 'key', 'follow'])

/** Filters, most selective first; each names the index that serves it and the kinds that can carry it */
export function planQuery (q: RecordQuery): QueryPlan {
  const kind = q.kind
  const allows = (...kinds: RecordKind[]): boolean => kind == null || kinds.includes(kind)
  const one = (sublevel: PositionIndexName, value: string): IndexSource[] => [{ sublevel, prefix: value + SEP }]
  if (q.target != null) return allows('attestation', 'revocation', 'follow') ? one('target', q.target) : null
  if (q.content != null) return allows('asset') ? one('content', q.content) : null
  if (q.licensee != null) return allows('grant') ? one('licensee', q.licensee) : null
  if (q.asset != null) {
    if (kind === 'license') return one('licenses', q.asset)
    if (kind === 'grant') return one('grants', q.asset)
    return kind == null ? [...one('licenses', q.asset), ...one('grants', q.asset)] : null
  }
  if (q.author != null) return one('author', q.author)
  if (q.collective != null) return one('collective', q.collective)
  // media types have no index of their own (see mediaOk): list assets and check each
  if (q.mediaType != null) return allows('asset') ? one('kind', 'asset') : null
  if (kind != null) return one('kind', kind)
  return [{ sublevel: 'time', prefix: '' }]
}

/**
 * Whether each candidate is an asset of `mediaType` (all true when none is asked for). The media type is the value
 * of the asset's `content` entry, read with one getMany; summaries do not carry it.
 */
export async function mediaOk (subs: Sublevels, mediaType: string | undefined, summaries: Array<RecordSummary | undefined>,
  positions: string[]): Promise<boolean[]> {
  if (mediaType == null) return positions.map(() => true)
  const keys: string[] = []
  const at: number[] = []
  summaries.forEach((s, i) => {
    if (s?.kind === 'asset' && s.content != null) { keys.push(s.content + SEP + positions[i]); at.push(i) }
  })
  const out = positions.map(() => false)
  if (keys.length === 0) return out
  const values = await subs.content.getMany(keys)
  values.forEach((v, n) => { out[at[n]] = v === mediaType })
  return out
}

/** The full filter, checked on every candidate (cheap, and it keeps the plan free to over-select) */
export function matches (s: RecordSummary, q: RecordQuery): boolean {
  return (q.kind == null || s.kind === q.kind) &&
    (q.author == null || s.author === q.author) &&
    (q.collective == null || s.collective === q.collective) &&
    (q.content == null || (s.kind === 'asset' && s.content === q.content)) &&
    // the media type itself is checked by mediaOk: summaries do not carry it
    (q.mediaType == null || s.kind === 'asset') &&
    (q.asset == null || s.asset === q.asset) &&
    (q.licensee == null || s.licensee === q.licensee) &&
    (q.target == null || s.target === q.target) &&
    (q.since == null || s.time >= q.since) &&
    (q.until == null || s.time < q.until)
}

/** A filter naming a CID or did: a non-empty string without the key separator, or absent */
export function checkString (value: unknown, field: string): void {
  if (value != null && (typeof value !== 'string' || value === '' || value.includes(SEP))) {
    throw new InvalidRequestError(`${field} must be a non-empty string`, { details: { field } })
  }
}

/** A time bound: finite epoch milliseconds, or absent */
export function checkTime (value: unknown, field: string): void {
  if (value != null && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw new InvalidRequestError(`${field} must be epoch milliseconds`, { details: { field } })
  }
}

/** Check a query's fields; returns the effective limit */
export function checkQuery (q: RecordQuery): number {
  if (q.kind != null && !QUERY_KINDS.has(q.kind)) {
    throw new InvalidRequestError(`kind must be one of ${[...QUERY_KINDS].join(', ')}`, { details: { field: 'kind' } })
  }
  for (const field of ['author', 'collective', 'content', 'mediaType', 'asset', 'licensee', 'target'] as const) checkString(q[field], field)
  checkTime(q.since, 'since')
  checkTime(q.until, 'until')
  if (q.order != null && q.order !== 'asc' && q.order !== 'desc') {
    throw new InvalidRequestError('order must be asc or desc', { details: { field: 'order' } })
  }
  const limit = q.limit ?? DEFAULT_QUERY_LIMIT
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InvalidRequestError('limit must be a positive integer', { details: { field: 'limit' } })
  }
  return Math.min(limit, MAX_QUERY_LIMIT)
}

export interface Bounds {
  gt?: string
  gte?: string
  lt: string
}

/** Key range of one source for the query's since/until and the cursor */
export function boundsOf (prefix: string, q: Pick<RecordQuery, 'since' | 'until'>, after: string | undefined, reverse: boolean): Bounds {
  let low = prefix + (q.since != null ? encodeTime(q.since) : '')
  let lowExclusive = false
  let high = q.until != null ? prefix + encodeTime(q.until) : prefix === '' ? '\uffff' : prefix.slice(0, -1) + SEP_END
  if (after != null) {
    const at = prefix + after
    if (reverse) {
      if (at < high) high = at
    } else if (at >= low) {
      low = at
      lowExclusive = true
    }
  }
  return lowExclusive ? { gt: low, lt: high } : { gte: low, lt: high }
}

/** Reads one source's keys in chunks and hands out positions (the key without its prefix) */
export class SourceReader {
  private readonly iterator: { nextv(size: number): Promise<string[]>, close(): Promise<void> }
  private readonly skip: number
  private buffer: string[] = []
  private at = 0
  done = false

  constructor (sub: Sublevel, source: IndexSource, bounds: Bounds, reverse: boolean) {
    this.iterator = sub.keys({ ...bounds, reverse })
    this.skip = source.prefix.length
  }

  /** true when a position is ready without reading */
  get ready (): boolean {
    return this.at < this.buffer.length
  }

  peek (): string {
    return this.buffer[this.at]
  }

  take (): string {
    return this.buffer[this.at++]
  }

  async fill (size: number): Promise<void> {
    if (this.ready || this.done) return
    const keys = await this.iterator.nextv(size)
    this.at = 0
    this.buffer = this.skip === 0 ? keys : keys.map(k => k.slice(this.skip))
    if (keys.length === 0) this.done = true
  }

  async close (): Promise<void> {
    await this.iterator.close()
  }
}

/** Up to `max` next positions of the merged sources, in order, without repeats */
async function nextPositions (readers: SourceReader[], max: number, reverse: boolean, last: { pos?: string }): Promise<string[]> {
  const out: string[] = []
  const size = Math.min(Math.max(max, 16), 1000)
  while (out.length < max) {
    await Promise.all(readers.map(r => r.fill(size)))
    let best: SourceReader | undefined
    for (const r of readers) {
      if (!r.ready) continue
      if (best == null || (reverse ? r.peek() > best.peek() : r.peek() < best.peek())) best = r
    }
    if (best == null) break
    const pos = best.take()
    if (pos === last.pos) continue
    last.pos = pos
    out.push(pos)
    if (readers.length === 1) {
      // fast path: drain what is buffered without merging
      while (out.length < max && best.ready) out.push(last.pos = best.take())
    }
  }
  return out
}

/**
 * Answer a query. `scanBudget` bounds the candidates read for one page: when the filters reject that many, the
 * page ends early, possibly short or empty, with the cursor of the last position read, so a caller pages on
 * through a sparse match in bounded steps. Without it a page reads until it is full or the index ends.
 */
export async function runQuery (subs: Sublevels, q: RecordQuery, scanBudget = Infinity): Promise<Page<RecordSummary>> {
  const limit = checkQuery(q)
  const after = q.cursor != null ? decodeCursor(q.cursor) : undefined
  const plan = planQuery(q)
  if (plan == null) return { items: [], cursor: null }
  const reverse = (q.order ?? 'desc') === 'desc'
  const readers = plan.map(source => new SourceReader(subs[source.sublevel], source, boundsOf(source.prefix, q, after, reverse), reverse))
  const items: RecordSummary[] = []
  const positions: string[] = []
  const last: { pos?: string } = {}
  let scanned = 0
  let exhausted = false
  try {
    // one more than the page, to know whether a next page exists; when filters reject candidates, read more at a time
    let want = limit + 1
    while (items.length <= limit) {
      const batch = await nextPositions(readers, Math.max(want - items.length, 1), reverse, last)
      want = Math.min(want * 2, 2 * MAX_QUERY_LIMIT)
      if (batch.length === 0) { exhausted = true; break }
      const cids = batch.map(positionCid)
      const values = await subs.summary.getMany(cids)
      const summaries = values.map((text, i) => text == null ? undefined : decodeSummary(cids[i], text))
      const media = await mediaOk(subs, q.mediaType, summaries, batch)
      for (let i = 0; i < batch.length && items.length <= limit; i++) {
        const summary = summaries[i]
        if (summary == null || !media[i] || !matches(summary, q)) continue
        items.push(summary)
        positions.push(batch[i])
      }
      scanned += batch.length
      if (scanned >= scanBudget && items.length <= limit) break
    }
  } finally {
    await Promise.all(readers.map(r => r.close()))
  }
  if (items.length > limit) {
    items.length = limit
    return { items, cursor: encodeCursor(positions[limit - 1]) }
  }
  // out of budget before the page filled: resume after the last position read
  if (!exhausted && scanned >= scanBudget && last.pos != null) return { items, cursor: encodeCursor(last.pos) }
  return { items, cursor: null }
}
