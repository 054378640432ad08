/**
 * The record service's types: where a record came from, what ingest answers, what an admission policy says, the
 * events the service emits and what it is built from (record-service.ts re-exports them).
 */
import { InvalidRecordError } from '../errors.ts'
import type { RecordCrypto, ValidRecord } from '../records/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { IngestConfig, RecordsConfig } from '../config.ts'
import type { Logger } from 'pino'
import type { ParkingLot } from './parking.ts'
import type { Signer } from '../records/types.ts'

/** Where a record came from; carried into events, metrics and logs */
export type RecordSource = 'local' | 'http' | 'gossip' | 'sync' | 'import' | 'parked'

export interface IngestOutcome {
  cid: string
  /** 'parked': valid, but waiting for a record or a membership it depends on */
  status: 'added' | 'duplicate' | 'parked'
  record: ValidRecord
  /** why it is parked */
  reason?: string
  /** the rule that holds it (stable code: `dependency-missing`, `future`, …), when parked */
  rule?: string
}

/**
 * What an admission policy says of a valid record (protocols/collectives.md §6):
 * - `accept`: count it now;
 * - `park`: it names something not counted yet (`deps`); hold it, bounded, until one of them moves;
 * - `outside`: the view does not count it (its author was not a member at its time, a join beyond its invite's
 *   uses), but records that may still arrive could change that. With `keep` it is held, bounded, and judged again
 *   when `deps` move; without (an author with no standing in the collective at all, or the node's own user) it is
 *   refused with `error`, so an outsider cannot make a node store anything this way.
 * Throwing a typed error refuses the record for good.
 */
export type Admission =
  | { verdict: 'accept' }
  | { verdict: 'park', deps: string[], reason: string, rule: string }
  | { verdict: 'outside', deps: string[], reason: string, rule: string, error: Error, keep: boolean }

/** Rules beyond validity (collective membership, dependencies); throws a typed error to refuse a record */
export interface AdmissionPolicy {
  admit(record: ValidRecord, source: RecordSource): Promise<Admission>
}

export interface IngestOptions {
  source: RecordSource
  signal?: AbortSignal
  /** the libp2p peer that relayed the record (gossip, sync): parked records are bounded per peer */
  peer?: string
  /** the collective whose topic or sync session carried the record: a record naming another is refused */
  scope?: string
  /** the CID of these bytes, when the caller hashed them already (a sync session does, to check it asked for
   * them); only ever computed from the bytes passed, never taken from a peer */
  cid?: string
}

/** A record arrived on a collective's topic or sync session but names no collective or another one */
export class OutOfScopeError extends InvalidRecordError {}

/** The error for a record naming `named` (its collective, if any) carried by collective `scope`'s topic or session */
export function outOfScope (named: string | undefined, scope: string): OutOfScopeError {
  return new OutOfScopeError(`the record names ${named ?? 'no collective'}, not the collective ${scope} that carried it`,
    { details: { reason: 'out-of-scope', scope } })
}

/** A record the view no longer counts, and why; see RecordService.retire */
export interface Retirement {
  record: ValidRecord
  status: 'waiting' | 'outside'
  deps: string[]
  reason: string
  rule: string
}

/** Emitted once a record is stored and indexed */
export interface RecordEvent {
  record: ValidRecord
  source: RecordSource
}

export interface RecordServiceEvents {
  record: [RecordEvent]
  parked: [RecordEvent & { reason: string }]
  /** a counted record was taken out of the index (the view no longer counts it); it stays held in the lot */
  retired: [{ record: ValidRecord, reason: string }]
  rejected: [{ source: RecordSource, error: Error }]
  /** a record already held arrived again (metrics) */
  duplicate: [{ source: RecordSource }]
  /** a record's entry in the lot was written (it is held, not counted), before it is judged once more; `rule` is
   * the rule that holds it */
  held: [{ record: ValidRecord, rule: string }]
  /** a held record was refused for good once what it named arrived, and its entry dropped */
  dropped: [{ record: ValidRecord }]
}

export interface RecordServiceComponents {
  crypto: RecordCrypto
  /** reads stored records by CID (held ones too); records are written through `index.put` */
  store: Pick<ContentStore, 'getRecord'>
  index: Pick<RecordIndexApi, 'put' | 'remove' | 'has' | 'get' | 'head' | 'dropHeld'> & Partial<Pick<RecordIndexApi, 'getMany'>> & { sync?: () => Promise<void> }
  signer: Signer
  logger: Logger
  /** decides whether a valid record is taken now or parked; without it every valid record is taken */
  admission?: AdmissionPolicy
  /** where parked records wait; required with `admission` */
  parking?: ParkingLot
  /** make the lot's writes so far durable (a synced write of its database), before a 202 for a held record */
  syncParking?: () => Promise<void>
  /** validates records off the main thread (whole records given as bytes; signatures of the rest); without it
   * they are validated inline with `crypto` */
  verifier?: {
    verify(signature: Uint8Array, data: Uint8Array, publicKey: Uint8Array): Promise<boolean>
    validate?(bytes: Uint8Array): Promise<ValidRecord>
    /** many records at once, each answered with its record or its error */
    validateMany?(items: Uint8Array[]): Promise<Array<ValidRecord | Error>>
  }
}

export interface RecordServiceInit {
  records: RecordsConfig
  ingest: IngestConfig
}

export interface IssueOptions {
  collective?: string
  /** validFrom (default now): the parts of one key record issuance share it (protocols/private-collectives.md §6) */
  validFrom?: Date
}
