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
import { decodeCursor, encodeCursor, encodeTime, positionCid, SEP, SEP_END } from './keys.ts'

/** One range of one index: every key under `prefix` (which ends with SEP, or is '' for the time index) */
export interface IndexSource {
  sublevel: PositionIndexName
  prefix: string
}

/** How a query is answered: sources merged in time order; `null` when no record can match */
export type QueryPlan = IndexSource[] | null

const KINDS: ReadonlySet<string> = new Set(['asset', 'license', 'grant', 'attestation', 'revocation'])

/** Filters, most selective first; each names the index that serves it and the kinds that can carry it */
export function planQuery (q: RecordQuery): QueryPlan {
  const kind = q.kind
  const allows = (...kinds: RecordKind[]): boolean => kind == null || kinds.includes(kind)
  const one = (sublevel: PositionIndexName, value: string): IndexSource[] => [{ sublevel, prefix: value + SEP }]
  if (q.target != null) return allows('attestation', 'revocation') ? one('target', q.target) : null
  if (q.content != null) return allows('asset') ? one('content', q.content) : null
  if (q.licensee != null) return allows('grant') ? one('licensee', q.licensee) : null
  if (q.asset != null) {
    if (kind === 'license') return one('licenses', q.asset)
    if (kind === 'grant') return one('grants', q.asset)
    return kind == null ? [...one('licenses', q.asset), ...one('grants', q.asset)] : null
  }
  if (q.author != null) return one('author', q.author)
  if (q.collective != null) return one('collective', q.collective)
  if (kind != null) return one('kind', kind)
  return [{ sublevel: 'time', prefix: '' }]
}

/** The full filter, checked on every candidate (cheap, and it keeps the plan free to over-select) */
export function matches (s: RecordSummary, q: RecordQuery): boolean {
  return (q.kind == null || s.kind === q.kind) &&
    (q.author == null || s.author === q.author) &&
    (q.collective == null || s.collective === q.collective) &&
    (q.content == null || (s.kind === 'asset' && s.content === q.content)) &&
    (q.asset == null || s.asset === q.asset) &&
    (q.licensee == null || s.licensee === q.licensee) &&
    (q.target == null || s.target === q.target) &&
    (q.since == null || s.time >= q.since) &&
    (q.until == null || s.time < q.until)
}

function checkString (value: unknown, field: string): void {
  if (value != null && (typeof value !== 'string' || value === '' || value.includes(SEP))) {
    throw new InvalidRequestError(`${field} must be a non-empty string`, { details: { field } })
  }
}

function checkTime (value: unknown, field: string): void {
  if (value != null && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw new InvalidRequestError(`${field} must be epoch milliseconds`, { details: { field } })
  }
}

/** Check a query's fields; returns the effective limit */
export function checkQuery (q: RecordQuery): number {
  if (q.kind != null && !KINDS.has(q.kind)) {
    throw new InvalidRequestError(`kind must be one of ${[...KINDS].join(', ')}`, { details: { field: 'kind' } })
  }
  for (const field of ['author', 'collective', 'content', 'asset', 'licensee', 'target'] as const) checkString(q[field], field)
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

interface Bounds {
  gt?: string
  gte?: string
  lt: string
}

/** Key range of one source for the query's since/until and the cursor */
function boundsOf (prefix: string, q: RecordQuery, after: string | undefined, reverse: boolean): Bounds {
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
class SourceReader {
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

export async function runQuery (subs: Sublevels, q: RecordQuery): Promise<Page<RecordSummary>> {
  const limit = checkQuery(q)
  const after = q.cursor != null ? decodeCursor(q.cursor) : undefined
  const plan = planQuery(q)
  if (plan == null) return { items: [], cursor: null }
  const reverse = (q.order ?? 'desc') === 'desc'
  const readers = plan.map(source => new SourceReader(subs[source.sublevel], source, boundsOf(source.prefix, q, after, reverse), reverse))
  const items: RecordSummary[] = []
  const positions: string[] = []
  const last: { pos?: string } = {}
  try {
    // one more than the page, to know whether a next page exists; when filters reject candidates, read more at a time
    let want = limit + 1
    while (items.length <= limit) {
      const batch = await nextPositions(readers, Math.max(want - items.length, 1), reverse, last)
      want = Math.min(want * 2, 2 * MAX_QUERY_LIMIT)
      if (batch.length === 0) break
      const values = await subs.summary.getMany(batch.map(positionCid))
      for (let i = 0; i < batch.length && items.length <= limit; i++) {
        const text = values[i]
        if (text == null) continue
        const summary = JSON.parse(text) as RecordSummary
        if (!matches(summary, q)) continue
        items.push(summary)
        positions.push(batch[i])
      }
    }
  } finally {
    await Promise.all(readers.map(r => r.close()))
  }
  if (items.length <= limit) return { items, cursor: null }
  items.length = limit
  return { items, cursor: encodeCursor(positions[limit - 1]) }
}
