/**
 * Network benchmarks with real Atelier nodes on loopback, each in its own process as two daemons would be:
 * (a) a late joiner catching up a collective's history through the whole node: sync + validation + storage + index;
 * (b) fetching an asset held by a peer over bitswap through the /ipfs gateway.
 *   node bench/network.ts [records] [MiB]
 *
 * The holder runs in a child process (this file, started with `--holder`, driven over IPC); the joiner is this
 * process. Both share the machine's cores, as they would share nothing on two machines: the holder's CPU during the
 * catch-up is printed beside it, so what serving took from the joiner is in the table.
 *
 * Limits measured in the same run (issue 11 D3): the catch-up rate against the holder's own ingest of the same
 * records (it ingests them through the same door, timed, while it loads them: the target is ≥ 0.9× of it), the
 * bytes on the wire against the records' own bytes (≤ 1.05×), and both transfers against a raw libp2p stream
 * between the same two nodes (same TCP + Noise + Yamux connection, a benchmark protocol whose reader only counts what
 * it reads): the bytes a connection carries per second here with nothing done to them.
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { AtelierNode } from '../src/node/atelier-node.ts'
import type { SyncStats } from '../src/net/sync/index.ts'
import { silentLogger } from '../src/node/logger.ts'
import { initHome, nativeCrypto } from '../src/identity/index.ts'
import { resolveConfig } from '../src/config.ts'
import { issueRecord } from '../src/records/index.ts'
import { DAEMON_NODE_FLAGS, daemonEnv } from '../src/node/heap.ts'
import { machineCpu, machineCpuSince, mainThreadProfiler, threadCpu, threadCpuSince, withDaemonFlags } from './util.ts'
import type { MachineCpu, ThreadCpu } from './util.ts'

export interface NetworkBenchResult {
  catchUp: { records: number, seconds: number, recordsPerSecond: number, wireBytes: number, recordBytes: number, ratio: number, firstSeconds: number, sessions: number, failedSessions: number }
  /** the holder's own ingest of the same records while loading them (ingest calls timed, signing not) */
  ownIngest: { records: number, seconds: number, recordsPerSecond: number, cpuSeconds: number }
  /** CPU the holder's process used during the catch-up, s, and the joiner's (this process) */
  cpu: { holderSeconds: number, holderThreads: ThreadCpu, joinerSeconds: number, joinerThreads: ThreadCpu }
  /** the whole machine's CPU during the catch-up, core-s: what the joiner and holder did not use went to other processes and the kernel */
  machine: MachineCpu
  fetch: { MiB: number, seconds: number, MiBps: number }
  /** a raw libp2p stream from the holder to the joiner, MiB/s (median of 3 transfers of `MiB`) */
  rawStream: { MiB: number, MiBps: number }
}

const MiB = 1024 * 1024
/** Records ingested per await while loading the holder */
const LOAD_BATCH = 2000
/** A protocol of this benchmark only: the reader counts bytes and answers nothing */
const RAW_PROTOCOL = '/atelier-bench/raw/1.0.0'
const HOLDER_FLAG = '--holder'

async function startNode (home: string): Promise<AtelierNode> {
  await initHome(home)
  // periodic sync far apart, so the catch-up measured is the join's own session
  const config = resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] }, sync: { intervalMs: 3_600_000 } })
  const node = new AtelierNode({ config, logger: silentLogger(), processMetrics: false })
  await node.start()
  return node
}

const cpuSeconds = (since?: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1e6
}

// ---------------------------------------------------------------- the holder (child process)

type HolderRequest =
  | { id: number, type: 'start', home: string }
  | { id: number, type: 'load', count: number }
  | { id: number, type: 'mark' }
  | { id: number, type: 'cpu' }
  | { id: number, type: 'add', MiB: number }
  | { id: number, type: 'raw', peer: string, MiB: number }
  | { id: number, type: 'stop' }

async function holderMain (): Promise<void> {
  let node: AtelierNode | undefined
  let mark = process.cpuUsage()
  let markThreads = threadCpu()
  let profiler: { stop: () => Promise<void> } | undefined
  const handle = async (req: HolderRequest): Promise<unknown> => {
    switch (req.type) {
      case 'start':
        node = await startNode(req.home)
        return { addrs: node.store.libp2p.getMultiaddrs().map(String) }
      case 'load': {
        const a = node as AtelierNode
        const { id } = await a.collectives.create({ name: 'Bench', admission: { policy: 'invite', quorum: 1 } })
        const signer = a.identity.signer
        let previous: string | undefined
        let recordBytes = 0
        let ingestMs = 0
        let ingestCpu = 0
        const content = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
        for (let i = 0; i < req.count; i += LOAD_BATCH) {
          const batch = []
          for (let j = i; j < Math.min(req.count, i + LOAD_BATCH); j++) {
            const rec = issueRecord('asset', {
              id: `ipfs://${content}`, mediaType: 'image/png', byteSize: 1000 + j, title: `Plate ${j}`,
              creators: [{ id: signer.did, role: 'author', share: 10000 }]
            }, { signer, crypto: nativeCrypto, previous, collective: id })
            previous = rec.cid
            recordBytes += rec.bytes.byteLength
            batch.push(rec.bytes)
          }
          const t = performance.now()
          const cpu = process.cpuUsage()
          await Promise.all(batch.map(async bytes => await a.records.ingest(bytes, { source: 'import' })))
          ingestMs += performance.now() - t
          ingestCpu += cpuSeconds(cpu)
        }
        const total = (await a.collectives.digest(id)).count
        const { invite } = await a.collectives.invite(id)
        return { id, total, recordBytes, ingestSeconds: ingestMs / 1000, ingestCpuSeconds: ingestCpu, invite }
      }
      case 'mark':
        mark = process.cpuUsage()
        markThreads = threadCpu()
        profiler = await mainThreadProfiler(process.env.NET_BENCH_HOLDER_PROFILE)
        return {}
      case 'cpu':
        await profiler?.stop()
        profiler = undefined
        return { seconds: cpuSeconds(mark), threads: threadCpuSince(markThreads) }
      case 'add': {
        const MiBs = req.MiB
        async function * generate (): AsyncGenerator<Uint8Array> {
          for (let i = 0; i < MiBs; i++) yield randomBytes(MiB)
        }
        const added = await (node as AtelierNode).store.store.addContent(generate())
        return { cid: added.cid.toString() }
      }
      case 'raw': {
        const { peerIdFromString } = await import('@libp2p/peer-id')
        const stream = await (node as AtelierNode).store.libp2p.dialProtocol(peerIdFromString(req.peer), RAW_PROTOCOL)
        const chunk = randomBytes(64 * 1024)
        for (let sent = 0; sent < req.MiB * MiB; sent += chunk.byteLength) {
          if (!stream.send(chunk)) await new Promise<void>(resolve => { stream.addEventListener('drain', () => { resolve() }, { once: true }) })
        }
        await stream.close()
        return {}
      }
      case 'stop':
        await node?.stop()
        return {}
    }
  }
  process.on('message', (req: HolderRequest) => {
    handle(req).then(
      result => { process.send?.({ id: req.id, ok: true, result }) },
      (err: Error) => { process.send?.({ id: req.id, ok: false, error: `${err.name}: ${err.message}` }) }
    ).finally(() => {
      if (req.type === 'stop') process.disconnect()
    })
  })
  process.send?.({ id: 0, ok: true })
}

/** The holder process, asked over IPC */
class Holder {
  readonly proc: ChildProcess
  #next = 1
  readonly #pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()
  readonly up: Promise<void>

  constructor () {
    // the daemon's V8 flags and malloc settings, as `atelier daemon` runs
    this.proc = fork(fileURLToPath(import.meta.url), [HOLDER_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...DAEMON_NODE_FLAGS], env: daemonEnv(process.env) })
    this.up = new Promise((resolve, reject) => { this.#pending.set(0, { resolve: () => { resolve() }, reject }) })
    this.proc.on('message', (msg: { id: number, ok: boolean, result?: unknown, error?: string }) => {
      const p = this.#pending.get(msg.id)
      if (p == null) return
      this.#pending.delete(msg.id)
      if (msg.ok) p.resolve(msg.result)
      else p.reject(new Error(`holder: ${msg.error}`))
    })
    this.proc.on('exit', (code) => {
      for (const p of this.#pending.values()) p.reject(new Error(`holder exited (${code})`))
      this.#pending.clear()
    })
  }

  async ask<T = any> (req: Record<string, unknown> & { type: HolderRequest['type'] }): Promise<T> {
    const id = this.#next++
    return await new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.proc.send({ ...req, id })
    })
  }

  async stop (): Promise<void> {
    if (this.proc.exitCode != null) return
    const exited = new Promise(resolve => this.proc.once('exit', resolve))
    const timer = setTimeout(() => { this.proc.kill('SIGKILL') }, 30_000)
    await this.ask({ type: 'stop' }).catch(() => {})
    await exited
    clearTimeout(timer)
  }
}

// ---------------------------------------------------------------- the joiner (this process)

/** MiB/s of `MiB` sent by the holder on a raw libp2p stream to `to`, until `to` has read it all (median of 3) */
async function rawStreamMiBps (holder: Holder, to: AtelierNode, MiBs: number): Promise<number> {
  const total = MiBs * MiB
  let received = 0
  let done: (() => void) | undefined
  await to.store.libp2p.handle(RAW_PROTOCOL, (stream) => {
    stream.addEventListener('message', (evt) => {
      received += evt.data.byteLength
      if (received >= total) done?.()
    })
  }, { force: true })
  const rates: number[] = []
  try {
    for (let run = 0; run < 3; run++) {
      received = 0
      const all = new Promise<void>(resolve => { done = resolve })
      const t = performance.now()
      await Promise.all([holder.ask({ type: 'raw', peer: to.store.libp2p.peerId.toString(), MiB: MiBs }), all])
      rates.push(MiBs / ((performance.now() - t) / 1000))
    }
  } finally {
    await to.store.libp2p.unhandle(RAW_PROTOCOL)
  }
  return rates.sort((a, b) => a - b)[1]
}

/** Run both measurements */
export async function benchNetwork (options: { records?: number, fetchMiB?: number, log?: (line: string) => void } = {}): Promise<NetworkBenchResult> {
  const count = options.records ?? 100_000
  const fetchMiB = options.fetchMiB ?? 64
  const log = options.log ?? (() => {})
  const root = await mkdtemp(join(tmpdir(), 'atelier-bench-net-'))
  const holder = new Holder()
  let b: AtelierNode | undefined
  try {
    await holder.up
    await holder.ask({ type: 'start', home: join(root, 'a') })
    b = await startNode(join(root, 'b'))
    // (a) the holder keeps a collective with `count` records by its own creator
    log(`  loading ${count} records on the holder …`)
    const loaded = await holder.ask<{ id: string, total: number, recordBytes: number, ingestSeconds: number, ingestCpuSeconds: number, invite: string }>({ type: 'load', count })
    const sessions: SyncStats[] = []
    let failedSessions = 0
    // the joiner's sessions, failed ones too: a catch-up cut into several sessions pays a wait and a new
    // reconciliation for each (a stream aborted under a fast transfer did that 5 times in 100,000 records)
    b.syncSessions.on('session', (s, err) => { sessions.push(s); if (err != null) failedSessions++ })
    await holder.ask({ type: 'mark' })
    // NET_BENCH_PROFILE=<file> profiles the joiner during the catch-up, NET_BENCH_HOLDER_PROFILE=<file> the holder
    const profiler = await mainThreadProfiler(process.env.NET_BENCH_PROFILE)
    const joinerCpu = process.cpuUsage()
    const joinerThreads = threadCpu()
    const machineBefore = machineCpu()
    const started = performance.now()
    // done when the joiner counts as many of the collective's records as the holder: counted from its record events
    // (a digest every 100 ms walked the whole collective each time, on the joiner's main thread), then confirmed
    let counted = 0
    let reached = (): void => {}
    const caughtUp = new Promise<void>(resolve => { reached = resolve })
    let firstAt: number | undefined
    const onRecord = ({ record }: { record: { cid: string, collective?: string } }): void => {
      if (record.collective === loaded.id || record.cid === loaded.id) counted++
      firstAt ??= performance.now()
      if (counted >= loaded.total) reached()
    }
    b.records.on('record', onRecord)
    await b.collectives.join(loaded.invite)
    await caughtUp
    b.records.off('record', onRecord)
    while ((await b.collectives.digest(loaded.id)).count < loaded.total) await new Promise(resolve => setTimeout(resolve, 100))
    const seconds = (performance.now() - started) / 1000
    // the sessions that moved records (a round that only confirms both sides agree carries none)
    const sessionsDuring = sessions.filter(x => x.recordsReceived > 0).length
    const failedDuring = failedSessions
    const machine = machineCpuSince(machineBefore)
    await profiler?.stop()
    const holderCpu = await holder.ask<{ seconds: number, threads: ThreadCpu }>({ type: 'cpu' })
    const cpu = { holderSeconds: holderCpu.seconds, holderThreads: holderCpu.threads, joinerSeconds: cpuSeconds(joinerCpu), joinerThreads: threadCpuSince(joinerThreads) }
    const wireBytes = sessions.reduce((n, s) => n + s.bytesReceived + s.bytesSent, 0)
    log(`  caught up ${loaded.total} records in ${seconds.toFixed(1)} s (the first counted after ${(((firstAt ?? started) - started) / 1000).toFixed(2)} s: join and session start)`)
    if (process.env.NET_BENCH_DEBUG != null) for (const s of sessions) log(`  session ${s.role} rounds ${s.rounds} sent ${s.bytesSent} got ${s.bytesReceived} records received ${s.recordsReceived} added ${s.recordsAdded} duplicate ${s.recordsDuplicate} ${s.ms} ms`)

    // (b) a fresh asset on the holder, read on the joiner through its gateway (bitswap underneath)
    const { cid } = await holder.ask<{ cid: string }>({ type: 'add', MiB: fetchMiB })
    const t = performance.now()
    const res = await fetch(`${b.gatewayUrl}/ipfs/${cid}`)
    let got = 0
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) got += chunk.byteLength
    const fetchSeconds = (performance.now() - t) / 1000
    if (got !== fetchMiB * MiB) throw new Error(`fetched ${got} bytes, expected ${fetchMiB * MiB}`)
    const rawMiB = Math.max(fetchMiB, Math.ceil(loaded.recordBytes / MiB))
    const rawStream = { MiB: rawMiB, MiBps: await rawStreamMiBps(holder, b, rawMiB) }
    log(`  raw libp2p stream: ${rawStream.MiBps.toFixed(1)} MiB/s`)

    return {
      catchUp: { records: loaded.total, seconds, recordsPerSecond: loaded.total / seconds, wireBytes, recordBytes: loaded.recordBytes, ratio: wireBytes / loaded.recordBytes, firstSeconds: ((firstAt ?? started) - started) / 1000, sessions: sessionsDuring, failedSessions: failedDuring },
      ownIngest: { records: count, seconds: loaded.ingestSeconds, recordsPerSecond: count / loaded.ingestSeconds, cpuSeconds: loaded.ingestCpuSeconds },
      cpu,
      machine,
      fetch: { MiB: fetchMiB, seconds: fetchSeconds, MiBps: fetchMiB / fetchSeconds },
      rawStream
    }
  } finally {
    await b?.stop()
    await holder.stop()
    await rm(root, { recursive: true, force: true })
  }
}

/**
 * Both measurements with the joiner in a fresh process of its own (this file, with the daemon's flags), as
 * `npm run bench` runs them: in the benchmark's own process the joiner shared a heap the earlier sections had
 * grown, and its GC cost per record more than doubled (V8 helpers 140 us against 56-60 in a fresh process)
 */
export async function benchNetworkInChild (options: { records?: number, fetchMiB?: number } = {}): Promise<NetworkBenchResult> {
  const { spawn } = await import('node:child_process')
  const args = [fileURLToPath(import.meta.url), String(options.records ?? 100_000), String(options.fetchMiB ?? 64), '--json']
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: daemonEnv(process.env) })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  const code = await new Promise<number | null>(resolve => { child.on('exit', resolve) })
  if (code !== 0) throw new Error(`network benchmark child exited with ${code}`)
  return JSON.parse(out.trim().split('\n').pop() ?? '') as NetworkBenchResult
}

/** Markdown rows of the result */
export function networkBenchTable (r: NetworkBenchResult): string {
  const c = r.catchUp
  const wireMiBps = c.wireBytes / MiB / c.seconds
  const perRecord = (us: number): string => Math.round(us / c.records).toLocaleString('en')
  return [
    '| measure | result | limit, same run | ratio | target |',
    '|---|---|---|---|---|',
    `| late joiner catches up ${c.records.toLocaleString('en')} records (sync + validate + store + index) | ${Math.round(c.recordsPerSecond).toLocaleString('en')} records/s (${c.seconds.toFixed(1)} s) | the holder's own ingest of the same records: ${Math.round(r.ownIngest.recordsPerSecond).toLocaleString('en')}/s | **${(c.recordsPerSecond / r.ownIngest.recordsPerSecond).toFixed(2)}×** | ≥ 0.9× |`,
    `| … sync sessions that carried records / ended by an error | ${c.sessions} / ${c.failedSessions} | | | 1 / 0 |`,
    `| … the first record counted, after the join started (join, the holder's item list, the first batch) | ${c.firstSeconds.toFixed(2)} s | the whole catch-up: ${c.seconds.toFixed(1)} s | ${(c.firstSeconds / c.seconds).toFixed(2)} | |`,
    `| … CPU meanwhile: joiner / holder (serving) | ${r.cpu.joinerSeconds.toFixed(1)} s / ${r.cpu.holderSeconds.toFixed(1)} s | the machine: ${(2 * c.seconds).toFixed(1)} core-s | ${(r.cpu.joinerSeconds / (2 * c.seconds)).toFixed(2)} / ${(r.cpu.holderSeconds / (2 * c.seconds)).toFixed(2)} | |`,
    `| … the rest of the machine meanwhile: other processes and the kernel / iowait / stolen by the hypervisor | ${Math.max(0, r.machine.busy - r.cpu.joinerSeconds - r.cpu.holderSeconds).toFixed(1)} s / ${r.machine.iowait.toFixed(1)} s / ${r.machine.steal.toFixed(1)} s | the machine: ${(2 * c.seconds).toFixed(1)} core-s | ${(Math.max(0, r.machine.busy - r.cpu.joinerSeconds - r.cpu.holderSeconds) / (2 * c.seconds)).toFixed(2)} / ${(r.machine.iowait / (2 * c.seconds)).toFixed(2)} / ${(r.machine.steal / (2 * c.seconds)).toFixed(2)} | |`,
    `| … CPU per record: the joiner's, all threads (what it would need of two cores of its own) | ${perRecord(r.cpu.joinerSeconds * 1e6)} µs | the holder's own ingest, all threads: ${Math.round(r.ownIngest.cpuSeconds * 1e6 / r.ownIngest.records).toLocaleString('en')} µs | ${((r.cpu.joinerSeconds / c.records) / (r.ownIngest.cpuSeconds / r.ownIngest.records)).toFixed(2)}× | |`,
    `| … the joiner's CPU per record by thread: main / validation workers / V8 helpers / libuv + LevelDB | ${perRecord(r.cpu.joinerThreads.main)} / ${perRecord(r.cpu.joinerThreads.workers)} / ${perRecord(r.cpu.joinerThreads.v8)} / ${perRecord(r.cpu.joinerThreads.libuv)} µs | the holder's serving: ${perRecord(r.cpu.holderThreads.main)} / ${perRecord(r.cpu.holderThreads.workers)} / ${perRecord(r.cpu.holderThreads.v8)} / ${perRecord(r.cpu.holderThreads.libuv)} µs | | |`,
    `| … its bytes per second on the wire | ${wireMiBps.toFixed(1)} MiB/s | raw libp2p stream between the two nodes: ${r.rawStream.MiBps.toFixed(1)} MiB/s | ${(wireMiBps / r.rawStream.MiBps).toFixed(2)}× | |`,
    `| bytes on the wire / records' own bytes | ${(c.wireBytes / 1e6).toFixed(1)} MB / ${(c.recordBytes / 1e6).toFixed(1)} MB | | **${c.ratio.toFixed(3)}×** | ≤ 1.05× |`,
    `| fetch a ${r.fetch.MiB} MiB asset held by a peer (bitswap, through /ipfs) | ${r.fetch.MiBps.toFixed(1)} MiB/s | raw libp2p stream: ${r.rawStream.MiBps.toFixed(1)} MiB/s | ${(r.fetch.MiBps / r.rawStream.MiBps).toFixed(2)}× | |`
  ].join('\n')
}

if (process.argv[2] === HOLDER_FLAG) {
  await holderMain()
} else if (import.meta.main) {
  // the daemon's V8 flags and malloc settings, as `npm run bench` runs it (the holder, forked, inherits them), so a
  // standalone run measures the daemon's node. (One run each once gave 0.69x with them against 1.03x without, but
  // then the paused-stream fault of sync/framing.ts cut catch-ups into sessions at random; after its fix, four runs
  // each, alternated: 0.85-0.94x with the flags, 0.81-0.89x with --max-semi-space-size=4 alone.)
  await withDaemonFlags()
  // --json: the result as JSON on stdout (what `benchNetworkInChild` reads); otherwise the table
  const args = process.argv.slice(2).filter(a => a !== '--json')
  const r = await benchNetwork({ records: Number(args[0] ?? 100_000), fetchMiB: Number(args[1] ?? 64), log: l => { process.stderr.write(l + '\n') } })
  console.log(process.argv.includes('--json') ? JSON.stringify(r) : networkBenchTable(r))
}
