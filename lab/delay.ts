/**
 * Latency and loss for the lab without sch_netem: the userspace delay line (lab/delayline.py) in the router
 * namespace of a routed lab internet (netns.ts `createInternet({ routed: true })`). Each pair of hosts gets a fixed
 * round-trip time drawn deterministically from a seed in [minRttMs, maxRttMs] (half of it each way), and the line
 * drops `lossPercent` % of the packets it forwards (each direction). The Python process exits when its stdin closes,
 * so it cannot outlive the lab process; `stopDelayLines()` ends it sooner, and `cleanup()` kills what a killed run
 * left inside the lab's namespaces.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { DELAY_TUN, INET } from './netns.ts'

export interface Latency {
  /** round-trip time range of a host pair, ms (the 50–200) */
  minRttMs: number
  maxRttMs: number
  /** packets dropped by the line, percent, in each direction */
  lossPercent: number
  /** picks each pair's RTT; the same seed gives the same network */
  seed: number
}

export interface DelayStats {
  forwarded: number
  dropped: number
  overflow: number
  writeErrors: number
  /** packets that were not IPv4 (passed at the default delay) */
  other: number
  /** the most a packet left after its due time, ms: the line keeping up (or not) on a loaded machine */
  lateMaxMs: number
  /** packets released more than 10 ms after their due time */
  late10: number
  late50: number
  /** the line's own CPU time since it started */
  cpuSeconds: number
  /** whether it runs at a real-time priority (SCHED_FIFO 1) */
  realtime: boolean
  queued: number
}

/** The round-trip time of the pair (a, b), symmetric, an integer number of ms in [minRttMs, maxRttMs] */
export function pairRttMs (a: string, b: string, latency: Latency): number {
  const [x, y] = a < b ? [a, b] : [b, a]
  const h = createHash('sha256').update(`${latency.seed} ${x} ${y}`).digest().readUInt32BE(0)
  return latency.minRttMs + (h % (latency.maxRttMs - latency.minRttMs + 1))
}

const running = new Set<DelayLine>()

export class DelayLine {
  readonly latency: Latency
  private readonly proc: ChildProcess
  private lines: string[] = []
  private waiters: Array<(line: string) => void> = []
  private err = ''

  private constructor (latency: Latency, proc: ChildProcess) {
    this.latency = latency
    this.proc = proc
    let buffered = ''
    proc.stdout?.on('data', d => {
      buffered += String(d)
      const parts = buffered.split('\n')
      buffered = parts.pop() ?? ''
      for (const l of parts) { const w = this.waiters.shift(); w != null ? w(l) : this.lines.push(l) }
    })
    proc.stderr?.on('data', d => { this.err = (this.err + String(d)).slice(-4000) })
  }

  /** Start the line for these host addresses (every pair gets its RTT); resolves once it is attached to the TUN */
  static async start (ips: string[], latency: Latency): Promise<DelayLine> {
    const pairs: Array<[string, string, number]> = []
    for (let i = 0; i < ips.length; i++) {
      for (let j = i + 1; j < ips.length; j++) pairs.push([ips[i], ips[j], pairRttMs(ips[i], ips[j], latency) / 2])
    }
    const proc = spawn('ip', ['netns', 'exec', INET, 'python3', join(import.meta.dirname, 'delayline.py'), DELAY_TUN], { stdio: ['pipe', 'pipe', 'pipe'] })
    const line = new DelayLine(latency, proc)
    running.add(line)
    proc.once('exit', () => { running.delete(line) })
    proc.stdin?.write(`${JSON.stringify({ pairs, defaultMs: (latency.minRttMs + latency.maxRttMs) / 4, loss: latency.lossPercent / 100, seed: latency.seed })}\n`)
    const ready = await Promise.race([
      line.next(),
      new Promise<string>(resolve => proc.once('exit', () => { resolve('exited') })),
      new Promise<string>(resolve => setTimeout(() => { resolve('timed out') }, 30_000))
    ])
    if (ready !== 'ready') {
      await line.stop()
      throw new Error(`delay line did not start (${ready}): ${line.err}`)
    }
    return line
  }

  private async next (): Promise<string> {
    const l = this.lines.shift()
    if (l != null) return l
    return await new Promise(resolve => this.waiters.push(resolve))
  }

  /** The line's counters since it started */
  async stats (): Promise<DelayStats> {
    this.proc.stdin?.write('stats\n')
    return JSON.parse(await this.next())
  }

  async stop (): Promise<void> {
    const proc = this.proc
    if (proc.exitCode != null || proc.signalCode != null) return
    const exited = new Promise(resolve => proc.once('exit', resolve))
    // closing stdin is the line's own way out; SIGKILL if it does not take it
    proc.stdin?.end()
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2_000)
    await exited
    clearTimeout(timer)
  }
}

/** Stop every delay line this process started (the lab's teardown) */
export async function stopDelayLines (): Promise<void> {
  await Promise.all([...running].map(async l => { await l.stop() }))
}
