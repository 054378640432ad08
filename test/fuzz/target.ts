/**
 * The node under fuzz: a real `atelier daemon` process (so a crash is an exit, and its RSS is its own) with a
 * collective it founded, its creator key (to sign in-scope records that are valid), and the probes the suites
 * assert with: the index as a set of CIDs, the process's RSS, /healthz latency, ingest counters from /metrics.
 */
import { readFileSync } from 'node:fs'
import { TestDaemon } from '../e2e/harness.ts'
import { readIdentity } from '../../src/identity/index.ts'
import type { Signer } from '../../src/records/index.ts'

export interface FuzzTarget {
  d: TestDaemon
  signer: Signer
  collective: string
  /** the daemon's libp2p addresses (loopback) */
  addrs: string[]
  /** a content CID the node holds (for /ipfs requests with ranges) */
  content: string
  contentSize: number
  /** epoch ms of the collective's founding: records dated after it by its founder count */
  since: number
}

/** Start a daemon in a temp dir, found a collective, add a small file */
export async function startTarget (extra: string[] = []): Promise<FuzzTarget> {
  const d = await TestDaemon.create('atelier-fuzz-')
  await d.start(extra)
  const { signer } = await readIdentity(d.home)
  const since = Date.now() + 1_000
  const created = await d.api('/v1/collectives', { method: 'POST', json: { name: 'Fuzzed' } })
  if (created.status !== 201) throw new Error(`collective: ${created.status} ${JSON.stringify(created.body)}`)
  const addrs: string[] = (await d.api('/v1/node')).body.addresses
  const file = Buffer.from('0123456789'.repeat(1000))
  const res = await fetch(`${d.url}/v1/content`, { method: 'POST', body: file, headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' } })
  const added = await res.json() as { cid: string }
  // records dated up to 2 s after `since` must not be in the future when they arrive
  await new Promise(resolve => setTimeout(resolve, Math.max(0, since + 2_500 - Date.now())))
  return { d, signer, collective: created.body.id, addrs, content: added.cid, contentSize: file.length, since }
}

/** Every CID in the node's index (all kinds, all pages) */
export async function indexCids (d: TestDaemon): Promise<Set<string>> {
  const out = new Set<string>()
  let cursor: string | null = null
  for (let page = 0; page < 10_000; page++) {
    const q: string = `/v1/records?limit=500${cursor != null ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
    const r = await d.api(q)
    if (r.status !== 200) throw new Error(`listing the index: ${r.status} ${JSON.stringify(r.body)}`)
    for (const item of r.body.items as Array<{ cid: string }>) out.add(item.cid)
    cursor = r.body.cursor
    if (cursor == null) break
  }
  return out
}

/** Resident and peak resident memory of the daemon process, MiB (Linux /proc) */
export function rssOf (d: TestDaemon): { rss: number, peak: number } {
  const status = readFileSync(`/proc/${d.pid}/status`, 'utf8')
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

/** Milliseconds for one GET /healthz (throws unless it answers 200) */
export async function healthzMs (d: TestDaemon, timeoutMs = 5_000): Promise<number> {
  const started = performance.now()
  const res = await fetch(`${d.url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`healthz answered ${res.status}`)
  return performance.now() - started
}

/** Records the node ingested and rejected from `source`, by its /metrics counters */
export async function ingestCounters (d: TestDaemon, source: string): Promise<{ ingested: number, rejected: number }> {
  const text = await (await fetch(`${d.url}/metrics`)).text()
  let ingested = 0
  let rejected = 0
  for (const line of text.split('\n')) {
    if (!line.includes(`source="${source}"`)) continue
    const value = Number(line.slice(line.lastIndexOf(' ') + 1))
    if (line.startsWith('atelier_records_ingested_total')) ingested += value
    if (line.startsWith('atelier_records_rejected_total')) rejected += value
  }
  return { ingested, rejected }
}

/** Wait until `probe` gives the same value twice `quietMs` apart (bounded by `maxMs`); returns the last value */
export async function settle<T> (probe: () => Promise<T>, quietMs = 1_000, maxMs = 20_000): Promise<T> {
  const deadline = Date.now() + maxMs
  let last = JSON.stringify(await probe())
  for (;;) {
    await new Promise(resolve => setTimeout(resolve, quietMs))
    const value = await probe()
    const now = JSON.stringify(value)
    if (now === last || Date.now() > deadline) return value
    last = now
  }
}
