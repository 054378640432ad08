/**
 * Small helpers the benchmarks share: a seeded generator, random CIDs, percentiles.
 */
import { randomBytes } from 'node:crypto'
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
