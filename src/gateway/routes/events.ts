/**
 * GET /v1/events: server-sent events of records as they are indexed. A client that cannot keep up is
 * disconnected rather than buffered without limit; it can reconnect and page /v1/records?since=.
 */
import type { FastifyInstance } from 'fastify'
import type { RecordEvent } from '../../node/record-service.ts'
import type { GatewayComponents } from '../types.ts'
import type { UnattributedPair } from '../../similarity/index.ts'
import { alertJson } from './similarity.ts'

/** Keep-alive comment interval: proxies close idle streams */
const HEARTBEAT_MS = 15_000
/** Bytes queued for one slow client before it is dropped */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024

/** The SSE route */
export async function eventRoutes (app: FastifyInstance, components: GatewayComponents): Promise<void> {
  const open = new Set<import('node:http').ServerResponse>()
  // streams never end by themselves: end them so the server can close
  app.addHook('preClose', async () => { for (const raw of open) raw.end() })

  app.get('/v1/events', {
    schema: { tags: ['records'], summary: 'Server-sent events: one `record` event per record indexed; `governance` events for proposals, votes, receipts and outcomes at each close; an `alert` event when a later look-alike of one of this node\'s works arrives', produces: ['text/event-stream'] }
  }, async (request, res) => {
    res.hijack()
    const raw = res.raw
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no'
    })
    raw.write(': atelier events\n\n')
    components.metrics.sseClients.inc()
    open.add(raw)

    // what this request's caller may not see, judged now: the listeners run outside the request
    const hides = components.privateReads?.hidesNow() ?? (() => false)
    const stranger = components.privateReads?.strangerNow() ?? false
    const onRecord = ({ record, source }: RecordEvent): void => {
      if (hides(record)) return
      if (raw.writableLength > MAX_BUFFERED_BYTES) {
        request.log.warn('SSE client too slow; closing its stream')
        raw.destroy()
        return
      }
      const data = { cid: record.cid, kind: record.kind, author: record.author, time: new Date(record.time).toISOString(), collective: record.collective, source }
      raw.write(`event: record\nid: ${record.cid}\ndata: ${JSON.stringify(data)}\n\n`)
    }
    // governance: a proposal, a vote, a receipt taken in, and each proposal's outcome at its close
    const onGovernance = (event: { type: string, proposal: string }): void => {
      // a proposal names no collective here; a caller without the token gets none while private collectives exist
      if (stranger) return
      if (raw.writableLength > MAX_BUFFERED_BYTES) { raw.destroy(); return }
      raw.write(`event: governance\ndata: ${JSON.stringify(event)}\n\n`)
    }
    const heartbeat = setInterval(() => raw.write(': ping\n\n'), HEARTBEAT_MS)
    heartbeat.unref()
    // a later look-alike of one of this node's works (GET /v1/alerts lists them all)
    const onAlert = (pair: UnattributedPair): void => {
      if (stranger) return
      if (raw.writableLength > MAX_BUFFERED_BYTES) { raw.destroy(); return }
      raw.write(`event: alert\nid: ${pair.later}\ndata: ${JSON.stringify(alertJson(pair))}\n\n`)
    }
    components.records.on('record', onRecord)
    components.similarity?.on('alert', onAlert)
    components.governance?.on('governance', onGovernance)
    const cleanup = (): void => {
      clearInterval(heartbeat)
      components.records.off('record', onRecord)
      components.similarity?.off('alert', onAlert)
      components.governance?.off('governance', onGovernance)
      components.metrics.sseClients.dec()
      open.delete(raw)
    }
    raw.once('close', cleanup)
  })
}
