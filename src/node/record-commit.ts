/**
 * The record service's group commit steps (GroupCommit's `write` and `settle`): a batch's bodies and index entries
 * written in one Level batch, then its callers answered, its records announced, and what waited for them released.
 */
import type { Logger } from 'pino'
import type { Pending } from './group-commit.ts'
import type { RecordEvent, RecordServiceComponents, RecordSource } from './record-types.ts'
import { recordDependency } from './parking.ts'

/** Sources whose caller is told the record is stored (an HTTP answer, a record this node signed): their writes are
 * synced to disk before the answer when `ingest.syncAcknowledged` is on (docs/durability.md) */
export const ACKNOWLEDGED: ReadonlySet<RecordSource> = new Set(['local', 'http'])

/** What the steps need of the record service */
export interface CommitContext {
  components: Pick<RecordServiceComponents, 'index' | 'parking'>
  /** `ingest.syncAcknowledged` */
  syncAcknowledged: boolean
  log: Logger
  /** a record was stored and counted (the service's 'record' event) */
  counted: (event: RecordEvent) => void
  /** judge again the records held for a dependency */
  release: (dep: string) => Promise<void>
  /** releases started by committed batches, not awaited by the flush loop */
  releasing: Set<Promise<unknown>>
}

/** Write one batch: bodies and index entries in one Level batch; resolves to the CIDs it added */
export async function writeBatch (ctx: CommitContext, batch: Pending[][]): Promise<Set<string>> {
  const records = batch.map(entries => entries[0].record)
  // synced when someone is told the record is stored (or it leaves the lot, whose entry was synced for its 202)
  const sync = ctx.syncAcknowledged && batch.some(entries => entries.some(e => e.held || ACKNOWLEDGED.has(e.source)))
  try {
    return new Set(await ctx.components.index.put(records, { sync }))
  } catch (err: any) {
    ctx.log.error({ err, records: records.length }, 'failed to write a batch of records')
    throw err
  }
}

/** After a batch is written: held copies leave the lot, callers are answered, records announced, held ones released */
export async function settleBatch (ctx: CommitContext, batch: Pending[][], indexed: Set<string>): Promise<void> {
  const records = batch.map(entries => entries[0].record)
  // counted now: their lot entries go, only after the index holds them
  const held = batch.filter(entries => entries.some(e => e.held)).map(entries => entries[0].record.cid)
  if (held.length > 0) await ctx.components.parking?.drop(held)
  for (const entries of batch) {
    const first = entries[0]
    const added = indexed.has(first.record.cid)
    first.resolve({ cid: first.record.cid, status: added ? 'added' : 'duplicate', record: first.record })
    for (const dup of entries.slice(1)) dup.resolve({ cid: dup.record.cid, status: 'duplicate', record: dup.record })
    if (!added) continue
    ctx.log.debug({ cid: first.record.cid, kind: first.record.kind, source: first.source }, 'record indexed')
    ctx.counted({ record: first.record, source: first.source })
  }
  if (ctx.components.parking != null && ctx.components.parking.count > 0) {
    // not awaited: released records come back through ingest, whose batches this flush loop writes
    const fresh = records.filter(r => indexed.has(r.cid))
    const releasing = Promise.all(fresh.map(async r => { await ctx.release(recordDependency(r.cid)) })).catch(err => {
      ctx.log.error({ err }, 'failed to release parked records')
    })
    ctx.releasing.add(releasing)
    void releasing.finally(() => { ctx.releasing.delete(releasing) })
  }
}
