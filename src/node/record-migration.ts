/**
 * Record blocks of releases before index schema 4, moved into the record store, and stored records no index entry
 * or lot entry accounts for, judged again.
 *
 * Before schema 4 a record was written twice: a pinned block file, then its body in the index. From schema 4 on the
 * index database is the record store (src/index/sublevels.ts). At each start the node:
 * 1. `holdLegacyBlocks`: stores every record block not counted by the index as a held body (one batch per 512);
 * 2. (the caller upgrades or rebuilds the index, then starts the record service)
 * 3. `judgeUnaccounted`: passes every held body that no lot entry names (a block written before a crash and never
 *    indexed, a lot entry evicted) through the record service's door again, so it is counted, held or refused like
 *    any record that arrives;
 * 4. `removeLegacyBlocks`: once the index is synced to disk, unpins and deletes the record block files.
 * Each step is idempotent and nothing is deleted before its replacement is stored, so a crash anywhere is finished
 * by the next start. With no record blocks left, steps 1 and 4 read one pin list and do nothing.
 */
import type { Logger } from 'pino'
import type { ContentStore } from '../store/types.ts'
import type { RecordIndex } from '../index/index.ts'
import type { ParkingLot } from './parking.ts'
import type { RecordService } from './record-service.ts'

/** Bodies written per batch */
const BATCH = 512

export interface MigrationComponents {
  store: Pick<ContentStore, 'allRecords' | 'removeRecordBlocks'>
  index: RecordIndex
  logger: Logger
}

/** Step 1; works on an index open() refused (an older schema) as on an open one. Returns the blocks seen. */
export async function holdLegacyBlocks (c: MigrationComponents): Promise<{ blocks: number, held: number }> {
  let blocks = 0
  let held = 0
  let batch: Array<{ cid: string, bytes: Uint8Array }> = []
  const flush = async (): Promise<void> => {
    held += await c.index.hold(batch)
    batch = []
  }
  for await (const block of c.store.allRecords()) {
    blocks++
    batch.push(block)
    if (batch.length >= BATCH) await flush()
  }
  if (batch.length > 0) await flush()
  if (blocks > 0) c.logger.info({ blocks, held }, 'record blocks of an older release stored in the index')
  return { blocks, held }
}

/** Step 3: held bodies no lot entry names go through the door again. Returns what became of them. */
export async function judgeUnaccounted (c: MigrationComponents & { parking: ParkingLot, records: RecordService }): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {}
  // held bodies only: a start must not read every counted record
  for await (const body of c.index.storedBodies({ heldOnly: true })) {
    if (await c.parking.has(body.cid)) continue
    let outcome: string
    try {
      outcome = (await c.records.ingest(body.bytes, { source: 'import' })).status
    } catch (err: any) {
      outcome = `refused ${err.code ?? err.name}`
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
    // counted now (its put moved it out of `held`), or held with its bytes in the lot, or refused: the held body goes
    const entry = await c.parking.get(body.cid)
    if (entry == null || entry.bytes != null) await c.index.dropHeld([body.cid])
  }
  if (Object.keys(outcomes).length > 0) c.logger.info({ outcomes }, 'stored records no entry accounted for, judged again')
  return outcomes
}

/** Step 4: the record block files go, once the index holding their bodies is on disk */
export async function removeLegacyBlocks (c: MigrationComponents): Promise<number> {
  let cids: string[] = []
  let removed = 0
  for await (const block of c.store.allRecords()) {
    cids.push(block.cid)
    if (cids.length >= BATCH) { removed += await removeSynced(c, cids); cids = [] }
  }
  if (cids.length > 0) removed += await removeSynced(c, cids)
  if (removed > 0) c.logger.info({ removed }, 'record block files removed: the index stores every record')
  return removed
}

async function removeSynced (c: MigrationComponents, cids: string[]): Promise<number> {
  // every block's body is stored in the index by now (step 1) or was refused for good (step 3): sync, then delete
  await c.index.sync()
  await c.store.removeRecordBlocks(cids)
  return cids.length
}
