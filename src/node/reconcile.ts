/**
 * Start-up reconciliation after a crash (docs/durability.md).
 *
 * The node writes `<home>/running` (fsynced) when it starts and removes it once every part stopped cleanly, so a
 * start that finds the file follows a crash, a kill -9 or a power cut. Only then does it walk the stores, since the
 * walk costs time in proportion to what they hold:
 * - temporary block files (`.…tmp`, a write cut before its rename) are removed;
 * - counted record bodies are checked against their index entries by a merge of keys (one Level batch writes both,
 *   so a crash cannot split them: this finds a fault, not a crash); a body with no entries goes through the door
 *   again (`import`), entries with no body are reported (`atelier doctor --fix` rebuilds the index);
 * - every pin's root block is looked for (a full walk of each pin's blocks is `atelier doctor`'s job).
 * Held bodies no lot entry accounts for are judged at every start anyway (record-migration.ts `judgeUnaccounted`).
 */
import { open, readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import type { Found, RecordIndex } from '../index/index.ts'
import type { NodeBlockstore } from '../store/index.ts'
import type { RecordService } from './record-service.ts'

/** The file that says a node runs (or crashed) on this data dir */
export const RUNNING_FILE = 'running'

/** What a start after a crash found and did */
export interface Reconciliation {
  /** temporary block files removed */
  temporaryFiles: number
  /** counted bodies that had no index entries, taken in again (how many were counted, held or refused) */
  reindexed: Record<string, number>
  /** index entries whose body is missing: not fixable at start (`atelier doctor --fix`) */
  entriesWithoutBody: Found
  /** pins whose root block is missing */
  pinsWithoutRoot: Found
  /** how long the walk took */
  ms: number
}

/**
 * Record that a node runs on `home`; returns what the file held when the last run did not stop cleanly (its pid
 * and start time), undefined after a clean stop or on a new data dir. The file is fsynced, with its directory, so
 * a power cut cannot lose it.
 */
export async function markRunning (home: string): Promise<string | undefined> {
  const path = join(home, RUNNING_FILE)
  const before = await readFile(path, 'utf8').catch((err: any) => { if (err.code === 'ENOENT') return undefined; throw err })
  const fh = await open(path, 'w')
  try {
    await fh.writeFile(`${process.pid} ${new Date().toISOString()}\n`)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await syncDir(dirname(path))
  return before == null ? undefined : (before.trim() === '' ? 'unknown' : before.trim())
}

/** Record a clean stop: the next start skips the reconciliation */
export async function markStopped (home: string): Promise<void> {
  await rm(join(home, RUNNING_FILE), { force: true })
  await syncDir(home)
}

async function syncDir (dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try { await fh.sync() } finally { await fh.close() }
}

export interface ReconcileComponents {
  blocks: Pick<NodeBlockstore, 'removeTemporary' | 'has'>
  index: Pick<RecordIndex, 'checkBodies' | 'stored'>
  records: Pick<RecordService, 'ingest'>
  /** the roots of every pin */
  pins: () => AsyncIterable<CID>
  logger: Logger
}

/** The walk after a crash; see the file comment */
export async function reconcileAfterCrash (c: ReconcileComponents): Promise<Reconciliation> {
  const started = Date.now()
  const temporaryFiles = await c.blocks.removeTemporary()
  // every body without entries is kept (bounded by what the store holds), since each is taken in again
  const check = await c.index.checkBodies({ limit: Number.MAX_SAFE_INTEGER })
  const reindexed: Record<string, number> = {}
  for (const cid of check.bodiesWithoutEntries.examples) {
    const bytes = await c.index.stored(cid)
    if (bytes == null) continue
    let outcome: string
    try {
      outcome = (await c.records.ingest(bytes, { source: 'import' })).status
    } catch (err: any) {
      outcome = `refused ${err.code ?? err.name}`
    }
    reindexed[outcome] = (reindexed[outcome] ?? 0) + 1
  }
  const pinsWithoutRoot: Found = { count: 0, examples: [] }
  for await (const root of c.pins()) {
    if (await c.blocks.has(root)) continue
    pinsWithoutRoot.count++
    if (pinsWithoutRoot.examples.length < 20) pinsWithoutRoot.examples.push(root.toString())
  }
  const out: Reconciliation = { temporaryFiles, reindexed, entriesWithoutBody: check.entriesWithoutBody, pinsWithoutRoot, ms: Date.now() - started }
  const problems = check.bodiesWithoutEntries.count + check.entriesWithoutBody.count + pinsWithoutRoot.count
  const level = check.entriesWithoutBody.count + pinsWithoutRoot.count > 0 ? 'warn' : 'info'
  c.logger[level]({
    temporaryFiles,
    bodies: check.bodies,
    bodiesWithoutEntries: check.bodiesWithoutEntries.count,
    reindexed,
    entriesWithoutBody: check.entriesWithoutBody.count,
    pinsWithoutRoot: pinsWithoutRoot.count,
    ms: out.ms,
    ...(problems > 0 ? { examples: [...check.entriesWithoutBody.examples, ...pinsWithoutRoot.examples].slice(0, 5) } : {})
  }, check.entriesWithoutBody.count + pinsWithoutRoot.count > 0
    ? 'the last run did not stop cleanly; reconciled the stores, and some problems need `atelier doctor --fix` on the stopped node'
    : 'the last run did not stop cleanly; reconciled the stores')
  return out
}
