/**
 * Test harness: real `atelier daemon` processes on 127.0.0.1 with random ports in temp data dirs, driven through
 * the real CLI and the real HTTP API. Every wait has a deadline.
 */
import { spawn, execFile } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer } from 'node:net'
import { DAEMON_NODE_FLAGS, daemonEnv } from '../../src/node/heap.ts'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const CLI = join(ROOT, 'src', 'cli', 'main.ts')

/** A loopback TCP port free at the moment of asking (a daemon restarted on it keeps its address) */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => { resolve(port) })
    })
  })
}

/** First and longest pause between polls, ms */
const POLL_FIRST_MS = 50
const POLL_MAX_MS = 250

/**
 * Poll `fn` until it returns a value other than undefined, or fail after `ms`. The pause grows from 50 to 250 ms: a
 * poll is an HTTP request to a daemon or a whole CLI process (0.3–0.6 s of CPU), and the suite is CPU-bound on CI's
 * two cores, so a long wait must not spin
 */
export async function waitFor<T> (fn: () => Promise<T | undefined> | T | undefined, ms = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms
  let lastErr: unknown
  let pause = POLL_FIRST_MS
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) { lastErr = err }
    await new Promise(resolve => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))))
    pause = Math.min(POLL_MAX_MS, pause * 1.5)
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${lastErr != null ? `: ${String(lastErr)}` : ''}`)
}

export interface CliResult { code: number, stdout: string, stderr: string }

/** Run the real CLI with this data dir */
export async function runCli (home: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliResult> {
  return await new Promise(resolve => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ATELIER_HOME: home, NO_COLOR: '1', ...env }, maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ code: err == null ? 0 : (typeof (err as any).code === 'number' ? (err as any).code : 1), stdout, stderr })
    })
  })
}

export class TestDaemon {
  readonly home: string
  url = ''
  token = ''
  /** the libp2p listen address of the last start (without /p2p/), reused by `start(…, { sameP2pPort: true })` */
  p2pListen = ''
  private proc?: ChildProcess
  private output = ''

  private constructor (home: string) { this.home = home }

  /** A fresh data dir, initialised with `atelier init` */
  static async create (prefix = 'atelier-e2e-'): Promise<TestDaemon> {
    const home = await mkdtemp(join(tmpdir(), prefix))
    const d = new TestDaemon(home)
    const init = await runCli(home, ['init'])
    if (init.code !== 0) throw new Error(`atelier init failed: ${init.stderr}`)
    return d
  }

  /**
   * Start `atelier daemon` on random ports; resolves when the api file names a gateway that answers. With
   * `sameP2pPort` the daemon listens on the libp2p port of its previous start, as a restarted real node does, so
   * peers that remembered its address can reach it again; `listen` replaces the listen addresses whole.
   */
  async start (extra: string[] = [], options: { sameP2pPort?: boolean, listen?: string[] } = {}): Promise<void> {
    await rm(join(this.home, 'api'), { force: true })
    this.output = ''
    const listen = options.listen ?? [options.sameP2pPort === true && this.p2pListen !== '' ? this.p2pListen : '/ip4/127.0.0.1/tcp/0']
    const proc = this.proc = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, 'daemon', '--http', '127.0.0.1:0', ...listen.flatMap(l => ['--p2p', l]), ...extra], {
      env: daemonEnv({ ...process.env, ATELIER_HOME: this.home, ATELIER_LOG_LEVEL: process.env.ATELIER_LOG_LEVEL ?? 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const echo = process.env.ATELIER_TEST_LOGS === '1'
    proc.stdout?.on('data', (d) => { this.output += d; if (echo) process.stderr.write(`[${this.home.slice(-8)}] ${d}`) })
    proc.stderr?.on('data', (d) => { this.output += d; if (echo) process.stderr.write(`[${this.home.slice(-8)}] ${d}`) })
    const exited = new Promise<never>((_resolve, reject) => proc.once('exit', code => { reject(new Error(`daemon exited with ${code}:\n${this.output}`)) }))
    exited.catch(() => {})
    // a loaded machine may start a daemon slowly: ATELIER_TEST_START_MS raises the bound; a daemon that missed it is
    // ended, so it cannot keep the test process alive
    const startMs = Number(process.env.ATELIER_TEST_START_MS ?? '') || 30_000
    this.url = await Promise.race([exited, waitFor(async () => {
      const url = (await readFile(join(this.home, 'api'), 'utf8').catch(() => '')).trim()
      if (url === '') return undefined
      const res = await fetch(`${url}/healthz`).catch(() => undefined)
      return res?.ok === true ? url : undefined
    }, startMs, 'the daemon api file')]).catch((err: Error) => { proc.kill('SIGKILL'); throw err })
    this.token = (await readFile(join(this.home, 'api-token'), 'utf8')).trim()
    const info = await (await fetch(`${this.url}/v1/node`)).json() as { addresses: string[] }
    this.p2pListen = (info.addresses.find(a => a.startsWith('/ip4/127.0.0.1/tcp/')) ?? '').replace(/\/p2p\/.*$/, '')
  }

  /** Merge `values` into the data dir's config.json (top-level sections are merged one level deep) */
  async writeConfig (values: Record<string, any>): Promise<void> {
    const path = join(this.home, 'config.json')
    const current = JSON.parse(await readFile(path, 'utf8').catch(() => '{}'))
    for (const [k, v] of Object.entries(values)) current[k] = typeof v === 'object' && !Array.isArray(v) ? { ...current[k], ...v } : v
    await writeFile(path, JSON.stringify(current, null, 2))
  }

  /** The daemon's process id (undefined when it is not running) */
  get pid (): number | undefined { return this.proc?.pid }

  /** True while the daemon process runs */
  get running (): boolean { return this.proc != null && this.proc.exitCode == null }

  /** Everything the daemon printed so far */
  get log (): string { return this.output }

  /** SIGTERM and wait for a clean exit; returns the exit code */
  async stop (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const proc = this.proc
    if (proc == null || proc.exitCode != null) return proc?.exitCode ?? null
    const exit = new Promise<number | null>(resolve => proc.once('exit', code => resolve(code)))
    proc.kill(signal)
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
    const code = await exit
    clearTimeout(timer)
    this.proc = undefined
    return code
  }

  async cli (args: string[]): Promise<CliResult> { return await runCli(this.home, args) }

  /** JSON over HTTP; `auth` adds the bearer token */
  async api (path: string, init: RequestInit & { auth?: boolean, json?: unknown } = {}): Promise<{ status: number, body: any, headers: Headers }> {
    const headers = new Headers(init.headers)
    if (init.auth !== false && init.method != null && init.method !== 'GET') headers.set('authorization', `Bearer ${this.token}`)
    let body = init.body
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json')
      body = JSON.stringify(init.json)
    }
    const res = await fetch(this.url + path, { ...init, headers, body })
    const text = await res.text()
    let parsed: any = text
    try { parsed = JSON.parse(text) } catch {}
    return { status: res.status, body: parsed, headers: res.headers }
  }

  async destroy (): Promise<void> {
    await this.stop()
    await rm(this.home, { recursive: true, force: true })
  }
}

/** `count` fresh daemons (`prefix` names their data dirs) with `config` merged into each config.json, started in turn */
export async function startDaemons (count: number, prefix: string, config: Record<string, any> = {}): Promise<TestDaemon[]> {
  const nodes: TestDaemon[] = []
  for (let i = 0; i < count; i++) {
    const d = await TestDaemon.create(`${prefix}${i}-`)
    nodes.push(d)
    await d.writeConfig(config)
    await d.start()
  }
  return nodes
}

/** Each daemon's node did */
export async function didsOf (nodes: TestDaemon[]): Promise<string[]> {
  return await Promise.all(nodes.map(async n => (await n.api('/v1/node')).body.did as string))
}

/**
 * `joiners` join `collective` with invites written by `founder` (the real CLI both ways); resolves once the founder's
 * node lists each of them as a member
 */
export async function joinWithInvites (founder: TestDaemon, collective: string, joiners: TestDaemon[], ms = 60_000): Promise<void> {
  for (const d of joiners) {
    const inv = await founder.cli(['invite', collective])
    if (inv.code !== 0) throw new Error(`atelier invite failed: ${inv.stderr}`)
    const joined = await d.cli(['join', inv.stdout.trim(), '--json'])
    if (joined.code !== 0) throw new Error(`atelier join failed: ${joined.stderr}`)
    const [did] = await didsOf([d])
    await waitFor(async () => (await founder.api(`/v1/collectives/${collective}/members`)).body.members?.includes(did) === true ? true : undefined, ms, `${did} listed as a member by the founder`)
  }
}
