/**
 * Churn with loss: N members on the bridge, 1 % of the packets leaving every host dropped (nftables numgen), one
 * member (never the founder, nor the one writing) restarted every 10 s while members write records one after
 * another; when the writes end the restarts stop, and every record must reach every node (all live again by then).
 * Measured as the relay scenario: convergence, gossip latency (a restarted node's wait counts), deliveries by gossip
 * and by sync (counters carried over each restart), bytes per node per record, peers per node.
 * With `latency` (the lossy-mesh scenario) the hosts sit behind the routed lab internet and its userspace delay line
 * (per-pair RTT, loss by the line instead of nftables; lab/delay.ts, docs/networks.md).
 */
import { writeFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { LabNode } from '../node.ts'
import { labScratch } from '../node.ts'
import { measure } from '../measure.ts'
import type { Measurements } from '../measure.ts'
import { buildMesh, LAB_HTTP, listenOn } from './mesh.ts'
import type { Mesh } from './mesh.ts'
import { pairRttMs } from '../delay.ts'
import type { DelayStats, Latency } from '../delay.ts'

export interface ChurnOptions {
  size?: number
  /** records written. @default 20 */
  records?: number
  /** @default 10000 */
  restartEveryMs?: number
  lossPercent?: number
  /** per-pair latency (and loss, replacing lossPercent) by the delay line */
  latency?: Latency
  log: (line: string) => void
}

export interface ChurnResult extends Measurements {
  restarts: number
  /** mean time from a stop to the daemon answering again: the real cadence when a start takes longer than 10 s */
  restartMeanMs: number
  lossPercent: number
  buildMs: number
  latency?: Latency
  linkChecks?: Mesh['linkChecks']
  /** the delay line's counters at the end of the run */
  delay?: DelayStats
  /** median of the configured one-way delays over all member pairs */
  medianOneWayMs?: number
}

export async function churnScenario (nodes: LabNode[], options: ChurnOptions): Promise<ChurnResult> {
  const { log } = options
  const size = options.size ?? 50
  const lossPercent = options.latency?.lossPercent ?? options.lossPercent ?? 1
  const every = options.restartEveryMs ?? 10_000
  const began = Date.now()
  const mesh = await buildMesh(nodes, { size, log, lossPercent, latency: options.latency })
  const { members, collective } = mesh
  const buildMs = Date.now() - began
  const carried = members.map(() => ({ gossip: 0, sync: 0 }))
  let writing = true
  let writer = -1
  /** the member being restarted: not a writer until its daemon answers again */
  let restarting = -1
  let restarts = 0
  let restartTotalMs = 0
  const churn = (async () => {
    let next = 1
    while (writing) {
      const started = Date.now()
      if (next === writer) next = 1 + (next % (size - 1))
      const m = members[next]
      const i = next
      next = 1 + (next % (size - 1))
      restarting = i
      try {
        const s = await m.probe(['stats'], 120_000)
        carried[i].gossip += s.gossip
        carried[i].sync += s.sync
        await m.stop()
        await m.start(listenOn(m.host), LAB_HTTP)
        restarts++
        restartTotalMs += Date.now() - started
        log(`restarted ${m.host.ip} in ${Date.now() - started} ms`)
      } catch (err) {
        log(`restart of ${m.host.ip} failed: ${(err as Error).message.slice(0, 200)}`)
        if (!m.running) await m.start(listenOn(m.host), LAB_HTTP)
      } finally {
        restarting = -1
      }
      await new Promise(resolve => setTimeout(resolve, Math.max(0, every - (Date.now() - started))))
    }
  })()
  const scratch = await labScratch()
  try {
    const count = options.records ?? 20
    const result = await measure(members, async (i) => {
      // a writer the churn loop is not restarting
      let w = (i * 7) % size
      while (w === restarting || !members[w].running) w = (w + 1) % size
      writer = w
      const file = join(scratch, `work-${i}.txt`)
      await writeFile(file, `churn work ${i} ${Date.now()}\n`)
      const cid = (await members[w].cli(['add', file, '--title', `work ${i}`, '--collective', collective])).record as string
      writer = -1
      return { cid, writer: w }
    }, count, mesh.bytes, 1_200_000, {
      carried,
      afterWrites: async () => { writing = false; await churn }
    })
    const delay = await mesh.delayLine?.stats()
    const latency = options.latency
    const oneWay = latency == null ? [] : mesh.hosts.flatMap((a, i) => mesh.hosts.slice(i + 1).map(b => pairRttMs(a.ip, b.ip, latency) / 2)).sort((x, y) => x - y)
    const medianOneWayMs = oneWay.length > 0 ? oneWay[Math.floor(oneWay.length / 2)] : undefined
    return { ...result, restarts, restartMeanMs: restarts > 0 ? restartTotalMs / restarts : NaN, lossPercent, buildMs, latency, linkChecks: mesh.linkChecks, delay, medianOneWayMs }
  } finally {
    writing = false
    await churn.catch(() => {})
    await rm(scratch, { recursive: true, force: true })
  }
}

export function formatChurn (name: string, r: ChurnResult): string {
  const f = (v: number, d = 0): string => Number.isFinite(v) ? v.toFixed(d) : 'n/a'
  const where = r.latency != null ? 'each way on every path (the delay line)' : 'on every host'
  return `- \`${name}\`: ${r.nodes} nodes, ${r.lossPercent} % loss ${where}, ${r.restarts} restarts during the writes (one every 10 s or, when a restart takes longer, one after another: mean ${f(r.restartMeanMs)} ms each), ${r.records} records; ` +
    `convergence ${f(r.convergenceMs)} ms; gossip latency p50 ${f(r.latencyP50Ms)} ms, p99 ${f(r.latencyP99Ms)} ms; deliveries by gossip ${r.byGossip}, ` +
    `repaired by sync ${r.bySync}, missing ${r.missing}; ${f(r.bytesPerNodePerRecord)} bytes per node per record against ${f(r.recordBytes)} bytes of record ` +
    `(ratio ${f(r.bytesPerNodePerRecord / r.recordBytes, 1)}x); peers per node mean ${f(r.peersMean, 1)}, max ${r.peersMax}; mesh built in ${r.buildMs} ms` +
    `; the ${r.records} sequential adds themselves took ${f(r.writesMs)} ms (convergence / writes ${f(r.convergenceMs / r.writesMs, 2)})` +
    (r.latency != null ? formatLatency(r) : '')
}

/** The delay line's settings, its self-check and its counters (the lossy-mesh scenario) */
function formatLatency (r: ChurnResult): string {
  const l = r.latency as Latency
  const f = (v: number, d = 0): string => Number.isFinite(v) ? v.toFixed(d) : 'n/a'
  const checks = (r.linkChecks ?? []).map(c => `${c.from}→${c.to} configured ${c.configuredRttMs} ms, measured ${f(c.rttMedianMs, 1)} ms, UDP ${c.sent - c.received}/${c.sent} lost, ${c.outOfOrder} reordered`).join('; ')
  const d = r.delay
  return `; delay line: per-pair RTT ${l.minRttMs}–${l.maxRttMs} ms (seed ${l.seed}; median one-way over all pairs ${f(r.medianOneWayMs ?? NaN)} ms, the floor of a one-hop delivery), ${l.lossPercent} % loss each direction; ` +
    `self-check ${checks}` +
    (d != null ? `; over the run it forwarded ${d.forwarded} packets and dropped ${d.dropped} (${f(100 * d.dropped / (d.forwarded + d.dropped), 2)} %), queue overflows ${d.overflow}; ${d.late10} packets (${f(100 * d.late10 / d.forwarded, 2)} %) released more than 10 ms late, ${d.late50} more than 50 ms, the latest ${f(d.lateMaxMs)} ms; the line used ${f(d.cpuSeconds, 1)} s of CPU${d.realtime ? ' at real-time priority' : ''}` : '')
}
