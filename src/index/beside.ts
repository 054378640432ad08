/**
 * The pieces of `RecordIndex.rebuildBeside()` that need none of the index's own state: the database being built
 * and the queue of writes into it, and a timer for the steps of the swap.
 */
import type { ValidRecord } from '../records/types.ts'
import { BATCH_RECORDS } from './constants.ts'
import type { IndexGeneration } from './generation.ts'

/** A database being built beside the live one */
export interface Build {
  gen: IndexGeneration
  /** tail of the writes into `gen` (the build's own batches and copies of live writes), one at a time */
  writes: Promise<void>
  /** records queued in `writes` and not yet written */
  backlog: number
  /** the first write into `gen` that failed; the rebuild then fails, the live index is untouched */
  error?: Error
}

/** Queue `records` to be written into the database being built; resolves once they are (a failure goes to
 * `build.error`, never to the caller: a live write must not fail because the rebuild beside it did) */
export function copyInto (build: Build, records: ValidRecord[]): Promise<void> {
  return queueInto(build, records, async part => { await build.gen.writeBatch(part) })
}

/** Queue held bodies to be stored in the database being built (a record counted there is left counted) */
export function holdInto (build: Build, items: Array<{ cid: string, bytes: Uint8Array }>): Promise<void> {
  return queueInto(build, items, async part => { await build.gen.holdBatch(part) })
}

/** Write `items` into the build, BATCH_RECORDS at a time, after what was queued before */
function queueInto<T> (build: Build, items: T[], write: (part: T[]) => Promise<void>): Promise<void> {
  build.backlog += items.length
  build.writes = build.writes.then(async () => {
    if (build.error != null) return
    for (let i = 0; i < items.length; i += BATCH_RECORDS) await write(items.slice(i, i + BATCH_RECORDS))
  }).catch((err: Error) => { build.error ??= err }).finally(() => { build.backlog -= items.length })
  return build.writes
}

/** Milliseconds between marks, to log where a swap spends its time */
export function stepTimer (): { ms: Record<string, number>, mark: (step: string) => void, total: () => number } {
  const ms: Record<string, number> = {}
  const start = performance.now()
  let last = start
  return {
    ms,
    mark (step) {
      const now = performance.now()
      ms[step] = Math.round((now - last) * 10) / 10
      last = now
    },
    total: () => performance.now() - start
  }
}
