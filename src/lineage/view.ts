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

  // The same questions for many records at once, answered in the order asked. Optional: a view without them is asked
  // record by record (the helpers below). A walk asks for a whole level at a time, and one call per record cost
  // about 1 KB of promises and closures each: over a 1,000-ancestor royalty split, most of its garbage.
  summaries?(cids: string[]): Promise<Array<RecordSummary | undefined>>
  records?(cids: string[]): Promise<Array<Credential | undefined>>
  parentsOfMany?(cids: string[]): Promise<LineageParent[][]>
  licensesOfMany?(assets: string[]): Promise<Array<Array<HeldRecord<'license'>>>>
  revocationsOfMany?(cids: string[]): Promise<Array<Array<HeldRecord<'revocation'>>>>
}

/** `view.summary()` of each CID, in one call when the view answers many at once */
export async function summariesOf (view: LineageView, cids: string[]): Promise<Array<RecordSummary | undefined>> {
  return view.summaries != null ? await view.summaries(cids) : await Promise.all(cids.map(async cid => await view.summary(cid)))
}

/** `view.record()` of each CID, in one call when the view answers many at once */
export async function recordsOf (view: LineageView, cids: string[]): Promise<Array<Credential | undefined>> {
  return view.records != null ? await view.records(cids) : await Promise.all(cids.map(async cid => await view.record(cid)))
}

/** `view.parentsOf()` of each CID, in one call when the view answers many at once */
export async function parentsOfAll (view: LineageView, cids: string[]): Promise<LineageParent[][]> {
  return view.parentsOfMany != null ? await view.parentsOfMany(cids) : await Promise.all(cids.map(async cid => await view.parentsOf(cid)))
}

/** `view.licensesOf()` of each asset, in one call when the view answers many at once */
export async function licensesOfAll (view: LineageView, assets: string[]): Promise<Array<Array<HeldRecord<'license'>>>> {
  return view.licensesOfMany != null ? await view.licensesOfMany(assets) : await Promise.all(assets.map(async a => await view.licensesOf(a)))
}

/** `view.revocationsOf()` of each CID, in one call when the view answers many at once */
export async function revocationsOfAll (view: LineageView, cids: string[]): Promise<Array<Array<HeldRecord<'revocation'>>>> {
  return view.revocationsOfMany != null ? await view.revocationsOfMany(cids) : await Promise.all(cids.map(async cid => await view.revocationsOf(cid)))
}
