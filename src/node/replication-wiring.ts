/**
 * Wiring of k-copy replication (src/replication): the replicator gets the joined collectives, their charters and
 * members, the collective's works from the index, the member cards (who runs which node), and the store's pins; it
 * learns liveness from connections, sync sessions and member cards, and runs a round after asset and membership
 * records. It also answers and asks `/atelier/holding/1.0.0` (src/replication/holding.ts): before a node removes a
 * copy it no longer has to hold, the work's holders say they hold it.
 */
import type { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import type { Libp2p } from '@libp2p/interface'
import type { ReplicationConfig } from '../config.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { CardDirectory } from '../net/members/index.ts'
import { Replicator } from '../replication/replicator.ts'
import { Holding } from '../replication/holding.ts'
import type { CollectiveService } from './collective-service.ts'
import type { RecordService } from './record-service.ts'

/** Page size of the index walk over a collective's assets */
const PAGE = 1000

export interface ReplicationWiring {
  self: string
  collectives: CollectiveService
  index: Pick<RecordIndexApi, 'query'>
  store: Pick<ContentStore, 'pin' | 'unpin' | 'pins'>
  cards: Pick<CardDirectory, 'of' | 'get'>
  libp2p: Pick<Libp2p, 'getConnections' | 'addEventListener' | 'removeEventListener' | 'handle' | 'unhandle'>
  records: Pick<RecordService, 'on' | 'off'>
  /** every finished sync session (the peer answered: it is alive) */
  syncSessions: Pick<EventEmitter<{ session: [{ peer: string }, Error | undefined] }>, 'on' | 'off'>
  clock: () => number
  logger: Logger
}

/** Build and start the replicator; returns it and its stop step */
export async function startReplication (w: ReplicationWiring, config: ReplicationConfig & { maxMemberCards?: number }): Promise<{ replicator: Replicator, stop: () => Promise<void> }> {
  const pinned = async (): Promise<Set<string>> => {
    const out = new Set<string>()
    for await (const p of w.store.pins()) out.add(p.cid)
    return out
  }
  const holding = new Holding({
    libp2p: w.libp2p,
    isMemberNode: async (collective, peerId) => {
      const card = w.cards.get(collective, peerId)
      return card != null && w.collectives.joinedIds().includes(collective) && (await w.collectives.isMember(collective, card.did, w.clock())) === true
    },
    pinned,
    logger: w.logger
  })
  await holding.start()
  const replicator = new Replicator({
    self: w.self,
    collectives: () => w.collectives.joinedIds(),
    facts: async (collective) => {
      const state = await w.collectives.directory.load(collective)
      if (state == null) return undefined
      const replication = state.charter.credential.credentialSubject.replication
      return { ...(replication != null ? { replication } : {}), members: state.membership.members(w.clock()) }
    },
    works: async function * (collective) {
      let cursor: string | undefined
      do {
        const page = await w.index.query({ collective, kind: 'asset', limit: PAGE, order: 'asc', ...(cursor != null ? { cursor } : {}) })
        for (const item of page.items) if (item.content != null) yield item.content
        cursor = page.cursor ?? undefined
      } while (cursor != null)
    },
    nodesOf: (collective, did) => w.cards.of(collective).filter(c => c.did === did).map(c => ({ peerId: c.peerId, issued: c.issued })),
    pin: async (cid, options) => { await w.store.pin(cid, { offline: false, source: 'replication', signal: options.signal }) },
    holds: async (collective, did, works) => await holding.ask(collective, w.cards.of(collective).filter(c => c.did === did).map(c => c.peerId), works),
    unpin: async (cid) => { await w.store.unpin(cid) },
    pins: () => w.store.pins(),
    clock: w.clock,
    logger: w.logger
  }, config)
  const markConnected = (): void => {
    const now = w.clock()
    for (const c of w.libp2p.getConnections()) replicator.liveness.seen(c.remotePeer.toString(), now)
  }
  // a peer seen up to its last moment: when it goes, its offline period starts then
  const onClose = (evt: CustomEvent<{ toString: () => string }>): void => { replicator.liveness.seen(evt.detail.toString(), w.clock()); replicator.poke() }
  const onOpen = (): void => { markConnected(); replicator.poke() }
  const onRecord = ({ record }: { record: { kind: string, collective?: string } }): void => {
    if (record.collective != null && (record.kind === 'asset' || record.kind === 'membership')) replicator.poke()
  }
  const tick = setInterval(markConnected, Math.max(1000, Math.floor(config.offlineMs / 4)))
  tick.unref()
  w.libp2p.addEventListener('peer:disconnect', onClose as any)
  w.libp2p.addEventListener('peer:connect', onOpen)
  w.records.on('record', onRecord)
  const onSession = (stats: { peer: string }, err: Error | undefined): void => { if (err == null) replicator.liveness.seen(stats.peer, w.clock()) }
  w.syncSessions.on('session', onSession)
  markConnected()
  replicator.start()
  replicator.poke()
  return {
    replicator,
    stop: async () => {
      clearInterval(tick)
      w.libp2p.removeEventListener('peer:disconnect', onClose as any)
      w.libp2p.removeEventListener('peer:connect', onOpen)
      w.records.off('record', onRecord)
      w.syncSessions.off('session', onSession)
      await replicator.stop()
      await holding.stop()
    }
  }
}
