/**
 * Partition: N members on the bridge (default 50; 40 % on side A, 60 % on side B, i.e. 20/30), split by an
 * nftables rule on the bridge that drops every frame between the sides; members on each side write, each side
 * converges on its own, then the rule goes and the time until every node holds the same digest is measured
 * (GET /v1/collectives/<id>/digest). Stated bound: two sync intervals plus 30 s for reconnecting
 * (2 × sync.intervalMs + 30 s = 90 s with the defaults); the scenario fails past it.
 */
import { writeFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { sh, PREFIX } from '../netns.ts'
import type { LabNode } from '../node.ts'
import { labScratch } from '../node.ts'
import { buildMesh, followDigests, pool, sameDigests } from './mesh.ts'

export interface PartitionOptions {
  size?: number
  /** records written on each side. @default 10 */
  recordsEach?: number
  log: (line: string) => void
}

export interface PartitionResult {
  nodes: number
  sideA: number
  sideB: number
  records: number
  buildMs: number
  /** the two sides' digests differed while split (the partition held) */
  splitHeld: boolean
  healMs: number
  boundMs: number
  count: number
}

const SYNC_INTERVAL_MS = 30_000
const BOUND_MS = 2 * SYNC_INTERVAL_MS + 30_000

/** The bridge namespace drops frames between the sides (bridge family: no br_netfilter needed) */
function split (a: string[], b: string[]): void {
  const set = (ips: string[]): string => `{ ${ips.join(', ')} }`
  sh('ip', ['netns', 'exec', `${PREFIX}inet`, 'nft', '-f', '-'], `
table bridge lab_partition {
  chain lab_split {
    type filter hook forward priority filter;
    ip saddr ${set(a)} ip daddr ${set(b)} drop
    ip saddr ${set(b)} ip daddr ${set(a)} drop
  }
}
`)
}
const heal = (): void => { sh('ip', ['netns', 'exec', `${PREFIX}inet`, 'nft', 'delete', 'table', 'bridge', 'lab_partition']) }

export async function partitionScenario (nodes: LabNode[], options: PartitionOptions): Promise<PartitionResult> {
  const { log } = options
  const size = options.size ?? 50
  const recordsEach = options.recordsEach ?? 10
  const began = Date.now()
  const mesh = await buildMesh(nodes, { size, log })
  const { members, collective } = mesh
  const buildMs = Date.now() - began
  const settle = followDigests(members, collective, 600_000)
  try {
    const settled = await sameDigests(settle, 120_000)
    if (settled == null) throw new Error('the mesh did not reach one digest within 120 s of the last join')
    log(`mesh settled: ${settled.count} records on every node`)
    const cut = Math.round(size * 0.4)
    const sideA = members.slice(0, cut)
    const sideB = members.slice(cut)
    split(sideA.map(m => m.host.ip), sideB.map(m => m.host.ip))
    log(`split ${sideA.length}/${sideB.length}`)
    const scratch = await labScratch()
    try {
      // writers spread over each side, two adds at a time per side
      const write = async (side: LabNode[], tag: string): Promise<void> => {
        await pool(Array.from({ length: recordsEach }, (_, i) => i), 2, async i => {
          const file = join(scratch, `${tag}-${i}.txt`)
          await writeFile(file, `partition ${tag} ${i} ${Date.now()}\n`)
          await side[(i * 7) % side.length].cli(['add', file, '--title', `${tag} ${i}`, '--collective', collective])
        })
      }
      await Promise.all([write(sideA, 'a'), write(sideB, 'b')])
    } finally {
      await rm(scratch, { recursive: true, force: true })
    }
    const expected = settled.count + 2 * recordsEach
    const [a, b] = await Promise.all([
      sameDigests(settle.slice(0, cut), 120_000, settled.count + recordsEach),
      sameDigests(settle.slice(cut), 120_000, settled.count + recordsEach)
    ])
    const splitHeld = a != null && b != null && a.digest !== b.digest && a.count < expected && b.count < expected
    log(`while split: side A ${a?.count ?? '?'} records, side B ${b?.count ?? '?'}; ${splitHeld ? 'digests differ' : 'THE SPLIT DID NOT HOLD'}`)
    const healedAt = Date.now()
    heal()
    log('healed')
    const same = await sameDigests(settle, BOUND_MS + 60_000, expected)
    const healMs = same == null ? NaN : Math.max(0, same.at - healedAt)
    log(same == null ? 'no common digest' : `every node holds the same ${same.count} records ${healMs} ms after the heal`)
    return { nodes: size, sideA: sideA.length, sideB: sideB.length, records: 2 * recordsEach, buildMs, splitHeld, healMs, boundMs: BOUND_MS, count: same?.count ?? 0 }
  } finally {
    await Promise.all(settle.map(async w => { await w.stop() }))
  }
}

export function formatPartition (name: string, r: PartitionResult): string {
  return `- \`${name}\`: ${r.nodes} nodes split ${r.sideA}/${r.sideB} (${r.splitHeld ? 'the sides diverged while split' : 'the split did NOT hold'}), ` +
    `${r.records} records written across the split; after the heal every node held the same digest over ${r.count} records in ` +
    `${Number.isFinite(r.healMs) ? `${r.healMs} ms` : 'n/a (not reached)'}, bound ${r.boundMs} ms (ratio ${(r.healMs / r.boundMs).toFixed(2)}); mesh built in ${r.buildMs} ms`
}
