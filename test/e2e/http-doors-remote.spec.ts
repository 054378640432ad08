/**
 * The per-client connection bound (http.maxConnectionsPerClient) as a remote client meets it. Loopback clients share
 * the total bound (every local tool is one address), so the per-client bound can only be seen from another address:
 * this test makes one, a network namespace of its own joined to this one by a veth pair (10.213.77.0/30, which exists
 * only while the test runs), and opens connections from inside it to a node listening on the host side with
 * --allow-remote. Needs root and iproute2; skipped with the reason printed otherwise.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile as execFileCb, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AtelierNode } from '../../src/node/atelier-node.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { initHome } from '../../src/identity/index.ts'
import { resolveConfig } from '../../src/config.ts'

const execFile = promisify(execFileCb)
const PREFIX = 'atl-doors-'
const NS = `${PREFIX}${process.pid}`
const HOST_IF = `adh${process.pid % 100000}`
const NS_IF = `adn${process.pid % 100000}`
const HOST_IP = '10.213.77.1'
const NS_IP = '10.213.77.2'
const PER_CLIENT = 8

/** Why this machine cannot run the test, or undefined when it can */
function unavailable (): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only'
  if (process.getuid?.() !== 0) return 'needs root to create a network namespace'
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  if (probe.error != null || probe.status !== 0) return `ip netns is not usable here: ${probe.error?.message ?? probe.stderr.trim()}`
  return undefined
}

const ip = async (...args: string[]): Promise<void> => { await execFile('ip', args) }

/** Remove this test's namespace and veth, and any left by an earlier run that was killed */
async function teardown (): Promise<void> {
  const { stdout } = await execFile('ip', ['netns', 'list']).catch(() => ({ stdout: '' }))
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0]
    if (name?.startsWith(PREFIX) === true) await ip('netns', 'del', name).catch(() => {})
  }
  await ip('link', 'del', HOST_IF).catch(() => {})
}

/**
 * From inside the namespace: open `n` connections to the node, hold them 1.5 s, send one request on the first, and
 * say how many the server closed, how many stayed open, and what the request got.
 */
const CLIENT = `
const net = require('node:net')
const [host, port, n] = process.argv.slice(1)
const sockets = []
let closed = 0
for (let i = 0; i < Number(n); i++) {
  const s = net.connect(Number(port), host)
  s.on('error', () => {})
  s.on('close', () => { closed++ })
  sockets.push(s)
}
setTimeout(() => {
  const first = sockets.find(s => !s.destroyed)
  let got = ''
  first.on('data', d => { got += d })
  first.write('GET /healthz HTTP/1.1\\r\\nHost: ' + host + ':' + port + '\\r\\n\\r\\n')
  setTimeout(() => {
    process.stdout.write(JSON.stringify({ closed, open: sockets.filter(s => !s.destroyed).length, status: got.split('\\r\\n')[0] }))
    for (const s of sockets) s.destroy()
  }, 500)
}, 1500)
`

const reason = unavailable()

describe('the per-client connection bound, from another address', { timeout: 60_000, skip: reason }, () => {
  let root: string
  let node: AtelierNode
  let port: number

  before(async () => {
    await teardown()
    await ip('netns', 'add', NS)
    await ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF)
    await ip('link', 'set', NS_IF, 'netns', NS)
    await ip('addr', 'add', `${HOST_IP}/30`, 'dev', HOST_IF)
    await ip('link', 'set', HOST_IF, 'up')
    await ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${NS_IP}/30`, 'dev', NS_IF)
    await ip('netns', 'exec', NS, 'ip', 'link', 'set', NS_IF, 'up')
    await ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up')
    root = await mkdtemp(join(tmpdir(), 'atelier-doors-remote-'))
    const home = join(root, 'home')
    await initHome(home)
    node = new AtelierNode({
      config: resolveConfig(home, { http: { host: HOST_IP, port: 0, allowRemote: true, maxConnectionsPerClient: PER_CLIENT }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } }),
      logger: silentLogger(),
      processMetrics: false
    })
    await node.start()
    port = Number(new URL(node.gatewayUrl).port)
  })
  after(async () => {
    await node?.stop()
    await teardown()
    if (root != null) await rm(root, { recursive: true, force: true })
  })

  it(`keeps ${PER_CLIENT} connections of one remote client and closes the rest; another client is still answered`, async () => {
    const held = execFile('ip', ['netns', 'exec', NS, process.execPath, '-e', CLIENT, HOST_IP, String(port), String(PER_CLIENT + 4)])
    // while the namespace's client holds its connections, a client at another address (this side of the veth) is served
    await new Promise(resolve => setTimeout(resolve, 800))
    const other = await fetch(`http://${HOST_IP}:${port}/healthz`)
    assert.equal(other.status, 200)
    const { stdout } = await held
    const seen = JSON.parse(stdout) as { closed: number, open: number, status: string }
    assert.equal(seen.open, PER_CLIENT, stdout)
    assert.equal(seen.closed, 4, stdout)
    assert.match(seen.status, / 200 /, stdout)

    // once they are closed, the same client gets its connections again
    const again = await execFile('ip', ['netns', 'exec', NS, process.execPath, '-e', CLIENT, HOST_IP, String(port), '2'])
    assert.deepEqual(JSON.parse(again.stdout), { closed: 0, open: 2, status: 'HTTP/1.1 200 OK' })
  })
})
