/**
 * @packageDocumentation
 *
 * History sync between nodes: `/atelier/sync/1.0.0` (normative text and test vectors: protocols/sync.md).
 *
 * Gossip only carries what is published while a node listens. When two members of a collective connect (and
 * periodically), one of them calls `syncWith(peer, scope)`: the two reconcile their sets of record CIDs for that
 * collective by range-based set reconciliation (in the manner of negentropy, NIP-77), then each sends the other the
 * record bytes it lacks. The cost is proportional to the difference, not to the size of the sets: two replicas of
 * 100,000 records that differ by 100 exchange about 230 kB (0.2 % of a full transfer) in three round trips, and a
 * node that has nothing receives every record with three or four bytes of framing each (bench/sync.ts).
 *
 * What it guarantees: when a session completes, each side has been offered every record the other held in its
 * snapshot of the scope (taken when the session began), and each record received was handed to `ingest`. What it
 * does not: that ingest accepts them (it validates each as any other source), an order of delivery, or records
 * published during the session (gossip carries those, the next session catches up what gossip missed).
 *
 * Sync knows libp2p and a `SyncSource` (four callbacks), never the index or the store.
 *
 * @example
 * ```ts
 * const node = await createLibp2p({
 *   ...buildLibp2pOptions({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'] }),
 *   services: { identify: identify(), sync: sync(source) }
 * })
 * const stats = await node.services.sync.syncWith(peerId, charterCid, { signal: AbortSignal.timeout(60_000) })
 * ```
 */
import { Sync } from './sync.ts'
import type { SyncItems } from './items.ts'
import type { AbortOptions, ComponentLogger, PeerId, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

/** What `ingest` made of a record a peer sent */
export type IngestResult = 'added' | 'duplicate' | 'parked' | 'rejected'

/** Where a received record came from, for the ingest door */
export interface IngestContext {
  /** the scope (collective) of the session that brought it */
  scope: string
  /** the peer that sent it */
  peer: PeerId
  /** fires when the session ends early */
  signal?: AbortSignal
  /** the sha2-256 digest of the record's bytes (its item id), computed by the session already: a source need not
   * hash the bytes again to name the record */
  id?: Uint8Array
}

/**
 * What sync needs of the node, as callbacks: sync never sees the index or the store.
 *
 * An item's timestamp must be a deterministic function of the record (its `validFrom` in epoch ms), so that every
 * node places a record at the same point of the order; otherwise the two sides never agree on a fingerprint.
 */
export interface SyncSource {
  /** The scopes (collective charter CIDs) this node serves; others are refused */
  scopes(): string[]
  /**
   * A snapshot of the scope's items, sorted by (timestamp, id), no duplicates (`createSyncItems` builds one).
   * Called once per session; return the same object while the set has not changed, and the fingerprint index
   * built over it is reused. `peer` is the remote peer of the session: a source may offer it a part of the scope
   * only (a private collective's non-members get its open records, src/node/private-traffic.ts).
   */
  items(scope: string, options?: AbortOptions & { peer?: string }): Promise<SyncItems>
  /** The bytes of the records named (record CID strings, canonical base32), in any order; records not held are skipped */
  getRecords(cids: string[], options?: AbortOptions): AsyncIterable<Uint8Array>
  /**
   * The item timestamp of a record's bytes (the same function that placed it in `items`), or undefined when the
   * bytes carry none. Sync uses it to tell a record it asked for from one the peer pushes unasked; it must be cheap
   * and must not throw.
   */
  timestampOf(bytes: Uint8Array): number | undefined
  /** Hand over a record a peer sent (validate, store, index); 'rejected' (or a throw) when it is refused */
  ingest(bytes: Uint8Array, context: IngestContext): Promise<IngestResult>
  /**
   * Hand over a group of records a peer sent, each with its item id; answers in the same order. Optional: a session
   * hands records to it in groups (what arrived together, up to INGEST_GROUP) when present, one by one to `ingest`
   * otherwise. A throw counts every record of the group as rejected.
   */
  ingestMany?(records: Array<{ bytes: Uint8Array, id: Uint8Array }>, context: Omit<IngestContext, 'id'>): Promise<IngestResult[]>
}

/** What one session did */
export interface SyncStats {
  scope: string
  /** the peer, as a string */
  peer: string
  role: 'initiator' | 'responder'
  /** reconcile messages the initiator sent (OPEN included): the round trips */
  rounds: number
  /** bytes written to the stream (frames with their length prefixes) */
  bytesSent: number
  /** bytes read from the stream */
  bytesReceived: number
  recordsSent: number
  recordsReceived: number
  /** what ingest said of the records received */
  recordsAdded: number
  recordsDuplicate: number
  recordsParked: number
  /** refused by ingest, over `maxRecordBytes`, or unsolicited */
  recordsRejected: number
  /** of the rejected: records never asked for, or received twice (refused before ingest) */
  recordsUnsolicited: number
  /** wall time of the session */
  ms: number
}

/** Called after every session, either role; `error` is set when it failed */
export type SessionObserver = (stats: SyncStats, error?: Error) => void

export interface SyncInit {
  /** Protocol prefix, for a private network. @default '/atelier' */
  protocolPrefix?: string
  /** Whole-session deadline, ms (either role). @default 600000 */
  timeout?: number
  /** Longest wait for the peer's next frame, ms. @default 30000 */
  idleTimeout?: number
  /** Sub-ranges a differing range is split into. @default 16 */
  buckets?: number
  /** A differing range where we hold at most this many items is answered with its ids. @default 32 */
  idListThreshold?: number
  /** Bytes our reconcile messages aim to stay under (≤ 261,632). @default 131072 */
  messageBudget?: number
  /** Reconcile and WANT messages a session may take from the peer before it is ended with LIMIT. @default 1000 */
  maxRounds?: number
  /** Records handed to `ingest` and not yet settled, per session; reading pauses beyond it. @default 1024 */
  ingestConcurrency?: number
  /** Bytes of records handed to `ingest` and not yet settled, per session; reading pauses beyond it (one record is
   * always let through). @default 4194304 */
  ingestBytes?: number
  /** Refused records after which a session is ended with TOO_MANY_REJECTED. @default 1000 */
  maxRejected?: number
  /** Largest record accepted from a peer, bytes; larger ones count as rejected. @default 65536 */
  maxRecordBytes?: number
  /** Inbound sessions served at once (counted from their OPEN); more are answered BUSY. @default 16 */
  maxSessions?: number
  /** Inbound sessions one peer may have at once; more are answered BUSY. @default 4 */
  maxSessionsPerPeer?: number
  /** Longest wait for an inbound stream's OPEN, ms; then TIMEOUT. @default 5000 */
  firstFrameTimeout?: number
  /** Inbound sync streams per connection. @default 4 */
  maxInboundStreams?: number
  /** Outbound sync streams per connection. @default 4 */
  maxOutboundStreams?: number
  /** Observer of every finished session (metrics, logs). @default none */
  onSession?: SessionObserver
}

/** The part of libp2p's registrar sync uses */
export interface SyncRegistrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string, options?: AbortOptions): Promise<void>
}

/** The part of libp2p's connection manager sync uses */
export interface SyncConnectionManager {
  openStream(peer: PeerId, protocol: string, options?: AbortOptions & { runOnLimitedConnection?: boolean }): Promise<Stream>
}

/** Collaborators: libp2p's (a service receives them from libp2p) plus the node's SyncSource */
export interface SyncComponents {
  registrar: SyncRegistrar
  connectionManager: SyncConnectionManager
  /** @default silent */
  logger?: ComponentLogger
  source: SyncSource
}

/** The sync service */
export interface SyncProtocol {
  /** The protocol id served, `/atelier/sync/1.0.0` */
  readonly protocol: string
  /**
   * Reconcile `scope` with `peer` and exchange the records each lacks; resolves when both sides are done. Throws
   * UnknownScopeError (we or the peer do not serve the scope), SyncBusyError, SyncTimeoutError, SyncAbortedError
   * (the signal fired or the service stopped), SyncProtocolError / SyncLimitError (the peer misbehaved),
   * TooManyRejectedError, SyncRemoteError (the peer ended the session with another error).
   */
  syncWith(peer: PeerId, scope: string, options?: AbortOptions): Promise<SyncStats>
  /** Live figures of the sessions in flight (either role), for progress reports; copies */
  active(): SyncStats[]
  /**
   * When `peer` (a peer id string) is running a session of `scope` with this node, its end: its figures, or
   * undefined when it failed. A session moves records both ways, so starting one of our own beside it would only
   * move every record twice. Undefined when no such session is being served.
   */
  serving(peer: string, scope: string): Promise<SyncStats | undefined> | undefined
}

/** libp2p's components, as a service factory receives them */
export interface Libp2pSyncComponents {
  registrar: SyncRegistrar
  connectionManager: SyncConnectionManager
  logger: ComponentLogger
}

/** A libp2p service factory: `services: { sync: sync(source, init) }` */
export function sync (source: SyncSource, init: SyncInit = {}): (components: Libp2pSyncComponents) => SyncProtocol {
  return (components) => new Sync({
    registrar: components.registrar,
    connectionManager: components.connectionManager,
    logger: components.logger,
    source
  }, init)
}

/** A sync service built from explicit components (tests, or a node that wires libp2p's parts itself) */
export function createSync (components: SyncComponents, init: SyncInit = {}): Sync {
  return new Sync(components, init)
}

export { Sync } from './sync.ts'
export { SYNC_PROTOCOL } from './constants.ts'
export { createSyncItems, recordIdOf, recordCidOf } from './items.ts'
export type { SyncItems, SyncItem } from './items.ts'
export * from './errors.ts'
