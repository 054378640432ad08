/**
 * CollectiveNetwork: how the node's collectives meet the network. It subscribes to each joined collective's gossip
 * topic with the one door as validator, publishes the records this node takes in from its own users, and
 * reconciles history with peers over the sync protocol (on connect, periodically, and when a membership change
 * lets records in that peers may hold).
 */
import type { Logger } from 'pino'
import { isAtelierError } from '../errors.ts'
import { UnsealedRecordError } from '../private/errors.ts'
import type { PeerKeeper } from '../net/peers.ts'
import type { ValidRecord } from '../records/types.ts'
import type { RecordEvent, RecordService, RecordSource } from './record-service.ts'

/** What the network part needs of gossip (src/net/gossip GossipChannel) */
export interface GossipPort {
  join(collective: string, validate: (data: Uint8Array, from: { toString(): string }) => Promise<'accept' | 'reject' | 'ignore'>): void
  leave(collective: string): void
  publish(collective: string, data: Uint8Array): Promise<unknown>
}

/** What the network part needs of history sync (src/net/sync) */
export interface SyncPort {
  syncWith(peerId: string, scope: string, options?: { signal?: AbortSignal }): Promise<unknown>
  /** the end of a session of `scope` the peer is running with this node, if one is being served */
  serving?(peerId: string, scope: string): Promise<unknown> | undefined
}

export interface CollectiveNetworkComponents {
  records: RecordService
  peers: PeerKeeper
  logger: Logger
  /** this node's libp2p peer id */
  localPeerId: string
  /** whether this node takes part in a collective */
  joined: (id: string) => boolean
  /** the collectives this node takes part in */
  joinedIds: () => string[]
  gossip?: GossipPort
  sync?: SyncPort
  /** how a private collective's records go on gossip (sealed) and come off it (private-traffic.ts) */
  traffic?: {
    outgoing: (collective: string, record: ValidRecord) => Uint8Array | undefined
    incoming: (collective: string, data: Uint8Array) => Uint8Array | undefined
    refusesClear: (collective: string, data: Uint8Array) => boolean
  }
}

/** Sources whose records this node publishes on gossip (gossip and sync records are already spread) */
const PUBLISHED_SOURCES: ReadonlySet<RecordSource> = new Set(['local', 'http', 'import', 'parked'])

/**
 * Errors that say the record is not counted *here, now* (no standing yet, a use its invite lacks): an honest
 * relay whose view is ahead or behind may forward it, so it is ignored, never held against the sender
 */
/** How long after a membership change its collective is reconciled with every connected peer */
const MEMBERSHIP_SYNC_DELAY_MS = 250

/**
 * How long a collective must go without records arriving by sync before this node reconciles it with its other
 * peers: what one peer brought in spreads to the rest at once (a partition heals in rounds of sessions, not of the
 * periodic interval), and a long catch-up spreads once, at its end, rather than racing its own session
 */
const SPREAD_QUIET_MS = 500

const NOT_COUNTED: ReadonlySet<string> = new Set(['ERR_NOT_MEMBER', 'ERR_INVITE_INVALID'])

export class CollectiveNetwork {
  private readonly c: CollectiveNetworkComponents
  private readonly log: Logger
  private timer?: NodeJS.Timeout
  private readonly onRecord = (e: RecordEvent): void => {
    this.publish(e.record, e.source)
    if (e.source === 'sync') this.spreadSoon(e.record.kind === 'charter' ? e.record.cid : e.record.collective)
  }
  /** collectives whose records came in by sync, reconciled with every peer once they go quiet */
  private readonly spreading = new Map<string, NodeJS.Timeout>()
  // the dialling side reconciles on connect; both sides starting at once would move every record twice
  private readonly onPeer = (peerId: string, { outbound }: { outbound: boolean }): void => { if (outbound) this.syncPeer(peerId) }
  /** sessions in flight by peer and scope, so concurrent triggers share one */
  private readonly syncing = new Map<string, Promise<unknown>>()
  /** collectives with a reconciliation scheduled after a membership change */
  private readonly soon = new Map<string, NodeJS.Timeout>()

  constructor (components: CollectiveNetworkComponents) {
    this.c = components
    this.log = components.logger.child({ component: 'collectives' })
  }

  start (syncIntervalMs: number): void {
    this.c.records.on('record', this.onRecord)
    this.c.peers.on('connected', this.onPeer)
    this.timer = setInterval(() => { this.syncAll() }, syncIntervalMs)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    for (const t of [...this.soon.values(), ...this.spreading.values()]) clearTimeout(t)
    this.soon.clear()
    this.spreading.clear()
    this.c.records.off('record', this.onRecord)
    this.c.peers.off('connected', this.onPeer)
    for (const id of this.c.joinedIds()) this.c.gossip?.leave(id)
  }

  /** Validate a collective's gossip through the one door; a record must name the topic's collective */
  subscribe (id: string): void {
    this.c.gossip?.join(id, async (message, from) => {
      // a private collective's work, licence or vote in the clear is refused and its sender charged (thrown, so the
      // gossip channel counts it under its code): honest nodes seal them, and taking one would store what a
      // non-member may have read on the topic
      if (this.c.traffic?.refusesClear(id, message) === true) {
        throw new UnsealedRecordError(`a record of private collective ${id} arrived on gossip unsealed; only charter, membership and key records travel in the clear`)
      }
      try {
        // a private collective's envelope opens only with an epoch key this node holds; without one, sync brings it
        const data = this.c.traffic == null ? message : this.c.traffic.incoming(id, message)
        if (data == null) return 'ignore'
        const outcome = await this.c.records.ingest(data, { source: 'gossip', scope: id, peer: from.toString() })
        return outcome.status === 'parked' ? 'ignore' : 'accept'
      } catch (err) {
        if (!isAtelierError(err)) return 'ignore'
        if (NOT_COUNTED.has(err.code)) return 'ignore'
        // bad input, or a record of another collective, is the sender's fault; anything else (busy, stopping) is ours
        return err.httpStatus >= 400 && err.httpStatus < 500 && err.httpStatus !== 424 ? 'reject' : 'ignore'
      }
    })
  }

  private publish (record: ValidRecord, source: RecordSource): void {
    const collective = record.kind === 'charter' ? record.cid : record.collective
    if (collective == null || !this.c.joined(collective) || !PUBLISHED_SOURCES.has(source)) return
    const data = this.c.traffic == null ? record.bytes : this.c.traffic.outgoing(collective, record)
    if (data == null) return
    this.c.gossip?.publish(collective, data).catch(err => {
      this.log.debug({ err, cid: record.cid }, 'gossip publish failed; sync will carry the record')
    })
  }

  /** Reconcile every joined collective with one peer */
  syncPeer (peerId: string): void {
    for (const id of this.c.joinedIds()) {
      this.syncOnce(peerId, id).catch(err => {
        this.log.debug({ peer: peerId, collective: id, err: err.message }, 'sync did not complete')
      })
    }
  }

  /**
   * Reconcile one collective with every connected peer soon: a membership change may let in records they hold that
   * this node could not count before. Changes that come in a burst (a join's history) share one round.
   */
  syncCollectiveSoon (id: string): void {
    if (this.soon.has(id)) return
    const timer = setTimeout(() => { this.soon.delete(id); this.syncCollective(id) }, MEMBERSHIP_SYNC_DELAY_MS)
    timer.unref()
    this.soon.set(id, timer)
  }

  /** Reconcile a collective with every connected peer once no record has come in by sync for SPREAD_QUIET_MS */
  private spreadSoon (id: string | undefined): void {
    if (id == null || !this.c.joined(id)) return
    clearTimeout(this.spreading.get(id))
    const timer = setTimeout(() => { this.spreading.delete(id); this.syncCollective(id) }, SPREAD_QUIET_MS)
    timer.unref()
    this.spreading.set(id, timer)
  }

  /** Reconcile one collective with every connected peer */
  syncCollective (id: string): void {
    for (const p of this.c.peers.list()) {
      if (!p.connected) continue
      this.syncOnce(p.peerId, id).catch(err => {
        this.log.debug({ peer: p.peerId, collective: id, err: err.message }, 'sync did not complete')
      })
    }
  }

  /**
   * Reconcile one collective with one peer; joins a session already running for the same pair, whichever side
   * started it: a session moves records both ways, and a second one beside the peer's would carry every record the
   * peer is sending us twice (a late joiner's whole history: measured 2.0× its bytes on the wire, bench/network.ts).
   * Resolves with the session's figures (undefined when the peer's session failed).
   */
  async syncOnce (peerId: string, id: string, options: { signal?: AbortSignal } = {}): Promise<unknown> {
    const key = `${peerId} ${id}`
    let running = this.syncing.get(key)
    if (running == null) {
      if (this.c.sync == null) return
      running = this.c.sync.serving?.(peerId, id) ?? this.c.sync.syncWith(peerId, id, options)
      running = running.finally(() => { this.syncing.delete(key) })
      this.syncing.set(key, running)
    }
    return await running
  }

  /** Periodic reconciliation: of each pair of peers only one side starts it (sync runs both ways), so rounds are not doubled */
  private syncAll (): void {
    for (const p of this.c.peers.list()) if (p.connected && this.c.localPeerId < p.peerId) this.syncPeer(p.peerId)
  }
}
