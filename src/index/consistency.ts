/**
 * Consistency checks of an index database against its own stored bodies, for the start-up reconciliation after a
 * crash (`checkBodies`, keys only) and `atelier doctor` (`compareWithRebuild`, every entry).
 *
 * A record's body and entries are written in one Level batch, so a crash cannot split them; these checks find what
 * a bug, a disk fault or a hand edit left, and prove the batch promise in the crash test.
 */
import { rm } from 'node:fs/promises'
import type { ValidRecord } from '../records/types.ts'
import { BATCH_RECORDS } from './constants.ts'
import { IndexGeneration } from './generation.ts'
import { SEP } from './keys.ts'
import { DERIVED_SUBLEVEL_NAMES } from './sublevels.ts'
import type { Sublevel, SublevelName, Sublevels } from './sublevels.ts'

/** CIDs kept per finding for the report (every one is counted) */
export const EXAMPLES = 20

/** A count and the first few of what it counts */
export interface Found { count: number, examples: string[] }

export interface BodyCheck {
  /** counted bodies (`body`) */
  bodies: number
  /** summaries: one per counted record */
  summaries: number
  /** held bodies (`held`: stored, not counted) */
  held: number
  /** the record count written in `meta` */
  metaCount: number | undefined
  /** counted bodies with no summary: stored but not indexed */
  bodiesWithoutEntries: Found
  /** summaries with no counted body: indexed but not stored */
  entriesWithoutBody: Found
  /** records both counted and held */
  countedAndHeld: Found
}

function found (limit = EXAMPLES): Found & { limit: number } { return { count: 0, examples: [], limit } }

function note (f: Found, what: string): void {
  f.count++
  if (f.examples.length < ((f as { limit?: number }).limit ?? EXAMPLES)) f.examples.push(what)
}

function plain (f: Found): Found { return { count: f.count, examples: f.examples } }

/**
 * The counted bodies against the summaries, by a merge of their keys (both are keyed by CID, in order), and the
 * held bodies against the counted ones. Reads keys only: about a second per million records (docs/durability.md).
 */
export async function checkBodies (subs: Sublevels, options: { onProgress?: (keys: number) => void, limit?: number } = {}): Promise<BodyCheck> {
  const onProgress = options.onProgress
  const out: BodyCheck = {
    bodies: 0,
    summaries: 0,
    held: 0,
    metaCount: undefined,
    bodiesWithoutEntries: found(options.limit),
    entriesWithoutBody: found(),
    countedAndHeld: found()
  }
  const count = await subs.meta.get('count')
  out.metaCount = count == null ? undefined : Number(count)
  await merge(subs.body, subs.summary, (body, summary) => {
    if (body != null) out.bodies++
    if (summary != null) out.summaries++
    if (body == null) note(out.entriesWithoutBody, summary as string)
    else if (summary == null) note(out.bodiesWithoutEntries, body)
    if ((out.bodies + out.summaries) % 10_000 === 0) onProgress?.(out.bodies + out.summaries)
  })
  let batch: string[] = []
  const flush = async (): Promise<void> => {
    const counted = await subs.body.hasMany(batch)
    batch.forEach((cid, i) => { if (counted[i]) note(out.countedAndHeld, cid) })
    batch = []
  }
  for await (const cid of subs.held.keys()) {
    out.held++
    batch.push(cid)
    if (batch.length >= BATCH_RECORDS) await flush()
  }
  if (batch.length > 0) await flush()
  return { ...out, bodiesWithoutEntries: plain(out.bodiesWithoutEntries), entriesWithoutBody: plain(out.entriesWithoutBody), countedAndHeld: plain(out.countedAndHeld) }
}

/** Walk the keys of two sublevels in order, calling `fn` with a key present in `a`, in `b` or in both */
async function merge (a: Sublevel, b: Sublevel, fn: (inA: string | undefined, inB: string | undefined) => void): Promise<void> {
  await mergeEntries(a, b, (key, inA, inB) => { fn(inA != null ? key : undefined, inB != null ? key : undefined) }, true)
}

export interface RebuildComparison {
  /** records the rebuild indexed (bodies that validate) */
  records: number
  /** the live index's record count (meta) */
  liveCount: number
  /** entries a rebuild writes that the live index lacks, as `sublevel key` */
  missing: Found
  /** entries the live index has that a rebuild does not write */
  extra: Found
  /** entries both have, with different values */
  differ: Found
  /** "has children" markers of records retired since: they only mean "look here" and every walk checks them, so
   * they are expected, not a problem (see generation.ts `removeBatch`) */
  staleMarkers: number
}

/** The sublevels a rebuild writes from the counted bodies: every derived one and the bodies themselves */
const COMPARED: SublevelName[] = [...DERIVED_SUBLEVEL_NAMES, 'body']

/**
 * Build an index of `records` (the live index's counted bodies, validated) in a scratch database at `scratch`,
 * then compare it with `live` entry by entry: equal means the live index is exactly what a rebuild would make.
 * The scratch database is removed afterwards.
 */
export async function compareWithRebuild (live: Sublevels, liveCount: number, records: AsyncIterable<ValidRecord>, scratch: string,
  onProgress?: (phase: 'build' | 'compare', n: number) => void): Promise<RebuildComparison> {
  await rm(scratch, { recursive: true, force: true })
  const gen = await IndexGeneration.open(scratch)
  try {
    let batch: ValidRecord[] = []
    let n = 0
    for await (const r of records) {
      batch.push(r)
      if (batch.length >= BATCH_RECORDS) {
        await gen.writeBatch(batch)
        n += batch.length
        onProgress?.('build', n)
        batch = []
      }
    }
    if (batch.length > 0) await gen.writeBatch(batch)
    const out: RebuildComparison = { records: gen.total, liveCount, missing: found(), extra: found(), differ: found(), staleMarkers: 0 }
    let compared = 0
    for (const name of COMPARED) {
      await mergeEntries(gen.subs[name], live[name], (key, rebuilt, current) => {
        if (++compared % 10_000 === 0) onProgress?.('compare', compared)
        if (rebuilt === current) return
        const where = `${name} ${key.replaceAll(SEP, ' ')}`
        if (current == null) note(out.missing, where)
        else if (rebuilt == null) {
          if (name === 'children' && key.split(SEP).length === 2 && current === '') out.staleMarkers++
          else note(out.extra, where)
        } else note(out.differ, where)
      })
    }
    return { ...out, missing: plain(out.missing), extra: plain(out.extra), differ: plain(out.differ) }
  } finally {
    await gen.close().catch(() => {})
    await rm(scratch, { recursive: true, force: true })
  }
}

/** Walk the entries of two sublevels in key order: `fn(key, valueInA, valueInB)` */
async function mergeEntries (a: Sublevel, b: Sublevel, fn: (key: string, inA: string | undefined, inB: string | undefined) => void,
  keysOnly = false): Promise<void> {
  // keys only: values read as '' (a body is a whole record; the key check need not read it)
  const open = (s: Sublevel): { next: () => Promise<[string, string] | undefined>, close: () => Promise<void> } => {
    if (keysOnly) {
      const it = s.keys()
      return { next: async () => { const k = await it.next(); return k == null ? undefined : [k, ''] }, close: async () => { await it.close() } }
    }
    const it = s.iterator()
    return { next: async () => (await it.next()) ?? undefined, close: async () => { await it.close() } }
  }
  const ia = open(a)
  const ib = open(b)
  const pull = async (it: typeof ia): Promise<[string, string] | undefined> => await it.next()
  try {
    let ea = await pull(ia)
    let eb = await pull(ib)
    while (ea != null || eb != null) {
      if (eb == null || (ea != null && ea[0] < eb[0])) {
        const [key, value] = ea as [string, string]
        fn(key, value, undefined)
        ea = await pull(ia)
      } else if (ea == null || eb[0] < ea[0]) {
        fn(eb[0], undefined, eb[1])
        eb = await pull(ib)
      } else {
        fn(ea[0], ea[1], eb[1])
        ea = await pull(ia)
        eb = await pull(ib)
      }
    }
  } finally {
    await ia.close()
    await ib.close()
  }
}
