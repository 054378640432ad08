/**
 * The node's side of the sync protocol: which record sets it offers (one per joined collective), their items as
 * (validFrom, CID digest) pairs, the record bytes peers ask for, and the one door for records peers send.
 *
 * Each collective's item list is loaded from the index once, then kept current from the record service's events;
 * the sorted snapshot sync works on is rebuilt only after the set changed, so repeated sessions reuse it.
 */
import { OPEN_KINDS } from './private-traffic.ts'
import type { Logger } from 'pino'
import type { AbortOptions } from '@libp2p/interface'
import { recordIdOf } from '../net/sync/items.ts'
import { SyncItemList } from '../net/sync/item-list.ts'
import { parseRecordTime } from '../records/time.ts'
import { recordCidFromDigest } from '../records/cid.ts'
import type { SyncItems } from '../net/sync/items.ts'
import type { IngestContext, IngestResult, SyncSource } from '../net/sync/index.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { RecordKind } from '../records/types.ts'
import type { RecordEvent, RecordService } from './record-service.ts'

/** Index page size while loading a collective's items */
const PAGE = 1000
/** Records `getRecords` reads at once: one index read, and at most 64 × 64 KiB (the largest record) held */
const READ_WINDOW = 64
/** The key of a record's validFrom as canonical JSON writes it, up to the value's opening quote */
const VALID_FROM_KEY = Buffer.from('"validFrom":"')
const QUOTE = 0x22
/** Longer than any RFC 3339 time a record may carry */
const MAX_TIME_TEXT = 64

interface ScopeItems {
  /** every record of the set, by the id inside its CID (flat arrays: no object per record) */
  list: SyncItemList
  snapshot?: SyncItems
  /** the CIDs of the open kinds (charter, membership, key): what a private collective offers non-members */
  open: Set<string>
  openSnapshot?: SyncItems
}

export interface NodeSyncSourceComponents {
  /** what the node counts, and the record bodies it serves (the index is the record store) */
  index: Pick<RecordIndexApi, 'query' | 'get' | 'bodies' | 'collectiveRecords'>
  records: () => RecordService
  /** the collectives this node takes part in */
  scopes: () => string[]
  logger: Logger
  /** whether `peer` may have every record of `scope` (private-traffic.ts); otherwise only the open kinds. @default all */
  servesAll?: (scope: string, peer: string | undefined) => boolean
}

export class NodeSyncSource implements SyncSource {
  private readonly c: NodeSyncSourceComponents
  private readonly log: Logger
  private readonly scopesItems = new Map<string, Promise<ScopeItems>>()

  constructor (components: NodeSyncSourceComponents) {
    this.c = components
    this.log = components.logger.child({ component: 'sync-source' })
  }

  /** Keep item lists current: call with every indexed record */
  readonly onRecord = ({ record }: RecordEvent): void => {
    const scope = record.kind === 'charter' ? record.cid : record.collective
    if (scope == null) return
    const loading = this.scopesItems.get(scope)
    if (loading == null) return
    void loading.then(s => {
      if (s.list.add(record.time, recordIdOf(record.cid))) {
        s.snapshot = undefined
        if (OPEN_KINDS.has(record.kind)) { s.open.add(record.cid); s.openSnapshot = undefined }
      }
    }).catch(() => {})
  }

  /** A retired record is no longer offered: call with every retirement */
  readonly onRetired = ({ record }: { record: RecordEvent['record'] }): void => {
    const scope = record.kind === 'charter' ? record.cid : record.collective
    if (scope == null) return
    const loading = this.scopesItems.get(scope)
    if (loading == null) return
    void loading.then(s => {
      if (s.list.delete(recordIdOf(record.cid))) s.snapshot = undefined
      if (s.open.delete(record.cid)) s.openSnapshot = undefined
    }).catch(() => {})
  }

  /** Forget every item list (the index was rebuilt); each is loaded again on its next session */
  reset (): void {
    this.scopesItems.clear()
  }

  scopes (): string[] { return this.c.scopes() }

  async items (scope: string, options: { peer?: string } = {}): Promise<SyncItems> {
    let loading = this.scopesItems.get(scope)
    if (loading == null) {
      loading = this.load(scope)
      this.scopesItems.set(scope, loading)
      const mine = loading
      // only this load's entry: a reset may have replaced it meanwhile
      loading.catch(() => { if (this.scopesItems.get(scope) === mine) this.scopesItems.delete(scope) })
    }
    const s = await loading
    if (this.c.servesAll != null && !this.c.servesAll(scope, options.peer)) {
      s.openSnapshot ??= s.list.toSyncItems([...s.open].map(cid => recordIdOf(cid)))
      return s.openSnapshot
    }
    s.snapshot ??= s.list.toSyncItems()
    return s.snapshot
  }

  private async load (scope: string): Promise<ScopeItems> {
    const list = new SyncItemList()
    const open = new Set<string>()
    // the charter is part of its collective's set, whether or not the index files it under the collective
    const charter = await this.c.index.get(scope)
    if (charter != null) { list.add(charter.time, recordIdOf(charter.cid)); open.add(charter.cid) }
    // every record from the index keys alone (no summary read: the first session after a start waited for 100,000
    // of them to be read and parsed); the few of the open kinds from the kind index, by a query per kind (a query
    // naming the collective too would walk the collective's records and read each summary)
    for await (const r of this.c.index.collectiveRecords(scope)) list.add(r.time, recordIdOf(r.cid))
    for (const kind of OPEN_KINDS) {
      let cursor: string | undefined
      do {
        const page = await this.c.index.query({ kind: kind as RecordKind, limit: PAGE, cursor, order: 'asc' })
        for (const s of page.items) if (s.collective === scope && list.has(recordIdOf(s.cid))) open.add(s.cid)
        cursor = page.cursor ?? undefined
      } while (cursor != null)
    }
    this.log.debug({ scope, items: list.size }, 'sync items loaded')
    return { list, open }
  }

  async * getRecords (cids: string[], options: AbortOptions = {}): AsyncIterable<Uint8Array> {
    // a window at a time, one LevelDB read for all of it: read one by one, each record cost a read call and a
    // snapshot of its own (a third of a serving holder's main thread)
    for (let i = 0; i < cids.length; i += READ_WINDOW) {
      options.signal?.throwIfAborted()
      const window = await this.c.index.bodies(cids.slice(i, i + READ_WINDOW))
      // a record retired since the snapshot is no longer counted, so no longer offered: skipped
      for (const bytes of window) if (bytes != null) yield bytes
    }
  }

  /** A record's item timestamp is its validFrom (as the index's `time`); undefined for bytes that are no record */
  timestampOf (bytes: Uint8Array): number | undefined {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    // Without parsing the record (a JSON.parse of every received record was 3 % of a catching-up node's main
    // thread): a record is canonical JSON, whose keys are sorted, and every top-level key sorting after `validFrom`
    // holds a string, so the last `"validFrom":"` in its bytes is its own (a quote inside a string is escaped, so
    // the pattern cannot come from a value). Bytes that are no canonical record may read otherwise: ingest refuses
    // them either way. Without the pattern, the full parse decides.
    const at = buf.lastIndexOf(VALID_FROM_KEY)
    if (at !== -1) {
      const start = at + VALID_FROM_KEY.byteLength
      const end = buf.indexOf(QUOTE, start)
      if (end === -1 || end - start > MAX_TIME_TEXT) return undefined
      try {
        return parseRecordTime(buf.toString('latin1', start, end), 'validFrom')
      } catch {
        return undefined
      }
    }
    try {
      // V8's JSON.parse does not recurse, so deep input cannot overflow the stack here; sync caps the size
      const validFrom = (JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as { validFrom?: unknown } | null)?.validFrom
      return typeof validFrom === 'string' ? parseRecordTime(validFrom, 'validFrom') : undefined
    } catch {
      return undefined
    }
  }

  async ingestMany (records: Array<{ bytes: Uint8Array, id: Uint8Array }>, context: Omit<IngestContext, 'id'>): Promise<IngestResult[]> {
    const peer = context.peer.toString()
    const outcomes = await this.c.records().ingestMany(records.map(r => ({ bytes: r.bytes, cid: recordCidFromDigest(r.id) })), {
      source: 'sync',
      signal: context.signal,
      scope: context.scope,
      peer
    })
    return outcomes.map(o => {
      if (!(o instanceof Error)) return o.status
      this.log.info({ peer, scope: context.scope, code: (o as { code?: string }).code, msg: o.message }, 'record from sync refused')
      return 'rejected'
    })
  }

  async ingest (bytes: Uint8Array, context: IngestContext): Promise<IngestResult> {
    try {
      const outcome = await this.c.records().ingest(bytes, {
        source: 'sync',
        signal: context.signal,
        scope: context.scope,
        peer: context.peer.toString(),
        ...(context.id != null ? { cid: recordCidFromDigest(context.id) } : {})
      })
      return outcome.status
    } catch (err: any) {
      this.log.info({ peer: context.peer.toString(), scope: context.scope, code: err.code, msg: err.message }, 'record from sync refused')
      return 'rejected'
    }
  }
}
