/**
 * The record index: derived state over the record blocks, kept in Level sublevels.
 * `src/index/index.ts` exports `RecordIndex`.
 */
import type { RecordKind, Relationship, ValidRecord } from '../records/types.ts'

/** What the index keeps per record, enough to answer lists without reading blocks */
export interface RecordSummary {
  cid: string
  kind: RecordKind
  author: string
  /** epoch ms (validFrom) */
  time: number
  /** the collective the record belongs to: its `collective` field; a charter's is its own CID */
  collective?: string
  previous?: string
  /** asset: title and content CID; profile: the display name as `title`; license: asset; grant: license, asset, licensee; attestation/revocation: record */
  title?: string
  content?: string
  asset?: string
  license?: string
  licensee?: string
  target?: string
}

export interface RecordQuery {
  kind?: RecordKind
  author?: string
  collective?: string
  /** asset records whose content is this CID */
  content?: string
  /** asset records of this media type (exact, e.g. image/png) */
  mediaType?: string
  /** licenses and grants of this asset record */
  asset?: string
  /** grants to this did */
  licensee?: string
  /** records about this record (attestations, revocations), or follows of this did or collective */
  target?: string
  /** epoch ms, inclusive */
  since?: number
  /** epoch ms, exclusive */
  until?: number
  /** @default 50; larger values are clamped to 1000 */
  limit?: number
  /** the `cursor` of the previous page; valid whatever the filters, as it marks a position in time order */
  cursor?: string
  /** by time. @default 'desc' */
  order?: 'asc' | 'desc'
}

/** 'time' is the older name of 'newest', still accepted */
export type SearchSort = 'relevance' | 'newest' | 'oldest' | 'time'

/** Every accepted `sort`, documented words first (the gateway's OpenAPI enum) */
export const SEARCH_SORTS: readonly SearchSort[] = ['relevance', 'newest', 'oldest', 'time']

/** A text search over asset titles, tags and descriptions, with the filters of a query */
export interface SearchQuery {
  /** words to find (see tokens.ts for how text becomes words); absent or blank: filters only */
  text?: string
  /** records signed by this did */
  author?: string
  /** asset records of this media type (exact) */
  mediaType?: string
  kind?: RecordKind
  /** records of this collective (charter CID); includes the charter itself */
  collective?: string
  /** epoch ms, inclusive */
  since?: number
  /** epoch ms, exclusive */
  until?: number
  /** @default 50; larger values are clamped to 1000 */
  limit?: number
  /** the `cursor` of the previous page of the same search */
  cursor?: string
  /**
   * 'newest' (alias 'time'): newest first; 'oldest': oldest first; 'relevance': most matched words first, then
   * newest (without text there is nothing to rank: newest first).
   * @default 'relevance' with text, 'newest' without
   */
  sort?: SearchSort
  /**
   * 'any': a record matches when it holds at least one of the words; 'all': every word.
   * @default 'any'
   */
  match?: 'any' | 'all'
  /**
   * The last word also matches longer words it begins ("blu" finds "blue"), as a search box wants while typing.
   * @default true
   */
  prefix?: boolean
}

/** A search result: the record's summary and, for a text search, how many of the query's words it holds */
export interface SearchHit extends RecordSummary {
  score?: number
}

export interface Page<T> {
  items: T[]
  /** opaque; null when there is no further page */
  cursor: string | null
}

export type LineageDirection = 'ancestors' | 'descendants' | 'both'

export interface LineageQuery {
  /** @default 'ancestors' */
  direction?: LineageDirection
  /** hops from the root; 0 gives the root alone. @default 10; larger values are clamped to 100 */
  depth?: number
  /** max nodes per page. @default 500; larger values are clamped to 5000 */
  limit?: number
  /** the `cursor` of the previous page of the same root, direction and depth */
  cursor?: string
}

export interface LineageNode {
  cid: string
  /** hops from the root, always >= 0; `side` tells which direction */
  depth: number
  side: 'root' | 'ancestor' | 'descendant'
  title?: string
  author?: string
  content?: string
  /** false when a parent is referenced but its record is not held here */
  present: boolean
}

export interface LineageEdge {
  /** child asset record */
  from: string
  /** parent asset record */
  to: string
  relationship: Relationship
}

export interface Lineage {
  root: string
  /** in breadth-first order; the root first on the first page */
  nodes: LineageNode[]
  /** each edge once over all pages: on the page of whichever of its two nodes comes later */
  edges: LineageEdge[]
  /** opaque; null when there is no further page */
  cursor: string | null
}

export interface RecordIndexApi {
  /** Open and check the schema version; an index of another version throws IndexSchemaError (ERR_INDEX_SCHEMA)
   * and stays usable for `rebuild()` and `close()` only */
  open(): Promise<void>
  close(): Promise<void>
  /** Index and store records; each record's body and entries go in one atomic batch (several records may share
   * one). Returns the CIDs it indexed: records indexed already are skipped. */
  put(records: ValidRecord[], options?: PutOptions): Promise<string[]>
  /** Take records out (the collective view no longer counts them); returns how many were indexed */
  remove(records: ValidRecord[]): Promise<number>
  has(cid: string): Promise<boolean>
  get(cid: string): Promise<RecordSummary | undefined>
  /** the summaries of many records, in the order asked (undefined for those not indexed) */
  getMany(cids: string[]): Promise<Array<RecordSummary | undefined>>
  /** the record's canonical bytes, from the index (reads grouped into one getMany); undefined when not indexed */
  body(cid: string): Promise<Uint8Array | undefined>
  /** the canonical bytes of many records, in the order asked (undefined for those not indexed): one read per
   * MAX_READ_BATCH, for callers that know the whole list (sync serving a batch) */
  bodies(cids: string[]): Promise<Array<Uint8Array | undefined>>
  /** a stored record's bytes, counted or held; undefined when not stored */
  stored(cid: string): Promise<Uint8Array | undefined>
  /** forget the held (stored, not counted) bodies of these records */
  dropHeld(cids: string[]): Promise<void>
  query(q: RecordQuery): Promise<Page<RecordSummary>>
  lineage(root: string, q?: LineageQuery): Promise<Lineage>
  /** Text search over asset titles, tags and descriptions with filters, sorted by time or relevance, paginated.
   * A page reads a bounded number of candidates, so under a sparse filter it may hold fewer than `limit` items
   * (even none) while `cursor` is not null: follow the cursor to go on. */
  search(q: SearchQuery): Promise<Page<SearchHit>>
  /** the counted records of `author` naming `previous` (the chain read forwards; two or more: a fork), at most
   * `limit` (default and most 16), in CID order */
  successors(author: string, previous: string, limit?: number): Promise<string[]>
  /** every indexed fingerprint of the counted asset records (of one algorithm, or all), in key order; paged reads */
  iterateFingerprints(alg?: string): AsyncIterable<IndexedFingerprint>
  /** The counted records listed under a collective (as `query({ collective })` lists them), as time and CID only,
   * oldest first, read from the keys of the time-ordered entries alone: no summary is read */
  collectiveRecords(collective: string): AsyncIterable<{ cid: string, time: number }>
  /** the latest record CID of an author's chain */
  head(author: string): Promise<string | undefined>
  count(): Promise<number>
  /** Drop every derived entry and index `source` again (bodies stay stored); returns the records counted */
  rebuild(source: AsyncIterable<RebuildItem>): Promise<number>
}

/** One fingerprint of a counted asset record, as the index holds it (src/index/fingerprint-entries.ts) */
export interface IndexedFingerprint {
  /** algorithm id, e.g. `pdq-256` */
  alg: string
  /** the raw code bits (an ISCC code's body, without its header) */
  code: Uint8Array
  /** the asset record's CID */
  cid: string
  /** its content CID */
  content: string
  /** its author */
  issuer: string
  /** its validFrom, as written in it */
  validFrom: string
  /** PDQ's quality */
  quality?: number
}

/** A record body stored but not counted */
export interface HeldBody {
  cid: string
  bytes: Uint8Array
}

/** What a rebuild reads: a record to count (validated again by the caller), or a body to store held */
export type RebuildItem = ValidRecord | { held: HeldBody }

/** A stored record body and whether the index counts it */
export interface StoredBody extends HeldBody {
  counted: boolean
}

export interface RebuildBesideOptions {
  /** stops the build (the live index is untouched) */
  signal?: AbortSignal
  /**
   * Runs the swap: the node passes its record service's write lock, so no batch is being written while the
   * databases change places. @default the swap runs under the index's own write queue only
   */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>
}

export interface RebuildResult {
  /** records in the new index */
  records: number
  /** whole rebuild, build and swap */
  ms: number
  /** time spent in the swap, under the lock: writes wait this long, and reads for the part after the old closes */
  swapMs: number
}

export interface RecordIndexEvents {
  /** the index now answers from a rebuilt database; in-memory views built from the old answers must reload.
   * Emitted synchronously before any read sees the new database. */
  reindexed: [{ records: number }]
}

export interface PutOptions {
  /**
   * Sync the batch to disk (LevelDB `sync: true`: its log is fsynced before the put resolves) so the records
   * survive a power cut, not only a crash of the process. One synced batch makes every earlier write of the
   * database durable too. @default false
   */
  sync?: boolean
}
