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
  collective?: string
  previous?: string
  /** asset: title and content CID; license: asset; grant: license, asset, licensee; attestation/revocation: record */
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
  /** licenses and grants of this asset record */
  asset?: string
  /** grants to this did */
  licensee?: string
  /** records about this record (attestations, revocations) */
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
  /** Index records; each record's entries go in one atomic batch (several records may share one) */
  put(records: ValidRecord[]): Promise<void>
  has(cid: string): Promise<boolean>
  get(cid: string): Promise<RecordSummary | undefined>
  query(q: RecordQuery): Promise<Page<RecordSummary>>
  lineage(root: string, q?: LineageQuery): Promise<Lineage>
  /** the latest record CID of an author's chain */
  head(author: string): Promise<string | undefined>
  count(): Promise<number>
  /** Drop everything and index `source` again; returns the number of distinct records indexed */
  rebuild(source: AsyncIterable<ValidRecord>): Promise<number>
}
