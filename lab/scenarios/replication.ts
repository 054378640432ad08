/**
 * Replication in the lab: N members (default 10) of a `--replication 3` collective write works; every work must end
 * held by exactly its 3 rendezvous holders (src/replication/holders.ts over the member dids; the writer's own `add`
 * pin is its upload, not a replica, and is reported apart). Then two holders of one work stop, and the time until
 * the next members in its rendezvous order hold it (3 live copies again) is measured against a stated bound:
 * replication.offlineMs + 2 × replication.intervalMs + 30 s to fetch (66 s with the lab's settings below).
 */
import { writeFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { holdersOf } from '../../src/replication/holders.ts'
import type { LabNode } from '../node.ts'
import { labScratch } from '../node.ts'
import { waitUntil } from '../measure.ts'
import { buildMesh, pool } from './mesh.ts'

export interface ReplicationOptions {
  size?: number
  /** works written. @default 6 */
  works?: number
  log: (line: string) => void
}

export interface ReplicationResult {
  nodes: number
  works: number
  copies: number
  /** every work held by exactly its k holders (replica pins), before any stop */
  exactBefore: boolean
  /** time from the writes to every work being held by its k holders */
  placedMs: number
  /** writer copies outside the holder set (uploads, not replicas) */
  writerExtra: number
  repinMs: number
  boundMs: number
}

const COPIES = 3
/**
 * The lab shortens the offline period (default 15 min) so a stop is noticed within a run. That is safe only while
 * every member stays connected to every other (a member known by its cards alone looks offline after 30 s), so the
 * lab keeps up to 16 member peers (p2p.memberPeers, default 8: with 10 members one would be unconnected)
 */
const REPLICATION = { offlineMs: 30_000, intervalMs: 3_000 }
const BOUND_MS = REPLICATION.offlineMs + 2 * REPLICATION.intervalMs + 30_000

export async function replicationScenario (nodes: LabNode[], options: ReplicationOptions): Promise<ReplicationResult> {
  const { log } = options
  const size = options.size ?? 10
  const mesh = await buildMesh(nodes, { size, log, createFlags: ['--replication', String(COPIES)], config: { replication: REPLICATION, p2p: { memberPeers: 16 } } })
  const { members, collective } = mesh
  const dids = await Promise.all(members.map(async m => (await m.cli(['id'])).did as string))
  const scratch = await labScratch()
  const works: Array<{ cid: string, writer: number }> = []
  try {
    await pool(Array.from({ length: options.works ?? 6 }, (_, i) => i), 2, async i => {
      const file = join(scratch, `work-${i}.txt`)
      await writeFile(file, `replicated work ${i} ${Date.now()}\n`.repeat(200))
      const writer = (i * 3) % size
      works.push({ cid: (await members[writer].cli(['add', file, '--title', `work ${i}`, '--collective', collective])).cid as string, writer })
    })
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
  const written = Date.now()
  /** which members (indices) hold each work, by any pin, and which by a replica pin */
  const holdings = async (live: number[]): Promise<Map<string, { any: Set<number>, replica: Set<number> }>> => {
    const out = new Map(works.map(w => [w.cid, { any: new Set<number>(), replica: new Set<number>() }]))
    await Promise.all(live.map(async i => {
      for (const p of await members[i].probe(['pins'], 30_000) as Array<{ cid: string, source?: string }>) {
        const h = out.get(p.cid)
        if (h == null) continue
        h.any.add(i)
        if (p.source === 'replication') h.replica.add(i)
      }
    }))
    return out
  }
  const expected = (cid: string, live: Set<number>): number[] => holdersOf(cid, dids, COPIES, did => live.has(dids.indexOf(did))).map(did => dids.indexOf(did))
  const all = new Set(members.map((_, i) => i))
  let exactBefore = false
  let writerExtra = 0
  let mismatch: string[] = []
  await waitUntil(async () => {
    const h = await holdings([...all])
    writerExtra = 0
    mismatch = []
    for (const w of works) {
      const want = expected(w.cid, all)
      const got = h.get(w.cid)!
      // a holder that wrote the work keeps its upload pin (source add) rather than a second, replica pin
      const holders = new Set([...got.replica, ...(want.includes(w.writer) && got.any.has(w.writer) ? [w.writer] : [])])
      if (!want.includes(w.writer)) writerExtra++
      if (holders.size !== COPIES || !want.every(i => holders.has(i))) mismatch.push(`${w.cid.slice(-8)}: want ${want.join(',')} replica ${[...got.replica].join(',')} any ${[...got.any].join(',')} writer ${w.writer}`)
    }
    exactBefore = mismatch.length === 0
    return exactBefore
  }, 240_000, `every work held by its ${COPIES} holders`).catch(err => { log(`${(err as Error).message}; ${mismatch.join('; ')}`) })
  const placedMs = Date.now() - written
  log(`${works.length} works ${exactBefore ? `each held by exactly its ${COPIES} holders` : 'NOT all placed'} ${placedMs} ms after the writes`)

  // stop two holders of the first work (not the founder, whose invites the mesh no longer needs but whose gateway the log uses)
  const target = works[0].cid
  const victims = expected(target, all).filter(i => i !== 0).slice(0, 2)
  const stoppedAt = Date.now()
  await Promise.all(victims.map(async i => { await members[i].stop() }))
  const live = new Set([...all].filter(i => !victims.includes(i)))
  const want = expected(target, live)
  log(`stopped holders ${victims.map(i => members[i].host.ip).join(', ')} of ${target}; its holders among the live: ${want.map(i => members[i].host.ip).join(', ')}`)
  let repinMs = NaN
  await waitUntil(async () => {
    const h = (await holdings([...live])).get(target)!
    return want.every(i => h.any.has(i))
  }, BOUND_MS + 60_000, `${target} re-pinned to ${COPIES} live holders`).then(() => { repinMs = Date.now() - stoppedAt }, err => { log((err as Error).message) })
  log(`re-pinned to ${COPIES} live holders ${repinMs} ms after the stop (bound ${BOUND_MS} ms)`)
  return { nodes: size, works: works.length, copies: COPIES, exactBefore, placedMs, writerExtra, repinMs, boundMs: BOUND_MS }
}

export function formatReplication (name: string, r: ReplicationResult): string {
  return `- \`${name}\`: ${r.nodes} members, --replication ${r.copies}, ${r.works} works: ${r.exactBefore ? `every work held by exactly its ${r.copies} rendezvous holders` : 'NOT every work held by exactly its holders'} ` +
    `${r.placedMs} ms after the writes (${r.writerExtra} works also kept by a writer outside the holders, as its upload); two holders of one work stopped → ` +
    `${r.copies} live holders again after ${Number.isFinite(r.repinMs) ? `${r.repinMs} ms` : 'n/a (not reached)'}, bound ${r.boundMs} ms (ratio ${(r.repinMs / r.boundMs).toFixed(2)})`
}
