#!/usr/bin/env node
// The `atelier` binary. The CLI is TypeScript run by Node >= 22.18 type stripping. The daemon needs Node flags set
// at process start (src/node/heap.ts), and an older Node needs the project's own Node 24 (devDependency `node`):
// in those cases the CLI runs in a child process, with signals passed on so Ctrl+C still shuts the daemon down cleanly.
// The daemon child runs in its own process group: a terminal's Ctrl+C reaches the wrapper only, which passes it on
// once (in the same group the child would get it twice, and take the second as "exit now"). It is joined to the
// wrapper by an IPC channel, whose end tells it the wrapper died (even by SIGKILL): it then shuts down too.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const here = dirname(fileURLToPath(import.meta.url))
const main = join(here, '..', 'src', 'cli', 'main.ts')
const args = process.argv.slice(2)
const [major, minor] = process.versions.node.split('.').map(Number)
const modern = major > 22 || (major === 22 && minor >= 18)
const daemon = args.find(a => !a.startsWith('-')) === 'daemon'

if (modern && !daemon) {
  await import(main)
} else {
  let node = process.execPath
  if (!modern) {
    node = join(here, '..', 'node_modules', '.bin', 'node')
    if (!existsSync(node)) {
      console.error(`atelier: needs Node >= 22.18 (this is ${process.version}); run npm install to get the project's Node 24`)
      process.exit(1)
    }
  }
  // an older Node cannot import TypeScript: the same values as src/node/heap.ts, written out
  const { DAEMON_NODE_FLAGS, daemonEnv } = modern
    ? await import(join(here, '..', 'src', 'node', 'heap.ts'))
    : { DAEMON_NODE_FLAGS: ['--max-semi-space-size=4', '--heap-growing-percent=50'], daemonEnv: (env) => ({ MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '2', ...env }) }
  const child = daemon
    ? spawn(node, [...DAEMON_NODE_FLAGS, main, ...args], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], detached: true, env: daemonEnv(process.env) })
    : spawn(node, [main, ...args], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => { child.kill(signal) })
  // the channel is only there to end with this process
  if (daemon) child.channel?.unref()
  child.on('exit', (code, signal) => { process.exit(code ?? (signal != null ? 128 : 1)) })
}
