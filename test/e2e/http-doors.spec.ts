/**
 * The gateway's doors on a real node and its real server: what a client without a token (or with one, but slow)
 * can make the node hold. Raw sockets, so nothing in a client library hides what the server does.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AtelierNode } from '../../src/node/atelier-node.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { initHome } from '../../src/identity/index.ts'
import { resolveConfig } from '../../src/config.ts'
import { localUrl } from '../../src/gateway/doors.ts'

interface Exchange { status: string, body: string, closedMs: number | undefined }

/** Write `head` and `body` on a new socket; what came back, and when the server closed it (undefined: not within ms) */
async function exchange (port: number, head: string, body: Buffer = Buffer.alloc(0), ms = 3_000, end = false): Promise<Exchange> {
  return await new Promise(resolve => {
    const s = connect(port, '127.0.0.1')
    const started = Date.now()
    let got = ''
    const done = (closedMs: number | undefined): void => {
      const sep = got.indexOf('\r\n\r\n')
      resolve({ status: got.split('\r\n')[0] ?? '', body: sep >= 0 ? got.slice(sep + 4) : '', closedMs })
    }
    s.on('data', d => { got += d })
    s.on('error', () => {})
    s.on('close', () => { clearTimeout(timer); done(Date.now() - started) })
    const timer = setTimeout(() => { s.removeAllListeners('close'); s.destroy(); done(undefined) }, ms)
    s.write(head)
    if (body.length > 0) s.write(body)
    if (end) s.end()
  })
}

const LINGER_MS = 500

describe('the gateway\'s doors', { timeout: 60_000 }, () => {
  let root: string
  let node: AtelierNode
  let port: number
  let token: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'atelier-doors-'))
    const home = join(root, 'home')
    await initHome(home)
    node = new AtelierNode({
      config: resolveConfig(home, { http: { port: 0, bodyTimeoutMs: 1_000, lingerMs: LINGER_MS, maxConnections: 8 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } }),
      logger: silentLogger(),
      processMetrics: false
    })
    await node.start()
    port = Number(new URL(node.gatewayUrl).port)
    token = (await readFile(join(home, 'api-token'), 'utf8')).trim()
  })
  after(async () => {
    await node?.stop()
    await rm(root, { recursive: true, force: true })
  })

  const host = (): string => `Host: 127.0.0.1:${port}\r\n`

  it('answers a request with a body still coming (no token, or no route) and closes it, without reading the rest', async () => {
    for (const method of ['OPTIONS', 'POST']) {
      const r = await exchange(port, `${method} /v1/records HTTP/1.1\r\n${host()}Content-Type: application/json\r\nContent-Length: 500000\r\n\r\n`, Buffer.alloc(1_000, 32))
      assert.match(r.status, method === 'POST' ? / 401 / : / 404 /, method)
      assert.match(JSON.parse(r.body).error.code, /^ERR_/)
      assert.ok(r.closedMs != null && r.closedMs < LINGER_MS + 1_500, `${method}: closed after ${r.closedMs} ms (lingerMs ${LINGER_MS})`)
    }
  })

  it('lets a client still sending a refused body read the answer, and closes within lingerMs though it never stops', async () => {
    const started = Date.now()
    const r = await new Promise<{ got: string, closedMs: number }>(resolve => {
      // half-open allowed: the server's end of the answer does not end this side, which keeps sending
      const s: Socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
      let got = ''
      s.on('data', d => { got += d })
      s.on('error', () => {})
      s.write(`POST /v1/records HTTP/1.1\r\n${host()}Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`)
      const chunk = Buffer.alloc(256 * 1024, 32)
      // keeps sending (bounded: 64 MiB, 8 s) whatever the server does
      const pump = setInterval(() => { if (!s.destroyed && Date.now() - started < 8_000) s.write(chunk) }, 10)
      s.on('close', () => { clearInterval(pump); resolve({ got, closedMs: Date.now() - started }) })
      setTimeout(() => { s.destroy() }, 8_000)
    })
    assert.match(r.got.split('\r\n')[0] ?? '', / 413 /)
    assert.equal(JSON.parse(r.got.slice(r.got.indexOf('\r\n\r\n') + 4)).error.code, 'ERR_TOO_LARGE')
    assert.ok(r.closedMs >= LINGER_MS - 50 && r.closedMs < LINGER_MS + 2_000, `closed after ${r.closedMs} ms (lingerMs ${LINGER_MS})`)
  })

  it('closes a request whose body arrives slower than bodyTimeoutMs, whatever its pace', async () => {
    const started = Date.now()
    const closed = await new Promise<number>(resolve => {
      const s: Socket = connect(port, '127.0.0.1')
      s.on('error', () => {})
      s.write(`POST /v1/records HTTP/1.1\r\n${host()}Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n`)
      // a byte every 100 ms: never silent for long, never done
      const drip = setInterval(() => { if (!s.destroyed) s.write(' ') }, 100)
      s.on('close', () => { clearInterval(drip); resolve(Date.now() - started) })
      setTimeout(() => { clearInterval(drip); s.destroy() }, 8_000)
    })
    assert.ok(closed < 4_000, `closed after ${closed} ms (bodyTimeoutMs 1,000)`)
    assert.equal((await fetch(`${node.gatewayUrl}/healthz`)).status, 200, 'and the node answers others')
  })

  it('keeps one connection\'s requests with bodies from piling listeners on its socket (keep-alive)', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error): void => { if (w.name === 'MaxListenersExceededWarning') warnings.push(w.message) }
    process.on('warning', onWarning)
    const s = connect(port, '127.0.0.1')
    s.on('error', () => {})
    try {
      await new Promise<void>(resolve => s.once('connect', () => { resolve() }))
      let got = ''
      s.on('data', d => { got += d })
      for (let i = 0; i < 16; i++) {
        const body = '{"not":"a record"}'
        // the body after the head, so the request is not complete when its hooks run
        s.write(`POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`)
        await new Promise(resolve => setTimeout(resolve, 5))
        s.write(body)
        const before = got.split('HTTP/1.1 ').length
        while (got.split('HTTP/1.1 ').length === before) await new Promise(resolve => setTimeout(resolve, 5))
      }
      assert.equal(got.split('HTTP/1.1 ').length - 1, 16, 'every request answered on the one connection')
      await new Promise(resolve => setImmediate(resolve))
      assert.deepEqual(warnings, [])
    } finally {
      process.off('warning', onWarning)
      s.destroy()
    }
  })

  it('answers only loopback Host names (a rebound name of another site gets 403)', async () => {
    const evil = await exchange(port, `GET /v1/node HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`)
    assert.match(evil.status, / 403 /)
    assert.equal(JSON.parse(evil.body).error.code, 'ERR_HOST_NOT_ALLOWED')
    for (const name of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      const ok = await exchange(port, `GET /healthz HTTP/1.1\r\nHost: ${name}\r\nConnection: close\r\n\r\n`)
      assert.match(ok.status, / 200 /, name)
    }
  })

  it('bounds the connections open at once', async () => {
    const sockets: Socket[] = []
    try {
      for (let i = 0; i < 8; i++) {
        const s = connect(port, '127.0.0.1')
        s.on('error', () => {})
        await new Promise(resolve => s.once('connect', resolve))
        sockets.push(s)
      }
      const extra = await exchange(port, `GET /healthz HTTP/1.1\r\n${host()}\r\n`)
      assert.equal(extra.status, '', 'the ninth connection is closed unanswered')
      assert.ok(extra.closedMs != null)
    } finally {
      for (const s of sockets) s.destroy()
    }
    await new Promise(resolve => setTimeout(resolve, 100))
    assert.equal((await fetch(`${node.gatewayUrl}/healthz`)).status, 200, 'and connections are taken again once they close')
  })

  it('gives errors Fastify raises before routing the documented body', async () => {
    const bad = await exchange(port, `GET /%zz HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`)
    assert.match(bad.status, / 400 /)
    assert.equal(JSON.parse(bad.body).error.code, 'ERR_INVALID_REQUEST')
    const long = await exchange(port, `GET /v1/records/${'a'.repeat(600)} HTTP/1.1\r\n${host()}Connection: close\r\n\r\n`)
    assert.match(long.status, / 414 /)
    assert.equal(JSON.parse(long.body).error.name, 'InvalidRequestError')
  })

  it('gives requests Node\'s parser refuses, and requests without Host, the documented body (found by the fuzz suite)', async () => {
    const cases: Array<[string, RegExp, string]> = [
      ['GET / HTTP/1.1x\r\n\r\n', / 400 /, 'ERR_MALFORMED_REQUEST'],
      [`GET /healthz HTTP/1.1\r\n${host()}X-Bad\u0001: v\r\n\r\n`, / 400 /, 'ERR_MALFORMED_REQUEST'],
      [`GET /healthz HTTP/1.1\r\n${host()}X-Big: ${'v'.repeat(20_000)}\r\n\r\n`, / 431 /, 'ERR_TOO_LARGE'],
      ['GET /v1/node HTTP/1.1\r\nConnection: close\r\n\r\n', / 403 /, 'ERR_HOST_NOT_ALLOWED']
    ]
    for (const [head, status, code] of cases) {
      const r = await exchange(port, head)
      assert.match(r.status, status, head.slice(0, 40))
      assert.equal(JSON.parse(r.body).error.code, code, head.slice(0, 40))
    }
    // a request answered before its body turned out malformed, or cut short, gets no second answer on its connection
    const cut = await exchange(port, `HEAD /%zz HTTP/1.1\r\n${host()}Content-Length: 5\r\n\r\n{}`, Buffer.alloc(0), 3_000, true)
    assert.match(cut.status, / 400 /)
    assert.equal(cut.body, '', 'nothing after the HEAD answer')
    const once = await exchange(port, `GET /%zz HTTP/1.1\r\n${host()}Transfer-Encoding: chunked\r\n\r\n{}`)
    assert.match(once.status, / 400 /)
    assert.equal(JSON.parse(once.body).error.code, 'ERR_INVALID_REQUEST')
  })

  it('refuses to listen on an address other machines reach without allowRemote, before binding it', async () => {
    const home = join(root, 'remote')
    await initHome(home)
    const remote = new AtelierNode({ config: resolveConfig(home, { http: { host: '0.0.0.0', port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } }), logger: silentLogger(), processMetrics: false })
    await assert.rejects(remote.start(), (err: any) => err.name === 'ConfigError' && /--allow-remote/.test(err.message))
    // the api file of a wildcard listener names loopback, which this machine's clients can reach
    assert.equal(localUrl('0.0.0.0', 5180), 'http://127.0.0.1:5180')
    assert.equal(localUrl('::', 5180), 'http://[::1]:5180')
    assert.equal(localUrl('127.0.0.1', 5180), 'http://127.0.0.1:5180')
  })
})
