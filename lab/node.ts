/**
 * One atelier daemon in a lab namespace: a temp data dir, `atelier init`, the daemon started with
 * `ip netns exec <ns>`, the CLI and the probe run the same way (the gateway listens on the namespace's loopback).
 */
import { spawn, execFile } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DAEMON_NODE_FLAGS, daemonEnv } from '../src/node/heap.ts'
import type { LabHost } from './netns.ts'

const ROOT = join(import.meta.dirname, '..')
const CLI = join(ROOT, 'src', 'cli', 'main.ts')
const PROBE = join(ROOT, 'lab', 'probe.ts')

const scratches = new Set<string>()
/** A temp dir for a scenario's files to add; `removeScratches()` (the lab's signal teardown) removes any left */
export async function labScratch (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-lab-files-'))
  scratches.add(dir)
  return dir
}
export function removeScratches (): void {
  for (const dir of scratches) rmSync(dir, { recursive: true, force: true })
  scratches.clear()
}

export class LabNode {
  readonly host: LabHost
  readonly home: string
  private proc?: ChildProcess
  private output = ''
  /** set by destroy(): a start still under way (a churn restart when the run ends) must not bring the daemon back */
  private destroyed = false

  private constructor (host: LabHost, home: string) { this.host = host; this.home = home }

  /** `track`: the run's list of nodes, joined before `init` runs, so an interrupted run removes the data dir too */
  static async create (host: LabHost, config: Record<string, unknown> = {}, track?: LabNode[]): Promise<LabNode> {
    const node = new LabNode(host, await mkdtemp(join(tmpdir(), 'atelier-lab-')))
    track?.push(node)
    await node.run(CLI, ['init'])
    await writeFile(join(node.home, 'config.json'), JSON.stringify(config))
    return node
  }

  private async run (script: string, args: string[], timeoutMs = 300_000): Promise<string> {
    return await new Promise((resolve, reject) => {
      execFile('ip', ['netns', 'exec', this.host.ns, process.execPath, script, ...args], {
        env: { ...process.env, ATELIER_HOME: this.home }, timeout: timeoutMs, maxBuffer: 16 << 20
      }, (err, stdout, stderr) => { err != null ? reject(new Error(`${args[0]} in ${this.host.ns}: ${stderr || err.message}`)) : resolve(stdout) })
    })
  }

  /** The CLI with `--json`, parsed */
  async cli (args: string[]): Promise<any> { return JSON.parse(await this.run(CLI, [...args, '--json'])) }
  async cliText (args: string[]): Promise<string> { return (await this.run(CLI, args)).trim() }
  async probe (args: string[], timeoutMs = 600_000): Promise<any> { return JSON.parse(await this.run(PROBE, [this.home, ...args], timeoutMs)) }

  /** Watch for records: `add` a CID as it is written, `done` once all are written; resolves to when each was seen */
  watch (deadlineMs: number): { add: (cid: string) => void, done: () => Promise<Record<string, number>> } {
    const proc = spawn('ip', ['netns', 'exec', this.host.ns, process.execPath, PROBE, this.home, 'watch', String(deadlineMs)], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    proc.stdout.on('data', d => { out += String(d) })
    proc.stderr.on('data', d => { err += String(d) })
    const exited = new Promise<Record<string, number>>((resolve, reject) => proc.once('exit', code => {
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`watch in ${this.host.ns} exited ${code}: ${err}`))
    }))
    exited.catch(() => {})
    return { add: (cid) => { proc.stdin.write(`${cid}\n`) }, done: async () => { proc.stdin.end(); return await exited } }
  }

  /** `http`: the gateway's address inside the namespace; a fixed port keeps the probes' URL across restarts */
  /** Follow the collective's digest: `latest()` is the last seen change, `stop()` ends the probe */
  digests (collective: string, deadlineMs: number): { latest: () => { at: number, count: number, digest: string } | undefined, stop: () => Promise<void> } {
    const proc = spawn('ip', ['netns', 'exec', this.host.ns, process.execPath, PROBE, this.home, 'digests', collective, String(deadlineMs)], { stdio: ['pipe', 'pipe', 'ignore'] })
    let latest: { at: number, count: number, digest: string } | undefined
    let buffered = ''
    proc.stdout.on('data', d => {
      buffered += String(d)
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const l of lines) if (l !== '') latest = JSON.parse(l)
    })
    const exited = new Promise<void>(resolve => proc.once('exit', () => { resolve() }))
    return { latest: () => latest, stop: async () => { proc.stdin.end(); await exited } }
  }

  async start (listen: string[], http = '127.0.0.1:0'): Promise<void> {
    await rm(join(this.home, 'api'), { force: true })
    if (this.destroyed) throw new Error(`node in ${this.host.ns} was torn down`)
    const proc = this.proc = spawn('ip', ['netns', 'exec', this.host.ns, process.execPath, ...DAEMON_NODE_FLAGS, CLI, 'daemon', '--http', http, ...listen.flatMap(l => ['--p2p', l])], {
      env: daemonEnv({ ...process.env, ATELIER_HOME: this.home, ATELIER_LOG_LEVEL: 'warn' }), stdio: ['ignore', 'pipe', 'pipe']
    })
    proc.stdout?.on('data', d => { this.output = (this.output + String(d)).slice(-20_000) })
    proc.stderr?.on('data', d => { this.output = (this.output + String(d)).slice(-20_000) })
    // generous: on a loaded 2-core machine a daemon's start (module loading, LevelDB, libp2p) can take minutes when other work shares it
    const deadline = Date.now() + 600_000
    for (;;) {
      if (this.destroyed) throw new Error(`node in ${this.host.ns} was torn down while starting`)
      if (proc.exitCode != null) throw new Error(`daemon in ${this.host.ns} exited ${proc.exitCode}: ${this.output}`)
      if ((await readFile(join(this.home, 'api'), 'utf8').catch(() => '')) !== '') {
        try { await this.cli(['id']); return } catch {}
      }
      if (Date.now() > deadline) throw new Error(`daemon in ${this.host.ns} did not start: ${this.output}`)
      await new Promise(resolve => setTimeout(resolve, 250))
    }
  }

  get running (): boolean { return this.proc != null && this.proc.exitCode == null && this.proc.signalCode == null }

  async stop (): Promise<void> {
    const proc = this.proc
    // a daemon killed by a signal (cleanup() SIGKILLs what is left in a namespace) has a signalCode and no exitCode:
    // waiting for its exit event then would wait forever
    if (proc == null || proc.exitCode != null || proc.signalCode != null) return
    const exit = new Promise(resolve => proc.once('exit', resolve))
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
    await exit
    clearTimeout(timer)
  }

  async destroy (): Promise<void> {
    this.destroyed = true
    await this.stop()
    await rm(this.home, { recursive: true, force: true })
  }
}
