/**
 * The read-only view the lineage reports (royalty split, PROV-JSON, C2PA manifest view) work over. The node builds
 * one from its index and its blocks (`createIndexLineageView` in `index-view.ts`); tests and benchmarks use
 * `MemoryLineageView` (`memory-view.ts`). The reports never write, never import the network, the gateway or the CLI,
 * and read nothing but this interface, so the same functions run over any record set.
 */
import type { RecordSummary } from '../index/types.ts'
import type { Credential, RecordKind, Relationship } from '../records/types.ts'

/** A record the view holds: its CID and its credential (already validated when it was ingested) */
export interface HeldRecord<K extends RecordKind = RecordKind> {
  cid: string
  credential: Credential<K>
}

/** One lineage reference of an asset record, resolved to a record CID */
export interface LineageParent {
  /** the parent asset record's CID (it may not be held: `summary()` then answers undefined) */
  cid: string
  relationship: Relationship
}

export interface LineageView {
  /** What the index keeps about a record; undefined when the record is not held */
  summary(cid: string): Promise<RecordSummary | undefined>
  /** A record's credential; undefined when the record is not held */
  record(cid: string): Promise<Credential | undefined>
  /** License records offered for an asset record (any issuer, revoked or not: the reports apply the rules) */
  licensesOf(asset: string): Promise<Array<HeldRecord<'license'>>>
  /** Revocation records that name `cid` (any issuer: the reports check that the issuer may revoke it) */
  revocationsOf(cid: string): Promise<Array<HeldRecord<'revocation'>>>
  /**
   * The parents of an asset record, in ingredient order, each (parent, relationship) pair once: an ingredient
   * naming a record gives that record; one naming only content gives every asset record of that content (which is
   * how cycles can arise)
   */
  parentsOf(cid: string): Promise<LineageParent[]>
}
