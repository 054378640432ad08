/**
 * What every scenario reports: convergence (first write to every node holding every record), gossip latency per
 * (record, node) from the add's return to the record being seen there, deliveries by gossip and by sync, bytes on
 * each node's interface per record, and peers connected per node.
 */
import type { LabNode } from './node.ts'
import type { LabHost } from './netns.ts'

export interface Measurements {
  nodes: number
  records: number
  convergenceMs: number
  /** first write's start to the last write's return: the part of convergence the sequential adds take themselves */
  writesMs: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** records ingested by gossip / by sync, summed over nodes, during the writes */
  byGossip: number
  bySync: number
  /** bytes sent + received per node per record (mean over nodes) */
  bytesPerNodePerRecord: number
  /** the records' own size (their signed JSON), mean bytes over the first five */
  recordBytes: number
  peersMean: number
  peersMax: number
  missing: number
}

export async function waitUntil (fn: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await fn().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

export interface MeasureOptions {
  /** added to each node's ingest counters at the end: what a restarted node counted before its restart (its counters start again at 0) */
  carried?: Array<{ gossip: number, sync: number }>
  /** when set, called once after the writes, before waiting for deliveries (a churn loop stops here) */
  afterWrites?: () => Promise<void>
}

const pct = (sorted: number[], p: number): number => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]

/** Write `count` records with `write(i)` (each returns its record CID and the index of the node that wrote it), then watch every node until it holds them all */
export async function measure (nodes: LabNode[], write: (i: number) => Promise<{ cid: string, writer: number }>, count: number, bytes: (h: LabHost) => { tx: number, rx: number }, deadlineMs = 300_000, options: MeasureOptions = {}): Promise<Measurements> {
  const before = await Promise.all(nodes.map(async n => await n.probe(['stats'])))
  const bytesBefore = nodes.map(n => bytes(n.host))
  const watches = nodes.map(n => n.watch(deadlineMs))
  // the probes start polling before the first write (a node process takes a moment to start)
  await new Promise(resolve => setTimeout(resolve, 2_000))
  const begun = Date.now()
  const written: Array<{ cid: string, at: number, writer: number }> = []
  for (let i = 0; i < count; i++) {
    const { cid, writer } = await write(i)
    written.push({ cid, at: Date.now(), writer })
    for (const w of watches) w.add(cid)
  }
  const writesMs = Date.now() - begun
  const cids = written.map(w => w.cid)
  await options.afterWrites?.()
  const seen: Array<Record<string, number>> = await Promise.all(watches.map(async w => await w.done()))
  const latencies: number[] = []
  let last = 0
  let missing = 0
  for (const [node, s] of seen.entries()) {
    for (const w of written) {
      const at = s[w.cid]
      if (at == null) { missing++; continue }
      // gossip latency: from the writer's add returning to the record being seen on another node
      if (node !== w.writer) latencies.push(Math.max(0, at - w.at))
      last = Math.max(last, at)
    }
  }
  latencies.sort((x, y) => x - y)
  const after = await Promise.all(nodes.map(async n => await n.probe(['stats'])))
  const bytesAfter = nodes.map(n => bytes(n.host))
  const traffic = bytesAfter.map((b, i) => (b.tx - bytesBefore[i].tx) + (b.rx - bytesBefore[i].rx))
  const sizes = await Promise.all(cids.slice(0, 5).map(async cid => Buffer.byteLength(JSON.stringify((await nodes[0].cli(['record', cid])).record))))
  return {
    nodes: nodes.length,
    records: count,
    convergenceMs: missing > 0 ? NaN : last - begun,
    writesMs,
    latencyP50Ms: pct(latencies, 0.5),
    latencyP99Ms: pct(latencies, 0.99),
    byGossip: after.reduce((n, s, i) => n + s.gossip + (options.carried?.[i]?.gossip ?? 0) - before[i].gossip, 0),
    bySync: after.reduce((n, s, i) => n + s.sync + (options.carried?.[i]?.sync ?? 0) - before[i].sync, 0),
    bytesPerNodePerRecord: traffic.reduce((x, y) => x + y, 0) / nodes.length / count,
    recordBytes: sizes.reduce((x: number, y: number) => x + y, 0) / sizes.length,
    peersMean: after.reduce((n, s) => n + s.peers, 0) / nodes.length,
    peersMax: Math.max(...after.map(s => s.peers)),
    missing
  }
}
