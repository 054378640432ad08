/**
 * `atelier doctor`: check a stopped node's data dir, and with `fix` repair what can be repaired offline.
 *
 * Checks (each a `DoctorCheck`, `problems` counted, `fixed` with `fix`):
 * - `daemon`: no daemon runs on the data dir (its `api` file answers, or a database is locked): refused with
 *   DaemonRunningError; a stale `api` file is removed by `fix`;
 * - `index-schema`: the index opens with this release's schema;
 * - `bodies`: every counted body has index entries and every entry a body; the stored count equals the summaries
 *   (a record counted and held at once, which a crash between two writes leaves, is a note: the next start settles it);
 * - `rebuild`: the index equals, entry by entry, what a rebuild from the counted bodies writes (consistency.ts);
 * - `invalid-bodies`: every counted body still validates;
 * - `lot`: every held-record entry parses, its bytes (if any) hash to its CID, and an entry without bytes has a
 *   stored body; held bodies no entry names are reported (the next start judges them again);
 * - `temporary-files`: no `.…tmp` file in `blocks/` (a write a crash cut; removed by `fix`);
 * - `pins`: every block under every pin is stored (not fixable offline: fetch the content from a peer again).
 * Index problems are fixed by rebuilding the index in place from the stored bodies. The `running` marker of a run
 * that did not stop cleanly is reported as information, not a problem: the next start reconciles.
 */
import { access, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { LevelDatastore } from 'datastore-level'
import { AtelierError, NotFoundError } from '../errors.ts'
import { nativeCrypto } from '../identity/index.ts'
import { RecordIndex } from '../index/index.ts'
import type { Found, RebuildItem } from '../index/index.ts'
import { recordCidString, validateRecord } from '../records/index.ts'
import type { ValidRecord } from '../records/types.ts'
import { BLOCKS_DIR, DATASTORE_DIR, FastFsBlockstore } from '../store/index.ts'
import { checkPins } from '../store/pin-check.ts'
import { NodeState } from './state.ts'
import { RUNNING_FILE } from './reconcile.ts'
import type { ParkedRecord } from './parking.ts'

/** A daemon runs on the data dir: doctor works on a stopped node only */
export class DaemonRunningError extends AtelierError {
  readonly code = 'ERR_DAEMON_RUNNING'
  readonly httpStatus = 409
}

export interface DoctorCheck {
  name: 'daemon' | 'index-schema' | 'bodies' | 'rebuild' | 'invalid-bodies' | 'lot' | 'temporary-files' | 'pins'
  /** problems found */
  problems: number
  /** of those, repaired (with `fix`) */
  fixed: number
  /** one line: what was looked at and found */
  detail: string
  /** a few of the problems (CIDs, keys, files) */
  examples?: string[]
}

export interface DoctorReport {
  home: string
  /** no problem left: none found, or every one fixed */
  clean: boolean
  checks: DoctorCheck[]
  /** facts that are not problems (a run that did not stop cleanly, stale markers) */
  notes: string[]
  ms: number
}

export interface DoctorOptions {
  home: string
  fix?: boolean
  /** records.maxBytes, for validating bodies */
  maxRecordBytes: number
  /** long steps report here: what they do and how far they are */
  onProgress?: (label: string, done: number) => void
}

const INDEX_DIR = 'index'
const STATE_DIR = 'state'
/** How long a daemon named by the `api` file has to answer /healthz */
const HEALTH_TIMEOUT_MS = 1500

export async function runDoctor (options: DoctorOptions): Promise<DoctorReport> {
  const started = Date.now()
  const { home } = options
  const fix = options.fix === true
  const progress = options.onProgress ?? (() => {})
  const checks: DoctorCheck[] = []
  const notes: string[] = []
  await access(join(home, INDEX_DIR)).catch(() => { throw new NotFoundError(`no node data at ${home} (no index/ there): nothing to check`) })

  checks.push(await checkDaemon(home, fix))
  const running = await readFile(join(home, RUNNING_FILE), 'utf8').catch(() => undefined)
  if (running != null) notes.push(`the last run (${running.trim()}) did not stop cleanly; the next start reconciles the stores`)

  const index = new RecordIndex({ path: join(home, INDEX_DIR) })
  const state = new NodeState(join(home, STATE_DIR))
  const datastore = new LevelDatastore(join(home, DATASTORE_DIR))
  const blocks = new FastFsBlockstore(join(home, BLOCKS_DIR))
  try {
    let schemaOk = true
    try {
      await index.open()
    } catch (err: any) {
      if (isLocked(err)) throw inUse(home, err)
      if (err.name !== 'IndexSchemaError') throw err
      schemaOk = false
      checks.push({ name: 'index-schema', problems: 1, fixed: 0, detail: err.message })
    }
    try {
      await state.open()
      await datastore.open()
    } catch (err: any) {
      if (isLocked(err)) throw inUse(home, err)
      throw err
    }
    if (schemaOk) checks.push({ name: 'index-schema', problems: 0, fixed: 0, detail: 'the index has this release\'s schema' })

    const lotCheck = await checkLot(index, state, fix, schemaOk)
    let indexProblems = schemaOk ? 0 : 1
    if (schemaOk) {
      progress('checking bodies against index entries', 0)
      const b = await index.checkBodies({ onProgress: n => { progress('checking bodies against index entries', n) } })
      const countOff = b.metaCount !== b.summaries ? 1 : 0
      const bodyProblems = b.bodiesWithoutEntries.count + b.entriesWithoutBody.count + countOff
      // a crash between counting a held record and dropping its lot entry: the next start's sweep settles it
      if (b.countedAndHeld.count > 0) notes.push(`${b.countedAndHeld.count} records are counted and held at once (a crash between two writes); the next start judges them again`)
      indexProblems += bodyProblems
      checks.push({
        name: 'bodies',
        problems: bodyProblems,
        fixed: 0,
        detail: `${b.bodies} counted bodies, ${b.summaries} indexed, ${b.held} held; ${b.bodiesWithoutEntries.count} stored but not indexed, ` +
          `${b.entriesWithoutBody.count} indexed but not stored, stored count ${b.metaCount ?? 'missing'}`,
        examples: [...b.bodiesWithoutEntries.examples, ...b.entriesWithoutBody.examples].slice(0, 10)
      })
      const invalid: Found = { count: 0, examples: [] }
      const cmp = await index.compareWithRebuild(validBodies(index, options.maxRecordBytes, invalid),
        (phase, n) => { progress(phase === 'build' ? 'rebuilding beside to compare' : 'comparing entries', n) })
      const rebuildProblems = cmp.missing.count + cmp.extra.count + cmp.differ.count + (cmp.records !== cmp.liveCount ? 1 : 0)
      indexProblems += rebuildProblems
      checks.push({
        name: 'rebuild',
        problems: rebuildProblems,
        fixed: 0,
        detail: `a rebuild from the counted bodies indexes ${cmp.records} records (the index counts ${cmp.liveCount}): ${cmp.missing.count} entries missing, ` +
          `${cmp.extra.count} extra, ${cmp.differ.count} different`,
        examples: [...cmp.missing.examples, ...cmp.extra.examples, ...cmp.differ.examples].slice(0, 10)
      })
      if (cmp.staleMarkers > 0) notes.push(`${cmp.staleMarkers} "has children" markers of retired records (expected: walks check them)`)
      checks.push({ name: 'invalid-bodies', problems: invalid.count, fixed: 0, detail: `${invalid.count} counted bodies no longer validate (left out of a rebuild)`, examples: invalid.examples })
    }
    if (fix && indexProblems > 0) {
      progress('rebuilding the index in place', 0)
      await index.rebuild(validBodies(index, options.maxRecordBytes, { count: 0, examples: [] }))
      for (const c of checks) if (c.name === 'index-schema' || c.name === 'bodies' || c.name === 'rebuild') c.fixed = c.problems
    }
    checks.push(lotCheck)

    progress('looking for temporary block files', 0)
    const scan = await blocks.scan({ remove: fix })
    checks.push({
      name: 'temporary-files',
      problems: scan.temporary.length,
      fixed: fix ? scan.temporary.length : 0,
      detail: `${scan.temporary.length} temporary files in ${scan.shards} shard directories`,
      examples: scan.temporary.slice(0, 10)
    })

    let walked = 0
    const pins = await checkPins(datastore, blocks, () => { if (++walked % 1000 === 0) progress('walking pinned blocks', walked) })
    const missing = pins.incomplete.reduce((a, p) => a + p.missing, 0)
    checks.push({
      name: 'pins',
      problems: pins.incomplete.length + pins.unreadable.length,
      fixed: 0,
      detail: `${pins.pins} pins over ${pins.blocks} blocks; ${pins.incomplete.length} pins lack ${missing} blocks` +
        (pins.incomplete.length > 0 ? ' (not fixable offline: fetch or add the content again)' : ''),
      examples: [...pins.incomplete.map(p => `${p.root} lacks ${p.missing}`), ...pins.unreadable].slice(0, 10)
    })
  } finally {
    await index.close().catch(() => {})
    await state.db.close().catch(() => {})
    await datastore.close().catch(() => {})
  }
  const clean = checks.every(c => c.problems === c.fixed)
  return { home, clean, checks, notes, ms: Date.now() - started }
}

/** The daemon check: refuse when one answers; a stale `api` file is a problem `fix` removes */
async function checkDaemon (home: string, fix: boolean): Promise<DoctorCheck> {
  const apiFile = join(home, 'api')
  const text = await readFile(apiFile, 'utf8').catch(() => undefined)
  if (text == null) return { name: 'daemon', problems: 0, fixed: 0, detail: 'no daemon runs on this data dir' }
  const url = text.trim().replace(/\/+$/, '')
  const answered = /^https?:\/\/\S+$/.test(url) &&
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) }).then(r => r.ok, () => false)
  if (answered) throw new DaemonRunningError(`a daemon is running on ${home} (${url}): stop it first, doctor checks a stopped node`, { details: { url } })
  if (fix) await rm(apiFile, { force: true })
  return { name: 'daemon', problems: 1, fixed: fix ? 1 : 0, detail: `the api file names ${url}, which does not answer: left by a run that did not stop cleanly` }
}

/** The lot's entries (state/parked) and the held bodies they account for */
async function checkLot (index: RecordIndex, state: NodeState, fix: boolean, indexOpen: boolean): Promise<DoctorCheck> {
  let entries = 0
  const broken: string[] = []
  const bodiless: string[] = []
  const named = new Set<string>()
  for await (const [key, value] of state.parked.iterator()) {
    entries++
    const problem = lotEntryProblem(key, value)
    if (problem != null) { broken.push(`${key}: ${problem}`); continue }
    named.add(key)
    const entry = JSON.parse(value) as ParkedRecord
    if (entry.bytes == null && indexOpen && (await index.stored(key)) == null) bodiless.push(key)
  }
  let unaccounted = 0
  if (indexOpen) {
    for await (const body of index.storedBodies({ heldOnly: true })) if (!named.has(body.cid)) unaccounted++
  }
  if (fix && broken.length > 0) {
    // an entry that cannot be read holds nothing the node can use: the record comes again by sync if it matters
    await state.db.batch(broken.map(b => ({ type: 'del' as const, key: b.slice(0, b.indexOf(':')), sublevel: state.parked })))
  }
  return {
    name: 'lot',
    problems: broken.length + bodiless.length,
    fixed: fix ? broken.length : 0,
    detail: `${entries} held-record entries; ${broken.length} unreadable, ${bodiless.length} name a body that is not stored; ` +
      `${unaccounted} held bodies no entry names (the next start judges them again)`,
    examples: [...broken, ...bodiless].slice(0, 10)
  }
}

/** Why a lot entry is unusable, or undefined */
function lotEntryProblem (key: string, value: string): string | undefined {
  let e: any
  try { e = JSON.parse(value) } catch { return 'not JSON' }
  if (e == null || typeof e !== 'object' || e.cid !== key) return 'does not name its own CID'
  if (!Array.isArray(e.deps) || typeof e.status !== 'string' || typeof e.kind !== 'string') return 'lacks deps, status or kind'
  if (e.bytes != null) {
    if (typeof e.bytes !== 'string') return 'bytes are not base64 text'
    if (recordCidString(Buffer.from(e.bytes, 'base64'), nativeCrypto) !== key) return 'its bytes do not hash to its CID'
  }
  return undefined
}

/** Counted bodies validated again; the ones that fail are counted into `invalid` */
async function * validBodies (index: RecordIndex, maxBytes: number, invalid: Found): AsyncGenerator<ValidRecord & RebuildItem> {
  for await (const body of index.storedBodies()) {
    if (!body.counted) continue
    try {
      yield validateRecord(body.bytes, { crypto: nativeCrypto, maxBytes })
    } catch {
      invalid.count++
      if (invalid.examples.length < 10) invalid.examples.push(body.cid)
    }
  }
}

function isLocked (err: any): boolean {
  return err?.code === 'LEVEL_LOCKED' || err?.cause?.code === 'LEVEL_LOCKED'
}

function inUse (home: string, cause: unknown): DaemonRunningError {
  return new DaemonRunningError(`the data dir ${home} is in use by another process (a running daemon?): stop it first`, { cause, details: { reason: 'locked' } })
}
