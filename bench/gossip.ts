/**
 * Gossip benchmark: 10 node PROCESSES on 127.0.0.1, each a libp2p node with src/net/gossip, validating every message
 * with validateRecord and native crypto, in a sparse mesh (each node dials 3 others: the next one in a ring, so the
 * graph is connected, and 2 more). Several nodes publish signed records at 200 records/s in total for 15 s; every
 * node notes when each record passed its validator. Publish and receive times are read from the same machine clock
 * (`performance.timeOrigin + performance.now()`), so latency is receive time − publish time.
 *
 * The first 5 s of publishing warm the nodes up and are not measured (see WARM_UP_SECONDS).
 *
 * Then floods, once with libp2p's default connection monitor and once with ours (src/net/libp2p-config.ts
 * CONNECTION_MONITOR), counting what never arrives: 2,000 records published as fast as the publishers can across the
 * 10 processes, and 10,000 records with the 10 nodes in one process, whose single swamped event loop delays pings
 * the way the design notes measured.
 *
 *   node bench/gossip.ts [--quick] [--no-flood] [--flood N] [--in-process-flood N] [--rate N] [--nodes N] [--seconds N]
 *
 * The same file is the child process (run with --gossip-child); the parent drives it over IPC.
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'

const CHILD_FLAG = '--gossip-child'
/**
 * Seconds of publishing at the measured rate before measuring. The first seconds of traffic compile the record
 * schemas and tier up the JIT in ten processes at once, on the same cores; measured from the first message, p99 is a
 * few hundred ms for that reason alone, then it settles.
 */
const WARM_UP_SECONDS = 5
const LOOPBACK = ['/ip4/127.0.0.1/tcp/0']
/** Seconds the mesh stays up with nothing published, to measure a node's fixed CPU cost */
const IDLE_SECONDS = 5
/** Message size of the transport-floor stream: about one gossiped attestation (927 bytes on average) */
const RECORD_BYTES_FOR_FLOOR = 930

export interface GossipBenchOptions {
  /** node processes. @default 10 */
  nodes?: number
  /** connections each node dials. @default 3 */
  dials?: number
  /** nodes that publish. @default 5 */
  publishers?: number
  /** records per second, all publishers together. @default 200 */
  rate?: number
  /** seconds of publishing. @default 15 */
  seconds?: number
  /** records in the flood runs across processes; 0 skips them. @default 2000 */
  flood?: number
  /**
   * records in the flood runs with every node in one process; 0 skips them. It must outlast a ping interval (10 s)
   * plus a ping timeout for the connection monitor to matter. @default 10000
   */
  inProcessFlood?: number
  /** progress lines */
  log?: (line: string) => void
}

export interface GossipRunResult {
  label: string
  monitor: 'ours' | 'libp2p default'
  records: number
  expected: number
  delivered: number
  /** messages rejected by a validator (honest publishers: must be 0) */
  rejected: number
  /** seconds from the first publish until the last delivery */
  seconds: number
  /** per delivery (record × receiving node), ms */
  p50: number
  p99: number
  max: number
  /** per record, until every other node had it, ms (only records that reached all nodes) */
  allP50: number
  allP99: number
  allMax: number
  /** connections closed during the run (all nodes, counted by libp2p events) */
  connectionsClosed: number
  /** CPU time per node from the start of publishing to the report, ms (user + system) */
  cpuPerNodeMs: number
  /** gossip messages (record copies, duplicates included) a node sent / received in that time, mean over nodes */
  copiesSentPerNode: number
  copiesReceivedPerNode: number
  /** wall time from the start of publishing to the report, ms */
  wallMs: number
  /** CPU per node per second with the mesh up and nothing published (heartbeats, pings, timers), ms */
  idleCpuPerNodeMsPerSecond: number
  /** share of the machine's CPU time that was busy while publishing and settling (everyone's) */
  machineBusy: number
  /** share of the machine's CPU time this benchmark's nodes used meanwhile */
  benchShare: number
}

export interface GossipBenchResult {
  nodes: number
  dials: number
  publishers: number
  rate: number
  meanRecordBytes: number
  steady: GossipRunResult
  /** the limit, measured in the same run: CPU per record of `validateRecord` alone on one thread (same kind of records), µs */
  validationUs: number
  /** the limit per copy, measured in the same run: CPU per message on a raw libp2p stream, sender + receiver, µs */
  copyFloorUs: number
  flood: GossipRunResult[]
  inProcessFlood: InProcessFloodResult[]
}

// ---------------------------------------------------------------- child

/**
 * GOSSIP_BENCH_PROFILE=<dir>: a CPU profile of node 5 (a relay that does not publish) over each measured window
 * (from 'mark' to 'report': start-up, module loading and warm-up left out), written to <dir>, for finding hot spots
 */
async function windowProfiler (): Promise<{ start: () => Promise<void>, stop: () => Promise<void> } | undefined> {
  const dir = process.env.GOSSIP_BENCH_PROFILE
  if (dir == null || process.argv[3] !== '5') return undefined
  const { Session } = await import('node:inspector/promises')
  const { writeFile } = await import('node:fs/promises')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  let running = false
  let n = 0
  return {
    start: async () => {
      if (running) await session.post('Profiler.stop')
      await session.post('Profiler.start')
      running = true
    },
    stop: async () => {
      if (!running) return
      running = false
      const { profile } = await session.post('Profiler.stop')
      await writeFile(`${dir}/node5-window${n++}.cpuprofile`, JSON.stringify(profile))
    }
  }
}

type ChildRequest =
  | { id: number, type: 'init', monitor: 'ours' | 'libp2p default', collective: string }
  | { id: number, type: 'dial', addrs: string[] }
  | { id: number, type: 'mesh' }
  | { id: number, type: 'prepare', count: number, warm: number }
  | { id: number, type: 'publish', startAt: number, intervalMs: number, warm: boolean }
  | { id: number, type: 'mark' }
  | { id: number, type: 'progress' }
  | { id: number, type: 'report' }
  | { id: number, type: 'cpu' }
  | { id: number, type: 'stop' }

/** Messages this node's router sent and received since the last 'mark', duplicates included (see countCopies) */
const copies = { sent: 0, received: 0 }

/**
 * Count the messages a gossipsub router sends and receives, by wrapping its per-peer RPC methods. They are not part of
 * its public interface, so a router without them is left alone and the counts stay NaN: the table then says so rather
 * than printing zeros.
 */
function countCopies (router: any): void {
  if (typeof router?.sendRpc !== 'function' || typeof router?.handleReceivedRpc !== 'function') {
    copies.sent = copies.received = Number.NaN
    return
  }
  const send = router.sendRpc.bind(router)
  const receive = router.handleReceivedRpc.bind(router)
  router.sendRpc = (id: unknown, rpc: { messages?: unknown[] }) => { copies.sent += rpc.messages?.length ?? 0; return send(id, rpc) }
  router.handleReceivedRpc = (from: unknown, rpc: { messages?: unknown[] }) => { copies.received += rpc.messages?.length ?? 0; return receive(from, rpc) }
}

async function childMain (): Promise<void> {
  const { generateKeyPair } = await import('@libp2p/crypto/keys')
  const { createLibp2p } = await import('libp2p')
  const { buildLibp2pOptions } = await import('../src/net/libp2p-config.ts')
  const { createGossipChannel, gossipsubService } = await import('../src/net/gossip/index.ts')
  const { nativeCrypto } = await import('../src/identity/ed25519-native.ts')
  const { createSigner, generateSeed, issueRecord, recordCidString, validateRecord } = await import('../src/records/index.ts')

  const now = (): number => performance.timeOrigin + performance.now()
  const profiler = await windowProfiler()
  let libp2p: any
  let gossip: any
  let collective = ''
  let records: Array<{ cid: string, bytes: Uint8Array }> = []
  let warmRecords: Array<{ cid: string, bytes: Uint8Array }> = []
  const published: Array<[string, number]> = []
  const received = new Map<string, number>()
  let invalid = 0
  let connectionsClosed = 0
  let cpuAtStart = process.cpuUsage()

  const handle = async (req: ChildRequest): Promise<unknown> => {
    switch (req.type) {
      case 'init': {
        collective = req.collective
        const base = buildLibp2pOptions({
          privateKey: await generateKeyPair('Ed25519'),
          listen: LOOPBACK,
          // `{}`: libp2p's own defaults for every monitor setting
          connectionMonitor: req.monitor === 'ours' ? undefined : {}
        })
        libp2p = await createLibp2p({ ...base, services: { ...base.services, pubsub: gossipsubService() } } as any)
        libp2p.addEventListener('connection:close', () => { connectionsClosed++ })
        gossip = createGossipChannel(libp2p)
        countCopies(libp2p.services.pubsub)
        gossip.start()
        gossip.join(collective, async (data: Uint8Array) => {
          const record = validateRecord(data, { crypto: nativeCrypto })
          if (!received.has(record.cid)) received.set(record.cid, now())
          return 'accept'
        })
        gossip.on('rejected', () => { invalid++ })
        return { addr: libp2p.getMultiaddrs()[0].toString(), peerId: libp2p.peerId.toString() }
      }
      case 'dial': {
        const { multiaddr } = await import('@multiformats/multiaddr')
        for (const addr of req.addrs) {
          // libp2p-config accepts 5 inbound connections per second per host, and every node here is 127.0.0.1
          for (let attempt = 1; ; attempt++) {
            try {
              await libp2p.dial(multiaddr(addr))
              break
            } catch (err) {
              if (attempt >= 10) throw err
              await new Promise(resolve => setTimeout(resolve, 300 * attempt))
            }
          }
        }
        return { connections: libp2p.getConnections().length }
      }
      case 'mesh':
        return {
          meshIds: gossip.meshPeers(collective).map((p: any) => p.toString()),
          mesh: gossip.meshPeers(collective).length,
          subscribers: gossip.subscribers(collective).length,
          peers: new Set(libp2p.getConnections().map((c: any) => c.remotePeer.toString())).size
        }
      case 'prepare': {
        const signer = createSigner(generateSeed(), nativeCrypto)
        const enc = new TextEncoder()
        const make = (i: number): { cid: string, bytes: Uint8Array } => {
          const about = recordCidString(enc.encode(`${signer.did} ${i}`), nativeCrypto)
          const r = issueRecord('attestation', { record: about, claim: 'endorsement' }, { signer, crypto: nativeCrypto })
          return { cid: r.cid, bytes: r.bytes }
        }
        warmRecords = Array.from({ length: req.warm }, (_, i) => make(-1 - i))
        records = Array.from({ length: req.count }, (_, i) => make(i))
        return { count: records.length, bytes: records.reduce((n, r) => n + r.bytes.byteLength, 0) }
      }
      case 'mark':
        copies.sent = 0
        copies.received = 0
        cpuAtStart = process.cpuUsage()
        connectionsClosed = 0
        await profiler?.start()
        return {}
      case 'publish': {
        // wait for the start, then publish record k at startAt + k × interval (interval 0: as fast as possible)
        const list = req.warm ? warmRecords : records
        for (let k = 0; k < list.length; k++) {
          const due = req.startAt + k * req.intervalMs
          const wait = due - now()
          if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
          const r = list[k]
          if (!req.warm) published.push([r.cid, now()])
          await gossip.publish(collective, r.bytes)
        }
        return { published: published.length }
      }
      case 'progress':
        return { received: received.size }
      case 'cpu': {
        const cpu = process.cpuUsage(cpuAtStart)
        return { cpuMs: (cpu.user + cpu.system) / 1000 }
      }
      case 'report': {
        const cpu = process.cpuUsage(cpuAtStart)
        await profiler?.stop()
        return { published, received: [...received.entries()], invalid, connectionsClosed, cpuMs: (cpu.user + cpu.system) / 1000, stats: gossip.stats(), copies: { ...copies } }
      }
      case 'stop':
        gossip?.stop()
        await libp2p?.stop()
        return {}
    }
  }

  process.on('message', (req: ChildRequest) => {
    handle(req).then(
      result => { process.send?.({ id: req.id, ok: true, result }) },
      (err: Error) => { process.send?.({ id: req.id, ok: false, error: `${err.name}: ${err.message}` }) }
    ).finally(() => {
      if (req.type === 'stop') process.disconnect()
    })
  })
  process.send?.({ id: 0, ok: true, result: 'up' })
}

// ---------------------------------------------------------------- parent

class Child {
  readonly proc: ChildProcess
  #next = 1
  readonly #pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()
  readonly up: Promise<void>

  constructor (index: number) {
    this.proc = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, String(index)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.up = new Promise((resolve, reject) => {
      this.#pending.set(0, { resolve: () => { resolve() }, reject })
    })
    this.proc.on('message', (msg: { id: number, ok: boolean, result?: unknown, error?: string }) => {
      const p = this.#pending.get(msg.id)
      if (p == null) return
      this.#pending.delete(msg.id)
      if (msg.ok) p.resolve(msg.result)
      else p.reject(new Error(`node ${index}: ${msg.error}`))
    })
    this.proc.on('exit', (code) => {
      for (const p of this.#pending.values()) p.reject(new Error(`node ${index} exited (${code})`))
      this.#pending.clear()
    })
  }

  /** Send a request and wait for its answer, at most `ms` */
  async ask<T = any> (req: Record<string, unknown> & { type: string }, ms = 60_000): Promise<T> {
    const id = this.#next++
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { this.#pending.delete(id); reject(new Error(`${req.type} timed out after ${ms} ms`)) }, ms)
      this.#pending.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v) },
        reject: (e) => { clearTimeout(timer); reject(e) }
      })
      this.proc.send({ ...req, id })
    })
  }

  async stop (): Promise<void> {
    try {
      await this.ask({ type: 'stop' }, 10_000)
    } catch {}
    if (this.proc.exitCode == null) {
      const exited = new Promise(resolve => this.proc.once('exit', resolve))
      const timer = setTimeout(() => { this.proc.kill('SIGKILL') }, 5_000)
      await exited
      clearTimeout(timer)
    }
  }
}

/** Busy and total jiffies of the whole machine (Linux /proc/stat), to tell our load from our neighbours' */
function machineCpu (): { busy: number, total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    const total = fields.reduce((a, b) => a + b, 0)
    const idle = fields[3] + (fields[4] ?? 0)
    return { busy: total - idle, total }
  } catch {
    return undefined
  }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** Deterministic pseudo-random numbers (mulberry32), so every run has the same topology */
function prng (seed: number): () => number {
  let a = seed
  return () => {
    a |= 0; a = a + 0x6D2B79F5 | 0
    let t = Math.imul(a ^ a >>> 15, 1 | a)
    t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t
    return ((t ^ t >>> 14) >>> 0) / 4294967296
  }
}

function percentile (sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

interface RunSpec {
  label: string
  monitor: 'ours' | 'libp2p default'
  nodes: number
  dials: number
  publishers: number
  perPublisher: number
  /** warm-up records per publisher, published and settled before measuring */
  warmPerPublisher: number
  /** ms between two records of one publisher; 0 floods */
  intervalMs: number
  log: (line: string) => void
}

/** One cluster: start, connect, publish, settle, collect, stop */
async function runCluster (spec: RunSpec): Promise<GossipRunResult & { meanRecordBytes: number }> {
  const { nativeCrypto } = await import('../src/identity/ed25519-native.ts')
  const { recordCidString } = await import('../src/records/index.ts')
  const collective = recordCidString(new TextEncoder().encode(`bench collective ${Date.now()}`), nativeCrypto)
  const children = Array.from({ length: spec.nodes }, (_, i) => new Child(i))
  try {
    await Promise.all(children.map(async c => { await c.up }))
    const infos = await Promise.all(children.map(async c => await c.ask<{ addr: string, peerId: string }>({ type: 'init', monitor: spec.monitor, collective })))
    // topology: i dials i+1 (a ring keeps the graph connected) and dials−1 others picked at random
    const random = prng(42)
    // one node at a time: the inbound rate limit of libp2p-config counts every dial from 127.0.0.1 together
    for (const [i, c] of children.entries()) {
      const targets = new Set<number>([(i + 1) % spec.nodes])
      while (targets.size < Math.min(spec.dials, spec.nodes - 1)) {
        const j = Math.floor(random() * spec.nodes)
        if (j !== i) targets.add(j)
      }
      await c.ask({ type: 'dial', addrs: [...targets].map(j => infos[j].addr) })
    }
    // wait until every node knows all its peers subscribe and has at least 3 of them in its mesh
    const deadline = Date.now() + 30_000
    for (;;) {
      const meshes = await Promise.all(children.map(async c => await c.ask<{ mesh: number, subscribers: number, peers: number }>({ type: 'mesh' })))
      if (meshes.every(m => m.mesh >= Math.min(m.peers, 3) && m.subscribers >= m.peers)) break
      if (Date.now() > deadline) throw new Error(`mesh did not form: ${JSON.stringify(meshes)}`)
      await sleep(200)
    }
    await sleep(2_000) // two heartbeats: let meshes settle
    const publishers = children.slice(0, spec.publishers)
    const prepared = await Promise.all(publishers.map(async c => await c.ask<{ count: number, bytes: number }>({
      type: 'prepare', count: spec.perPublisher, warm: spec.warmPerPublisher
    }, 120_000)))
    const records = prepared.reduce((n, p) => n + p.count, 0)
    const meanRecordBytes = Math.round(prepared.reduce((n, p) => n + p.bytes, 0) / records)
    const warmExpected = spec.warmPerPublisher * publishers.length * (spec.nodes - 1)
    const expected = records * (spec.nodes - 1)

    /** publish one phase (publishers phased so that records are evenly spaced in total), then wait until it arrived */
    const phase = async (warm: boolean, until: number): Promise<void> => {
      const startAt = performance.timeOrigin + performance.now() + 500
      await Promise.all(publishers.map(async (c, p) => await c.ask({
        type: 'publish',
        startAt: startAt + (spec.intervalMs * p) / spec.publishers,
        intervalMs: spec.intervalMs,
        warm
      }, 600_000)))
      // settle: until everything arrived, or nothing more arrives for 5 s (deadline 120 s)
      let last = -1
      let lastChange = Date.now()
      const settleDeadline = Date.now() + 120_000
      for (;;) {
        const counts = await Promise.all(children.map(async c => (await c.ask<{ received: number }>({ type: 'progress' })).received))
        const total = counts.reduce((a, b) => a + b, 0)
        if (total >= until) break
        if (total !== last) { last = total; lastChange = Date.now() }
        if (Date.now() - lastChange > 5_000 || Date.now() > settleDeadline) break
        await sleep(250)
      }
    }

    // warm-up, not measured: the first messages a node validates compile the schemas and JIT the paths (a one-off
    // stall of up to a second on a loaded machine), which is start-up cost, not propagation
    spec.log(`  ${spec.label}: ${spec.nodes} nodes up; warming up …`)
    await phase(true, warmExpected)
    // idle: the mesh up, nothing published — what a node spends on heartbeats, pings and timers alone
    await Promise.all(children.map(async c => await c.ask({ type: 'mark' })))
    const idleStart = performance.now()
    await sleep(IDLE_SECONDS * 1000)
    const idle = await Promise.all(children.map(async c => await c.ask<{ cpuMs: number }>({ type: 'cpu' })))
    const idleCpuPerNodeMsPerSecond = idle.reduce((n, r) => n + r.cpuMs, 0) / idle.length / ((performance.now() - idleStart) / 1000)
    spec.log(`  ${spec.label}: publishing ${records} records …`)
    await Promise.all(children.map(async c => await c.ask({ type: 'mark' })))
    const cpuBefore = machineCpu()
    const wallBefore = performance.now()
    await phase(false, warmExpected + expected)
    const cpuAfter = machineCpu()
    const wallMs = performance.now() - wallBefore

    const reports = await Promise.all(children.map(async c => await c.ask<{
      published: Array<[string, number]>, received: Array<[string, number]>, invalid: number, connectionsClosed: number, cpuMs: number,
      copies: { sent: number, received: number }
    }>({ type: 'report' })))
    const publishedAt = new Map<string, { t: number, node: number }>()
    reports.forEach((r, node) => { for (const [cid, t] of r.published) publishedAt.set(cid, { t, node }) })
    const latencies: number[] = []
    const perRecord = new Map<string, { count: number, max: number }>()
    let delivered = 0
    let lastDelivery = 0
    reports.forEach((r, node) => {
      for (const [cid, t] of r.received) {
        const pub = publishedAt.get(cid)
        if (pub == null || pub.node === node) continue
        delivered++
        const ms = t - pub.t
        latencies.push(ms)
        lastDelivery = Math.max(lastDelivery, t)
        const entry = perRecord.get(cid) ?? { count: 0, max: 0 }
        entry.count++
        entry.max = Math.max(entry.max, ms)
        perRecord.set(cid, entry)
      }
    })
    // GOSSIP_BENCH_DEBUG=1: each node's mesh, and when (seconds into the run) its deliveries over 100 ms were published
    if (process.env.GOSSIP_BENCH_DEBUG != null) {
      const meshes = await Promise.all(children.map(async c => await c.ask<{ meshIds: string[] }>({ type: 'mesh' })))
      const indexOf = new Map(infos.map((info, i) => [info.peerId, i]))
      const t0 = Math.min(...[...publishedAt.values()].map(p => p.t))
      reports.forEach((r, node) => {
        const late = r.received.flatMap(([cid, t]) => {
          const pub = publishedAt.get(cid)
          return pub != null && pub.node !== node && t - pub.t > 100 ? [((pub.t - t0) / 1000).toFixed(1)] : []
        })
        spec.log(`  node ${node}: mesh ${meshes[node].meshIds.map(id => indexOf.get(id)).join(',')}; ${late.length} late, published at s ${[...new Set(late)].join(' ')}`)
      })
    }
    latencies.sort((a, b) => a - b)
    const toAll = [...perRecord.values()].filter(e => e.count === spec.nodes - 1).map(e => e.max).sort((a, b) => a - b)
    const firstPublish = Math.min(...[...publishedAt.values()].map(p => p.t))
    return {
      label: spec.label,
      monitor: spec.monitor,
      records,
      expected,
      delivered,
      rejected: reports.reduce((n, r) => n + r.invalid, 0),
      seconds: (lastDelivery - firstPublish) / 1000,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1) ?? Number.NaN,
      allP50: percentile(toAll, 0.5),
      allP99: percentile(toAll, 0.99),
      allMax: toAll.at(-1) ?? Number.NaN,
      connectionsClosed: reports.reduce((n, r) => n + r.connectionsClosed, 0),
      cpuPerNodeMs: reports.reduce((n, r) => n + r.cpuMs, 0) / reports.length,
      copiesSentPerNode: reports.reduce((n, r) => n + r.copies.sent, 0) / reports.length,
      copiesReceivedPerNode: reports.reduce((n, r) => n + r.copies.received, 0) / reports.length,
      wallMs,
      idleCpuPerNodeMsPerSecond,
      machineBusy: cpuBefore != null && cpuAfter != null ? (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total) : Number.NaN,
      benchShare: reports.reduce((n, r) => n + r.cpuMs, 0) / (wallMs * cpus().length),
      meanRecordBytes
    }
  } finally {
    await Promise.all(children.map(async c => { await c.stop() }))
  }
}

/** Result of one in-process flood: all nodes on one event loop, as the measurement in the design notes did */
export interface InProcessFloodResult {
  monitor: 'ours' | 'libp2p default'
  records: number
  expected: number
  delivered: number
  connectionsClosed: number
  seconds: number
}

/**
 * `nodes` libp2p nodes in THIS process (one event loop, as in the design notes' measurement), the same topology,
 * `records` records flooded by 5 of them; counts what never arrives. This is where a busy event loop delays pings
 * past libp2p's default 5 s timeout.
 */
export async function inProcessFlood (monitor: 'ours' | 'libp2p default', nodes: number, dials: number, records: number,
  log: (line: string) => void): Promise<InProcessFloodResult> {
  const { generateKeyPair } = await import('@libp2p/crypto/keys')
  const { createLibp2p } = await import('libp2p')
  const { buildLibp2pOptions } = await import('../src/net/libp2p-config.ts')
  const { createGossipChannel, gossipsubService } = await import('../src/net/gossip/index.ts')
  const { nativeCrypto } = await import('../src/identity/ed25519-native.ts')
  const { createSigner, generateSeed, issueRecord, recordCidString, validateRecord } = await import('../src/records/index.ts')
  const enc = new TextEncoder()
  const collective = recordCidString(enc.encode(`in-process flood ${Date.now()}`), nativeCrypto)
  const peers: Array<{ libp2p: any, gossip: any, received: Set<string> }> = []
  let connectionsClosed = 0
  try {
    for (let i = 0; i < nodes; i++) {
      const base = buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: LOOPBACK, connectionMonitor: monitor === 'ours' ? undefined : {} })
      const libp2p: any = await createLibp2p({ ...base, services: { ...base.services, pubsub: gossipsubService() } } as any)
      libp2p.addEventListener('connection:close', () => { connectionsClosed++ })
      const gossip = createGossipChannel(libp2p)
      gossip.start()
      const received = new Set<string>()
      gossip.join(collective, async (data: Uint8Array) => {
        received.add(validateRecord(data, { crypto: nativeCrypto }).cid)
        return 'accept'
      })
      peers.push({ libp2p, gossip, received })
    }
    const random = prng(42)
    for (const [i, p] of peers.entries()) {
      const targets = new Set<number>([(i + 1) % nodes])
      while (targets.size < Math.min(dials, nodes - 1)) {
        const j = Math.floor(random() * nodes)
        if (j !== i) targets.add(j)
      }
      for (const j of targets) {
        for (let attempt = 1; ; attempt++) {
          try {
            await p.libp2p.dial(peers[j].libp2p.getMultiaddrs()[0])
            break
          } catch (err) {
            if (attempt >= 10) throw err
            await sleep(300 * attempt)
          }
        }
      }
    }
    const deadline = Date.now() + 30_000
    while (!peers.every(p => p.gossip.meshPeers(collective).length >= Math.min(3, p.libp2p.getConnections().length))) {
      if (Date.now() > deadline) throw new Error('in-process mesh did not form')
      await sleep(200)
    }
    await sleep(2_000)
    const publishers = peers.slice(0, 5)
    const batches = publishers.map(() => {
      const signer = createSigner(generateSeed(), nativeCrypto)
      return Array.from({ length: Math.round(records / publishers.length) }, (_, i) =>
        issueRecord('attestation', { record: recordCidString(enc.encode(`${signer.did} ${i}`), nativeCrypto), claim: 'endorsement' },
          { signer, crypto: nativeCrypto }).bytes)
    })
    const total = batches.reduce((n, b) => n + b.length, 0)
    const expected = total * (nodes - 1)
    log(`  in-process flood (${monitor} monitor): ${nodes} nodes, ${total} records …`)
    connectionsClosed = 0
    const start = performance.now()
    await Promise.all(publishers.map(async (p, k) => { for (const bytes of batches[k]) await p.gossip.publish(collective, bytes) }))
    // settle: until everything arrived, or nothing more for 15 s (past a 10 s ping interval plus its 5 s timeout)
    let last = -1
    let lastChange = Date.now()
    let lastDelivery = performance.now()
    const settleDeadline = Date.now() + 180_000
    for (;;) {
      const delivered = peers.reduce((n, p) => n + p.received.size, 0)
      if (delivered !== last) { last = delivered; lastChange = Date.now(); lastDelivery = performance.now() }
      if (delivered >= expected || Date.now() - lastChange > 15_000 || Date.now() > settleDeadline) break
      await sleep(250)
    }
    return { monitor, records: total, expected, delivered: last, connectionsClosed, seconds: (lastDelivery - start) / 1000 }
  } finally {
    for (const p of peers) {
      p.gossip.stop()
      await p.libp2p.stop().catch(() => {})
    }
  }
}

/**
 * The limit for CPU per delivered record, in the same run: `validateRecord` with native Ed25519 on this thread, over
 * records of the kind the nodes gossip (attestations of one author), CPU time per record after a warm-up.
 */
export async function validationAloneUs (count = 3000): Promise<number> {
  const { nativeCrypto } = await import('../src/identity/ed25519-native.ts')
  const { createSigner, generateSeed, issueRecord, recordCidString, validateRecord } = await import('../src/records/index.ts')
  const signer = createSigner(generateSeed(), nativeCrypto)
  const enc = new TextEncoder()
  const make = (i: number): Uint8Array => issueRecord('attestation',
    { record: recordCidString(enc.encode(`${signer.did} ${i}`), nativeCrypto), claim: 'endorsement' }, { signer, crypto: nativeCrypto }).bytes
  const warm = Array.from({ length: 500 }, (_, i) => make(-1 - i))
  const records = Array.from({ length: count }, (_, i) => make(i))
  for (const bytes of warm) validateRecord(bytes, { crypto: nativeCrypto })
  const before = process.cpuUsage()
  for (const bytes of records) validateRecord(bytes, { crypto: nativeCrypto })
  const cpu = process.cpuUsage(before)
  return (cpu.user + cpu.system) / count
}

/** The protocol of the transport-floor stream (bench only) */
const FLOOR_PROTOCOL = '/atelier-bench/copy-floor/1.0.0'

/**
 * The other limit, in the same run: CPU per message of `bytes` sent from one libp2p node to another on one raw stream
 * (the node's own transports: TCP, noise, yamux), sender and receiver together, both nodes in this process. Each
 * message is its own `send`, as gossipsub sends each copy; a pause every 16 messages lets both sides wake up as they
 * would between gossip messages. Half of it is what one copy sent, or one received, costs below gossipsub.
 */
export async function streamCopyFloorUs (bytes: number, count = 20_000): Promise<number> {
  const { generateKeyPair } = await import('@libp2p/crypto/keys')
  const { createLibp2p } = await import('libp2p')
  const { buildLibp2pOptions } = await import('../src/net/libp2p-config.ts')
  const make = async (): Promise<any> => await createLibp2p(buildLibp2pOptions({ privateKey: await generateKeyPair('Ed25519'), listen: LOOPBACK }) as any)
  const [a, b] = [await make(), await make()]
  try {
    let received = 0
    let target = 0
    let done: (() => void) | undefined
    await b.handle(FLOOR_PROTOCOL, (stream: any) => {
      stream.addEventListener('message', (evt: { data: { byteLength: number } }) => {
        received += evt.data.byteLength
        if (received >= target) done?.()
      })
    })
    const stream = await a.dialProtocol(b.getMultiaddrs()[0], FLOOR_PROTOCOL)
    const message = new Uint8Array(bytes).fill(7)
    const run = async (n: number): Promise<number> => {
      received = 0
      target = n * bytes
      const all = new Promise<void>(resolve => { done = resolve })
      const before = process.cpuUsage()
      for (let i = 0; i < n; i++) {
        if (!stream.send(message)) await new Promise<void>(resolve => { stream.addEventListener('drain', () => { resolve() }, { once: true }) })
        if (i % 16 === 15) await new Promise(resolve => setImmediate(resolve))
      }
      await all
      const cpu = process.cpuUsage(before)
      return (cpu.user + cpu.system) / n
    }
    await run(2_000)
    return await run(count)
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
}

/** Run the gossip benchmark */
export async function benchGossip (options: GossipBenchOptions = {}): Promise<GossipBenchResult> {
  const nodes = options.nodes ?? 10
  const dials = options.dials ?? 3
  const publishers = options.publishers ?? 5
  const rate = options.rate ?? 200
  const seconds = options.seconds ?? 15
  const floodRecords = options.flood ?? 2000
  const log = options.log ?? (() => {})
  const perPublisher = Math.round((rate * seconds) / publishers)
  const validationUs = await validationAloneUs()
  const copyFloorUs = await streamCopyFloorUs(RECORD_BYTES_FOR_FLOOR)
  const steady = await runCluster({
    label: 'steady', monitor: 'ours', nodes, dials, publishers, perPublisher, warmPerPublisher: Math.round((rate * WARM_UP_SECONDS) / publishers), intervalMs: (1000 * publishers) / rate, log
  })
  const flood: GossipRunResult[] = []
  if (floodRecords > 0) {
    for (const monitor of ['libp2p default', 'ours'] as const) {
      flood.push(await runCluster({
        label: `flood (${monitor} monitor)`, monitor, nodes, dials, publishers, perPublisher: Math.round(floodRecords / publishers), warmPerPublisher: 20, intervalMs: 0, log
      }))
    }
  }
  const inProcessRecords = options.inProcessFlood ?? 10_000
  const inProcess: InProcessFloodResult[] = []
  if (inProcessRecords > 0) {
    for (const monitor of ['libp2p default', 'ours'] as const) inProcess.push(await inProcessFlood(monitor, nodes, dials, inProcessRecords, log))
  }
  return { nodes, dials, publishers, rate, meanRecordBytes: steady.meanRecordBytes, steady, validationUs, copyFloorUs, flood, inProcessFlood: inProcess }
}

const ms = (n: number): string => Number.isNaN(n) ? '–' : `${n.toFixed(1)} ms`
const int = (n: number): string => n.toLocaleString('en')
const pct1 = (x: number): string => Number.isNaN(x) ? '–' : `${(100 * x).toFixed(0)} %`
const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(a === b ? 0 : 2)} %`

/**
 * What a node spends per record copy it sends or receives, once its one validation per record is taken out: (CPU per
 * node per record − validation alone) / (copies sent + received per node per record)
 */
function copyUs (run: GossipRunResult, validationUs: number): string {
  const perRecordUs = run.cpuPerNodeMs / run.records * 1000
  const copiesPerRecord = (run.copiesSentPerNode + run.copiesReceivedPerNode) / run.records
  if (!Number.isFinite(copiesPerRecord) || copiesPerRecord === 0) return '–'
  return `${((perRecordUs - validationUs) / copiesPerRecord).toFixed(0)} µs`
}

/** The results as markdown */
export function gossipBenchTable (r: GossipBenchResult): string {
  const s = r.steady
  const perRecordUs = s.cpuPerNodeMs / s.records * 1000
  // the idle cost over the measured window, spread over its records
  const idleUs = s.idleCpuPerNodeMsPerSecond * (s.wallMs / 1000) / s.records * 1000
  // a floor for this topology: every copy a node sends or receives costs at least a raw stream message's half
  const floorUs = r.validationUs + (s.copiesSentPerNode + s.copiesReceivedPerNode) / s.records * r.copyFloorUs / 2
  const lines = [
    `${r.nodes} node processes on 127.0.0.1, each dialling ${r.dials} others; ${r.publishers} of them publish signed records`,
    `(attestations, ${r.meanRecordBytes} bytes on average) at ${r.rate} records/s in total; every node validates every`,
    'message with `validateRecord` and native Ed25519 before it is delivered or forwarded. Latency is the time from',
    'publish on one node to the validator\'s accept on another, on one machine clock.',
    '',
    '| measure | result | target |',
    '|---|---|---|',
    `| records published | ${int(s.records)} | |`,
    `| deliveries (record × other node) | ${int(s.delivered)} / ${int(s.expected)} (${pct(s.delivered, s.expected)}) | all |`,
    `| latency per delivery, p50 / p99 / max | ${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)} | |`,
    `| latency until ALL nodes have a record, p50 / p99 / max | ${ms(s.allP50)} / ${ms(s.allP99)} / ${ms(s.allMax)} | p99 ≤ 100 ms |`,
    `| messages rejected | ${int(s.rejected)} | 0 |`,
    `| connections closed during the run | ${int(s.connectionsClosed)} | 0 |`,
    `| CPU per node per record | ${perRecordUs.toFixed(0)} µs = **${(perRecordUs / r.validationUs).toFixed(2)}×** validation alone, one thread, same run (${r.validationUs.toFixed(0)} µs) | ≤ 1.5× |`,
    `| … of which a node spends idle (mesh up, nothing published: ${s.idleCpuPerNodeMsPerSecond.toFixed(1)} ms CPU per s) | ${idleUs.toFixed(0)} µs = ${(idleUs / r.validationUs).toFixed(2)}× | |`,
    `| … and the rest, what records cost | ${(perRecordUs - idleUs).toFixed(0)} µs = ${((perRecordUs - idleUs) / r.validationUs).toFixed(2)}× | |`,
    `| copies of each record a node sends / receives (duplicates included; 1 received is the least) | ${(s.copiesSentPerNode / s.records).toFixed(2)} / ${(s.copiesReceivedPerNode / s.records).toFixed(2)} | |`,
    `| … CPU per copy handled, beyond one validation | ${copyUs(s, r.validationUs)}; a ${RECORD_BYTES_FOR_FLOOR}-byte message on a raw libp2p stream (TCP + noise + yamux), half of sent + received, same run: ${(r.copyFloorUs / 2).toFixed(0)} µs | |`,
    `| the least a node could spend per record with these copies: one validation + each copy at the raw stream's cost | ${floorUs.toFixed(0)} µs = ${(floorUs / r.validationUs).toFixed(2)}× validation | |`,
    `| machine CPU busy while measuring (all processes) / used by these nodes | ${pct1(s.machineBusy)} / ${pct1(s.benchShare)} | |`
  ]
  if (r.flood.length > 0) {
    lines.push('', `Flood: ${int(r.flood[0].records)} records published as fast as ${r.publishers} publishers can, once per connection monitor setting.`, '',
      '| connection monitor | delivered / expected | lost | connections closed | last delivery after | records/s | p99 to all nodes | machine busy / ours | CPU per node per record | copies sent / received per node per record | CPU per copy beyond validation |',
      '|---|---|---|---|---|---|---|---|---|---|---|')
    for (const f of r.flood) {
      const us = f.cpuPerNodeMs / f.records * 1000
      lines.push(`| ${f.monitor} | ${int(f.delivered)} / ${int(f.expected)} | ${int(f.expected - f.delivered)} | ${int(f.connectionsClosed)} | ${f.seconds.toFixed(1)} s | ${int(Math.round(f.records / f.seconds))} | ${ms(f.allP99)} | ${pct1(f.machineBusy)} / ${pct1(f.benchShare)} | ${us.toFixed(0)} µs = ${(us / r.validationUs).toFixed(2)}× | ${(f.copiesSentPerNode / f.records).toFixed(2)} / ${(f.copiesReceivedPerNode / f.records).toFixed(2)} | ${copyUs(f, r.validationUs)} |`)
    }
  }
  if (r.inProcessFlood.length > 0) {
    lines.push('', `${int(r.inProcessFlood[0].records)} records flooded with the ${r.nodes} nodes in ONE process (one event loop, as in the design notes' measurement),`,
      'long enough for the connection monitor to ping (every 10 s) while the event loop is swamped:', '',
      '| connection monitor | delivered / expected | lost | connections closed | last delivery after |',
      '|---|---|---|---|---|')
    for (const f of r.inProcessFlood) {
      lines.push(`| ${f.monitor} | ${int(f.delivered)} / ${int(f.expected)} | ${int(f.expected - f.delivered)} | ${int(f.connectionsClosed)} | ${f.seconds.toFixed(1)} s |`)
    }
  }
  return lines.join('\n')
}

if (process.argv[2] === CHILD_FLAG) {
  await childMain()
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // the daemon's V8 flags and malloc settings, as `npm run bench` runs it (the node processes, forked, inherit them)
  await (await import('./util.ts')).withDaemonFlags()
  const quick = process.argv.includes('--quick')
  const log = (line: string): void => { process.stderr.write(line + '\n') }
  log(`gossip: ${cpus().length} CPUs, Node ${process.version}`)
  const flag = (name: string): number | undefined => {
    const i = process.argv.indexOf(name)
    return i > 0 ? Number(process.argv[i + 1]) : undefined
  }
  const result = await benchGossip({
    rate: flag('--rate'),
    nodes: flag('--nodes'),
    seconds: flag('--seconds') ?? (quick ? 5 : 15),
    flood: process.argv.includes('--no-flood') ? 0 : (flag('--flood') ?? (quick ? 500 : 2000)),
    inProcessFlood: process.argv.includes('--no-flood') ? 0 : (flag('--in-process-flood') ?? (quick ? 2000 : 10_000)),
    log
  })
  process.stdout.write(gossipBenchTable(result) + '\n')
}
