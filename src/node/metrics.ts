/**
 * Prometheus metrics of one node. Each node gets its own registry (several nodes may share a test process).
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
}

/** Build a registry with the node's metrics; `collect` gauges are read lazily at scrape time */
export function createMetrics (options: { defaultMetrics?: boolean, recordCount?: () => Promise<number> } = {}): NodeMetrics {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'atelier_process_' })
  const recordCount = options.recordCount
  if (recordCount != null) {
    // eslint-disable-next-line no-new
    new Gauge({
      name: 'atelier_records_indexed',
      help: 'Records held in the index',
      registers: [registry],
      async collect () { this.set(await recordCount()) }
    })
  }
  return {
    registry,
    recordsIngested: new Counter({ name: 'atelier_records_ingested_total', help: 'Records stored and indexed', labelNames: ['source', 'kind'], registers: [registry] }),
    recordsDuplicate: new Counter({ name: 'atelier_records_duplicate_total', help: 'Records received again', labelNames: ['source'], registers: [registry] }),
    recordsRejected: new Counter({ name: 'atelier_records_rejected_total', help: 'Records refused by validation', labelNames: ['source', 'code'], registers: [registry] }),
    contentAddedBytes: new Counter({ name: 'atelier_content_added_bytes_total', help: 'Bytes of content added', registers: [registry] }),
    httpRequests: new Counter({ name: 'atelier_http_requests_total', help: 'HTTP requests served', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpDuration: new Histogram({ name: 'atelier_http_request_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'], registers: [registry], buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10] }),
    sseClients: new Gauge({ name: 'atelier_sse_clients', help: 'Open /v1/events streams', registers: [registry] })
  }
}
