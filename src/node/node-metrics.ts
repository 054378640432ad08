/**
 * Feeding a node's metrics (metrics.ts) from its parts' events: gossip verdicts, sync sessions, gc runs. The
 * scrape-time gauges (peers, held records, queue depth, sync lag) read the parts directly and need nothing here.
 */
import type { EventEmitter } from 'node:events'
import type { GossipChannel } from '../net/gossip/index.ts'
import type { SyncStats } from '../net/sync/index.ts'
import type { NodeMetrics } from './metrics.ts'

/** Last successful sync per collective, for `atelier_sync_lag_seconds` */
export class SyncLag {
  readonly #started = Date.now()
  readonly #lastOk = new Map<string, number>()

  readonly onSession = (stats: SyncStats, err?: Error): void => {
    if (err == null) this.#lastOk.set(stats.scope, Date.now())
  }

  /** Seconds since the last successful session of each collective in `joined` (since start when none) */
  lag (joined: string[], now = Date.now()): Array<{ collective: string, seconds: number }> {
    return joined.map(collective => ({ collective, seconds: Math.max(0, (now - (this.#lastOk.get(collective) ?? this.#started)) / 1000) }))
  }
}

/** Count gossip verdicts and sync sessions into `metrics`; returns the function that stops counting */
export function observeNode (metrics: NodeMetrics, parts: {
  gossip: Pick<GossipChannel, 'on' | 'off' | 'stats'>
  syncSessions: EventEmitter<{ session: [SyncStats, Error | undefined] }>
}): () => void {
  const { gossip, syncSessions } = parts
  const received = (): void => { metrics.gossipReceived.inc() }
  const accepted = (): void => { metrics.gossipAccepted.inc() }
  const rejected = ({ reason }: { reason: string }): void => { metrics.gossipRejected.inc({ reason }) }
  const ignored = ({ reason }: { reason: string }): void => { metrics.gossipIgnored.inc({ reason }) }
  const session = (stats: SyncStats, err: Error | undefined): void => {
    metrics.syncSessions.inc({ role: stats.role, outcome: err == null ? 'ok' : 'failed' })
    metrics.syncRecordsReceived.inc(stats.recordsReceived)
  }
  gossip.on('received', received)
  gossip.on('accepted', accepted)
  gossip.on('rejected', rejected)
  gossip.on('ignored', ignored)
  syncSessions.on('session', session)
  // publishing has no event: the channel's own count is copied at scrape time
  let published = 0
  const copyPublished = (): void => {
    const now = gossip.stats().published
    if (now > published) metrics.gossipPublished.inc(now - published)
    published = now
  }
  const collect = metrics.registry.metrics.bind(metrics.registry)
  metrics.registry.metrics = async () => { copyPublished(); return await collect() }
  return () => {
    gossip.off('received', received)
    gossip.off('accepted', accepted)
    gossip.off('rejected', rejected)
    gossip.off('ignored', ignored)
    syncSessions.off('session', session)
    metrics.registry.metrics = collect
  }
}
