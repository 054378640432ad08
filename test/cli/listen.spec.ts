/**
 * `atelier daemon` on a port another program holds: one line naming the port and the setting to change, exit 1,
 * no node started (issue 16: it printed libp2p's stack squashed into one line and a libp2p setting).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo, Server } from 'node:net'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.ts'
import { listenFailure } from '../../src/cli/listen-check.ts'
import { cli, tempHome } from './helpers.ts'

describe('daemon listen errors', { timeout: 60_000 }, () => {
  let home: string
  let cleanup: () => Promise<void>
  let held: Server
  let port: number

  before(async () => {
    ({ home, cleanup } = await tempHome())
    held = createServer()
    await new Promise<void>(resolve => held.listen(0, '127.0.0.1', resolve))
    port = (held.address() as AddressInfo).port
  })
  after(async () => {
    await new Promise<void>(resolve => held.close(() => resolve()))
    await cleanup()
  })

  const oneLine = (stderr: string): string => {
    const lines = stderr.trim().split('\n').filter(l => l.startsWith('atelier: ') || !l.startsWith('{'))
    assert.equal(lines.length, 1, stderr)
    return lines[0]
  }

  it('the gateway port in use: names the port, --http, ATELIER_HTTP and config.json', async () => {
    const r = await cli(['daemon', '--http', `127.0.0.1:${port}`, '--p2p', '/ip4/127.0.0.1/tcp/0'], { home })
    assert.equal(r.code, 1)
    const line = oneLine(r.stderr)
    assert.match(line, new RegExp(`^atelier: port ${port} \\(127\\.0\\.0\\.1:${port}, the HTTP gateway\\) is in use`))
    for (const word of ['--http', 'ATELIER_HTTP', 'config.json']) assert.ok(line.includes(word), word)
    assert.doesNotMatch(r.stderr + r.stdout, /faultTolerance|at Server\.|EADDRINUSE/)
    await assert.rejects(access(join(home, 'api')), 'no gateway was started')
  })

  it('the libp2p port in use: names the port, --p2p, ATELIER_P2P and config.json', async () => {
    const r = await cli(['daemon', '--http', '127.0.0.1:0', '--p2p', `/ip4/127.0.0.1/tcp/${port}`], { home })
    assert.equal(r.code, 1)
    const line = oneLine(r.stderr)
    assert.match(line, new RegExp(`^atelier: port ${port} .*libp2p.* is in use`))
    for (const word of ['--p2p', 'ATELIER_P2P', 'p2p.listen']) assert.ok(line.includes(word), word)
    assert.doesNotMatch(r.stderr + r.stdout, /faultTolerance|transportManager/)
  })

  it('a listen failure at start (a race past the check) maps to the same kind of line', () => {
    const config = loadConfig({ http: { host: '127.0.0.1', port: 5180 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/5181'] } }, { ATELIER_HOME: home })
    const http = listenFailure(config, Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port: 5180 }))
    assert.equal(http?.code, 'ERR_LISTEN')
    assert.match(http?.message ?? '', /^port 5180 .*--http/)
    const libp2p = Object.assign(new Error('Some configured addresses failed…\n  at x'), { name: 'UnsupportedListenAddressesError' })
    assert.match(listenFailure(config, libp2p)?.message ?? '', /^libp2p could not listen on \/ip4\/127\.0\.0\.1\/tcp\/5181 .*--p2p/)
    assert.equal(listenFailure(config, new Error('disk full')), undefined)
  })
})
