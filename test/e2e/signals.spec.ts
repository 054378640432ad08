/**
 * `bin/atelier.js daemon` as a terminal runs it: Ctrl+C reaches the whole foreground process group (the wrapper and,
 * before, its child too), and the node must shut down once, cleanly, exit 0 and remove its api file. A wrapper
 * killed outright must not leave the daemon running.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm, access } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, runCli, waitFor } from './harness.ts'
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../src/node/heap.ts'

const BIN = join(ROOT, 'bin', 'atelier.js')

async function startWrapped (home: string, env: NodeJS.ProcessEnv = {}): Promise<{ proc: ChildProcess, output: () => string, url: string }> {
  await rm(join(home, 'api'), { force: true })
  let out = ''
  // its own process group, as a shell gives a foreground job: a signal to -pid is what Ctrl+C sends
  const proc = spawn(process.execPath, [BIN, 'daemon', '--http', '127.0.0.1:0', '--p2p', '/ip4/127.0.0.1/tcp/0'], {
    env: { ...process.env, ATELIER_HOME: home, ATELIER_LOG_LEVEL: 'info', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  })
  proc.stdout?.on('data', d => { out += d })
  proc.stderr?.on('data', d => { out += d })
  const url = await waitFor(async () => {
    const u = (await readFile(join(home, 'api'), 'utf8').catch(() => '')).trim()
    if (u === '') return undefined
    return (await fetch(`${u}/healthz`).catch(() => undefined))?.ok === true ? u : undefined
  }, 30_000, 'the daemon to answer')
  return { proc, output: () => out, url }
}

/** Ctrl+C to the group, and the exit code (SIGKILL after 20 s) */
async function interrupt (proc: ChildProcess): Promise<number | string | null> {
  const exited = new Promise<number | null>(resolve => proc.once('exit', code => { resolve(code) }))
  process.kill(-(proc.pid as number), 'SIGINT')
  const code = await Promise.race([exited, new Promise<string>(resolve => setTimeout(() => { resolve('timeout') }, 20_000))])
  if (code === 'timeout') process.kill(-(proc.pid as number), 'SIGKILL')
  return code
}

const exists = async (path: string): Promise<boolean> => await access(path).then(() => true, () => false)

describe('the daemon under a terminal\'s signals', { timeout: 90_000 }, () => {
  let home: string
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'atelier-signals-'))
    const init = await runCli(home, ['init'])
    assert.equal(init.code, 0, init.stderr)
  })
  after(async () => { await rm(home, { recursive: true, force: true }) })

  it('Ctrl+C (SIGINT to the whole process group) shuts down once, exits 0 and removes the api file', async () => {
    const { proc, output } = await startWrapped(home)
    const exited = new Promise<number | null>(resolve => proc.once('exit', code => { resolve(code) }))
    process.kill(-(proc.pid as number), 'SIGINT')
    const code = await Promise.race([exited, new Promise<string>(resolve => setTimeout(() => { resolve('timeout') }, 20_000))])
    if (code === 'timeout') process.kill(-(proc.pid as number), 'SIGKILL')
    assert.equal(code, 0, output())
    assert.equal(output().match(/shutting down/g)?.length, 1, output())
    assert.doesNotMatch(output(), /second signal/)
    assert.equal(await exists(join(home, 'api')), false, 'the api file is gone')
  })

  // the memory bounds of the long fuzz run (docs/benchmarks.md) hold only in a process started with these
  it('the daemon process runs with the Node flags and malloc settings of src/node/heap.ts; an operator\'s own malloc setting wins', { skip: process.platform !== 'linux' }, async () => {
    const { proc, output } = await startWrapped(home, { MALLOC_ARENA_MAX: '4' })
    try {
      const pid = proc.pid as number
      const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/)
      assert.equal(children.length, 1, `the wrapper has one child: ${children.join(' ')}`)
      const argv = (await readFile(`/proc/${children[0]}/cmdline`, 'utf8')).split('\0')
      for (const flag of DAEMON_NODE_FLAGS) assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`)
      const env = new Map((await readFile(`/proc/${children[0]}/environ`, 'utf8')).split('\0').map(kv => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
      for (const [name, value] of Object.entries(DAEMON_ENV)) assert.equal(env.get(name), name === 'MALLOC_ARENA_MAX' ? '4' : value, name)
    } finally {
      assert.equal(await interrupt(proc), 0, output())
    }
  })

  it('a wrapper killed outright takes the daemon down with it', async () => {
    const { proc, url } = await startWrapped(home)
    process.kill(proc.pid as number, 'SIGKILL')
    await waitFor(async () => (await exists(join(home, 'api'))) ? undefined : true, 20_000, 'the daemon to stop and remove its api file')
    await waitFor(async () => (await fetch(`${url}/healthz`).then(() => false, () => true)) ? true : undefined, 10_000, 'the gateway to close')
  })
})
