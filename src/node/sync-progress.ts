/**
 * SyncProgress: how a collective's catch-up is going, for `GET /v1/collectives/<id>` (and `/sync`) and the progress
 * bar of `atelier join`: the sync sessions in flight for it (records and bytes received so far, live), and the last
 * one that finished. One entry per collective this node serves, so it is bounded by the collectives it joined.
 */
import type { SyncStats } from '../net/sync/index.ts'

export interface SyncSessionSummary {
  peer: string
  role: 'initiator' | 'responder'
  recordsReceived: number
  recordsAdded: number
  recordsParked: number
  recordsSent: number
  bytesReceived: number
  ms: number
}

export interface SyncProgressView {
  /** sessions in flight for the collective */
  active: number
  /** what the sessions in flight received so far */
  recordsReceived: number
  recordsAdded: number
  bytesReceived: number
  /** the last finished session, when one finished since start */
  last?: SyncSessionSummary & { at: string, error?: string }
}

function summary (s: SyncStats): SyncSessionSummary {
  return {
    peer: s.peer,
    role: s.role,
    recordsReceived: s.recordsReceived,
    recordsAdded: s.recordsAdded,
    recordsParked: s.recordsParked,
    recordsSent: s.recordsSent,
    bytesReceived: s.bytesReceived,
    ms: s.ms
  }
}

export class SyncProgress {
  private readonly active: () => SyncStats[]
  private readonly last = new Map<string, SyncProgressView['last']>()

  constructor (components: { active: () => SyncStats[] }) {
    this.active = components.active
  }

  /** Call with every finished session */
  readonly onSession = (stats: SyncStats, err?: Error): void => {
    this.last.set(stats.scope, { ...summary(stats), at: new Date().toISOString(), ...(err != null ? { error: err.message } : {}) })
  }

  /** Forget a collective this node left */
  forget (scope: string): void { this.last.delete(scope) }

  of (scope: string): SyncProgressView {
    const running = this.active().filter(s => s.scope === scope)
    const last = this.last.get(scope)
    return {
      active: running.length,
      recordsReceived: running.reduce((n, s) => n + s.recordsReceived, 0),
      recordsAdded: running.reduce((n, s) => n + s.recordsAdded, 0),
      bytesReceived: running.reduce((n, s) => n + s.bytesReceived, 0),
      ...(last != null ? { last } : {})
    }
  }
}
