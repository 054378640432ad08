/**
 * Small helpers the benchmarks share: a seeded generator, random CIDs, percentiles.
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'

/** A seeded xorshift32 generator of numbers in [0, 1), so generated data sets repeat run after run */
export function rng (seed: number): () => number {
  let x = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0) || 1
  return () => {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    return x / 0x100000000
  }
}

/** A random CIDv1 (sha2-256) of the given codec */
export function randomCid (codec: number): string {
  return CID.createV1(codec, Digest.create(0x12, randomBytes(32))).toString()
}

/** The p-quantile (0..1) of ascending `sorted` values, nearest rank */
export function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
}

/**
 * Run this benchmark process with the daemon's V8 flags and malloc settings (src/node/heap.ts), so in-process nodes measure what
 * `atelier daemon` runs: a process started without them starts itself again with them and exits with its code.
 * Returns only in a process that has them. (The 4 MiB young generation costs ingest ~10 % more GC work than V8's
 * default; measuring with the default flattered it.)
 */
export async function withDaemonFlags (): Promise<void> {
  const { DAEMON_NODE_FLAGS, daemonEnv } = await import('../src/node/heap.ts')
  if (DAEMON_NODE_FLAGS.every(f => process.execArgv.includes(f))) return
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: daemonEnv(process.env) })
  const forward = (signal: NodeJS.Signals): void => { child.kill(signal) }
  process.on('SIGINT', forward)
  process.on('SIGTERM', forward)
  const code = await new Promise<number>(resolve => { child.on('exit', (c, s) => { resolve(c ?? (s != null ? 1 : 0)) }) })
  process.exit(code)
}

/** CPU time of this process by kind of thread, µs (Linux: /proc/self/task; empty elsewhere) */
export interface ThreadCpu {
  /** the JavaScript main thread */
  main: number
  /** worker threads (the validation pool, piscina) */
  workers: number
  /** V8's platform threads: concurrent and parallel GC, background compilation */
  v8: number
  /** libuv's pool (LevelDB reads and writes, fs) and the threads it started (LevelDB's compaction thread is one:
   * a thread takes the name of the thread that creates it) */
  libuv: number
  other: number
}

/** A snapshot of CPU time per kind of thread; subtract two with `threadCpuSince` */
export function threadCpu (): Map<string, { kind: keyof ThreadCpu, us: number }> {
  const out = new Map<string, { kind: keyof ThreadCpu, us: number }>()
  if (process.platform !== 'linux') return out
  const tick = 1e6 / 100 // USER_HZ is 100 on Linux
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim()
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const kind: keyof ThreadCpu = name === 'MainThread' || name === 'node'
        ? 'main'
        : name === 'WorkerThread' ? 'workers' : name.startsWith('V8') ? 'v8' : name === 'libuv-worker' ? 'libuv' : 'other'
      out.set(tid, { kind, us: (Number(f[11]) + Number(f[12])) * tick })
    } catch {}
  }
  return out
}

/** CPU per kind of thread between two snapshots, µs; threads that ended meanwhile are not counted */
export function threadCpuSince (before: ReturnType<typeof threadCpu>, after = threadCpu()): ThreadCpu {
  const sum: ThreadCpu = { main: 0, workers: 0, v8: 0, libuv: 0, other: 0 }
  for (const [tid, t] of after) sum[t.kind] += t.us - (before.get(tid)?.us ?? 0)
  return sum
}

/** The whole machine's CPU since boot, core-seconds (Linux: /proc/stat; zeros elsewhere): busy (user, nice, system,
 * irq, softirq), idle, iowait, and steal (time the hypervisor gave this VM's cores to someone else) */
export interface MachineCpu { busy: number, idle: number, iowait: number, steal: number }

export function machineCpu (): MachineCpu {
  if (process.platform !== 'linux') return { busy: 0, idle: 0, iowait: 0, steal: 0 }
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(n => Number(n) / 100)
  const n = (x: number | undefined): number => x ?? 0
  return { busy: n(user) + n(nice) + n(system) + n(irq) + n(softirq), idle: n(idle), iowait: n(iowait), steal: n(steal) }
}

/** `after` − `before`, per field */
export function machineCpuSince (before: MachineCpu, after = machineCpu()): MachineCpu {
  return { busy: after.busy - before.busy, idle: after.idle - before.idle, iowait: after.iowait - before.iowait, steal: after.steal - before.steal }
}

/** A CPU profile (or, for a `.heapprofile` file, an allocation profile) of this process's main thread, written to `file` when stopped; none when `file` is unset. For finding
 * the hot spots of a measured window only (the benchmarks take the file from an environment variable). */
export async function mainThreadProfiler (file: string | undefined): Promise<{ stop: () => Promise<void> } | undefined> {
  if (file == null || file === '') return undefined
  const { Session } = await import('node:inspector/promises')
  const { writeFile } = await import('node:fs/promises')
  const session = new Session()
  session.connect()
  // a file ending in .heapprofile samples allocations (what the garbage collector then has to clear) instead of CPU;
  // one ending in .live.heapprofile keeps only what is still alive when the profile stops (what the heap holds)
  if (file.endsWith('.heapprofile')) {
    const collected = !file.endsWith('.live.heapprofile')
    await session.post('HeapProfiler.enable')
    await session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: collected, includeObjectsCollectedByMinorGC: collected })
    return {
      stop: async () => {
        const { profile } = await session.post('HeapProfiler.stopSampling')
        await writeFile(file, JSON.stringify(profile))
        session.disconnect()
      }
    }
  }
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop')
      await writeFile(file, JSON.stringify(profile))
      session.disconnect()
    }
  }
}
