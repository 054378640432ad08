/**
 * Prometheus metrics of one node (every name and sample queries: docs/metrics.md). Each node gets its own registry
 * (several nodes may share a test process).
 *
 * Naming follows Prometheus practice: `atelier_` prefix, base units in the name (`_seconds`, `_bytes`), counters
 * end in `_total`, gauges that are read at scrape time take their value from the node then (`collect`), so a
 * scrape always sees the current figure and nothing is sampled in between. Process and Node.js runtime metrics keep
 * prom-client's own names under the `atelier_` prefix (`atelier_process_cpu_seconds_total`, `atelier_nodejs_…`).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface NodeMetrics {
  registry: Registry
  recordsIngested: Counter<'source' | 'kind'>
  recordsDuplicate: Counter<'source'>
  recordsRejected: Counter<'source' | 'code'>
  contentAddedBytes: Counter
  httpRequests: Counter<'method' | 'route' | 'status'>
  httpDuration: Histogram<'method' | 'route'>
  sseClients: Gauge
  /** gossip messages that reached the validator, by collective-independent outcome */
  gossipReceived: Counter
  gossipAccepted: Counter
  gossipRejected: Counter<'reason'>
  gossipIgnored: Counter<'reason'>
  gossipPublished: Counter
  syncSessions: Counter<'role' | 'outcome'>
  syncRecordsReceived: Counter
  gcFreedBlocks: Counter
  gcFreedBytes: Counter
}

/** What the scrape-time gauges read from the node; each one absent is left out */
export interface MetricSources {
  defaultMetrics?: boolean
  recordCount?: () => Promise<number>
  /** distinct peers with an open connection */
  peersConnected?: () => number
  /** records held without being counted (the parking lot) */
  held?: () => { count: number, bytes: number }
  /** records validated and waiting for the next write batch */
  queueDepth?: () => number
  /** per joined collective: seconds since its last successful sync session (or since start, when none succeeded) */
  syncLag?: () => Array<{ collective: string, seconds: number }>
  /** the buffers the store lends to /ipfs bodies (src/store/buffer-pool.ts): out on loan, and free to lend */
  serveBuffers?: () => { lent: number, free: number }
  /** memory Node's own metrics do not see: the validation workers' V8 heaps, LevelDB's native memory per database */
  memory?: () => Promise<{ workers: Array<{ used: number, total: number }>, leveldb: Array<{ db: string, bytes: number }> }>
}

/** Build a registry with the node's metrics; `collect` gauges are read lazily at scrape time */
export function createMetrics (options: MetricSources = {}): NodeMetrics {
  const registry = new Registry()
  // prom-client's names already start with process_ / nodejs_: the prefix is ours alone (not atelier_process_process_…)
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'atelier_' })
  const registers = [registry]
  const { recordCount, peersConnected, held, queueDepth, syncLag, memory, serveBuffers } = options
  if (recordCount != null) {
    // eslint-disable-next-line no-new
    new Gauge({ name: 'atelier_records_indexed', help: 'Records the index counts', registers, async collect () { this.set(await recordCount()) } })
  }
  if (peersConnected != null) {
    // eslint-disable-next-line no-new
    new Gauge({ name: 'atelier_peers_connected', help: 'Peers with an open libp2p connection', registers, collect () { this.set(peersConnected()) } })
  }
  if (held != null) {
    // eslint-disable-next-line no-new
    new Gauge({ name: 'atelier_records_held', help: 'Records held without being counted (waiting for a dependency, or outside the collective view)', registers, collect () { this.set(held().count) } })
    // eslint-disable-next-line no-new
    new Gauge({ name: 'atelier_records_held_bytes', help: 'Bytes of the records held without being counted', registers, collect () { this.set(held().bytes) } })
  }
  if (queueDepth != null) {
    // eslint-disable-next-line no-new
    new Gauge({ name: 'atelier_ingest_queue_depth', help: 'Records validated and waiting to be written (bounded by ingest.queueLimit)', registers, collect () { this.set(queueDepth()) } })
  }
  if (serveBuffers != null) {
    // eslint-disable-next-line no-new
    new Gauge({
      name: 'atelier_serve_buffers',
      help: 'Buffers of 1 MiB the store lends to /ipfs bodies (bounded by store.serveBuffers): lent, or free to lend',
      labelNames: ['state'],
      registers,
      collect () {
        const { lent, free } = serveBuffers()
        this.set({ state: 'lent' }, lent)
        this.set({ state: 'free' }, free)
      }
    })
  }
  if (syncLag != null) {
    // eslint-disable-next-line no-new
    new Gauge({
      name: 'atelier_sync_lag_seconds',
      help: 'Per joined collective: seconds since its last successful history sync session (since the node started when none succeeded yet)',
      labelNames: ['collective'],
      registers,
      collect () {
        this.reset() // a collective left is not reported again
        for (const { collective, seconds } of syncLag()) this.set({ collective }, seconds)
      }
    })
  }
  if (memory != null) {
    // one read serves the three gauges of a scrape (a worker answers its heap figures by message)
    let pending: ReturnType<typeof memory> | undefined
    const read = async (): ReturnType<typeof memory> => {
      pending ??= memory().finally(() => { pending = undefined })
      return await pending
    }
    // eslint-disable-next-line no-new
    new Gauge({
      name: 'atelier_validation_worker_heap_size_total_bytes', help: 'V8 heap size of each record validation worker thread', labelNames: ['worker'], registers,
      async collect () { this.reset(); (await read()).workers.forEach((w, i) => { this.set({ worker: String(i) }, w.total) }) }
    })
    // eslint-disable-next-line no-new
    new Gauge({
      name: 'atelier_validation_worker_heap_size_used_bytes', help: 'V8 heap used by each record validation worker thread', labelNames: ['worker'], registers,
      async collect () { this.reset(); (await read()).workers.forEach((w, i) => { this.set({ worker: String(i) }, w.used) }) }
    })
    // eslint-disable-next-line no-new
    new Gauge({
      name: 'atelier_leveldb_memory_bytes', help: 'LevelDB\'s estimate of the native memory a database holds (memtables, block cache)', labelNames: ['db'], registers,
      async collect () { this.reset(); for (const { db, bytes } of (await read()).leveldb) this.set({ db }, bytes) }
    })
  }
  return {
    registry,
    recordsIngested: new Counter({ name: 'atelier_records_ingested_total', help: 'Records stored and counted', labelNames: ['source', 'kind'], registers }),
    recordsDuplicate: new Counter({ name: 'atelier_records_duplicate_total', help: 'Records received again', labelNames: ['source'], registers }),
    recordsRejected: new Counter({ name: 'atelier_records_rejected_total', help: 'Records refused by validation or admission', labelNames: ['source', 'code'], registers }),
    contentAddedBytes: new Counter({ name: 'atelier_content_added_bytes_total', help: 'Bytes of content added (uploads and CAR imports)', registers }),
    httpRequests: new Counter({ name: 'atelier_http_requests_total', help: 'HTTP requests served', labelNames: ['method', 'route', 'status'], registers }),
    httpDuration: new Histogram({ name: 'atelier_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'], registers, buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10] }),
    sseClients: new Gauge({ name: 'atelier_sse_clients', help: 'Open /v1/events streams', registers }),
    gossipReceived: new Counter({ name: 'atelier_gossip_messages_received_total', help: 'Gossip messages delivered to this node on a joined collective\'s topic', registers }),
    gossipAccepted: new Counter({ name: 'atelier_gossip_messages_accepted_total', help: 'Gossip messages accepted (and forwarded)', registers }),
    gossipRejected: new Counter({ name: 'atelier_gossip_messages_rejected_total', help: 'Gossip messages rejected (the sender loses score), by reason', labelNames: ['reason'], registers }),
    gossipIgnored: new Counter({ name: 'atelier_gossip_messages_ignored_total', help: 'Gossip messages ignored (not forwarded, no penalty), by reason', labelNames: ['reason'], registers }),
    gossipPublished: new Counter({ name: 'atelier_gossip_messages_published_total', help: 'Gossip messages this node published', registers }),
    syncSessions: new Counter({ name: 'atelier_sync_sessions_total', help: 'History sync sessions finished, by role and outcome (ok, failed)', labelNames: ['role', 'outcome'], registers }),
    syncRecordsReceived: new Counter({ name: 'atelier_sync_records_received_total', help: 'Records received by history sync', registers }),
    gcFreedBlocks: new Counter({ name: 'atelier_gc_freed_blocks_total', help: 'Block files deleted by garbage collection', registers }),
    gcFreedBytes: new Counter({ name: 'atelier_gc_freed_bytes_total', help: 'Bytes freed by garbage collection', registers })
  }
}
