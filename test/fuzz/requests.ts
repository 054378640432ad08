/**
 * Malformed HTTP/1.1 requests on raw sockets (nothing in a client library tidies them): methods, paths, headers,
 * `/ipfs` Range headers and bodies, each drawn from what a confused or hostile client sends. The property: no 5xx,
 * and an error the gateway writes is the documented JSON body (`{ error: { code: "ERR_…" } }`). Node's own HTTP
 * parser may answer a request it cannot parse with a bare 400 and close, which is counted apart.
 */
import { connect } from 'node:net'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { FuzzTarget } from './target.ts'

export interface RawRequest { text: string, body: Uint8Array, label: string }

function request (t: FuzzTarget): fc.Arbitrary<RawRequest> {
  const port = new URL(t.d.url).port
  const cid = t.content
  const method = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH') },
    { weight: 1, arbitrary: fc.constantFrom('TRACE', 'CONNECT', 'PROPFIND', 'get', 'G\u0000T', 'FOO', '', 'GET GET', 'X'.repeat(300)) }
  )
  const path = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('/healthz', '/v1/node', '/v1/records', `/ipfs/${cid}`, `/ipfs/${cid}?format=raw`, `/ipfs/${cid}?format=car`, '/v1/collectives', `/v1/collectives/${t.collective}/digest`, '/v1/peers', '/metrics', '/') },
    { weight: 2, arbitrary: fc.constantFrom('/%', '/%zz', '//', '/../../etc/passwd', '/v1/records?limit=-1', '/v1/records?limit=99999999999', '/v1/records?cursor=%ff%fe', '/v1/records/not-a-cid',
      `/ipfs/${cid}/../../x`, '/ipfs/', '/ipfs/Qm', '/ipfs/bafy%00', '*', 'http://evil.example/', '/v1/records?kind=asset&kind=license', `/v1/records?${'a=1&'.repeat(2000)}`,
      `/ipfs/${'b'.repeat(5000)}`, '/v1/assets/%F0%9F%98%80/lineage', '/\u00e9', '/v1/search?q=' + '%22'.repeat(300)) },
    { weight: 1, arbitrary: fc.webPath() },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 60 }).map(s => `/${s}`) }
  )
  const range = fc.constantFrom('bytes=0-9', 'bytes=-5', 'bytes=10-5', 'bytes=0-0,5-9', 'bytes=999999999999-', 'bytes=abc', 'items=0-1', 'bytes=' + '0-1,'.repeat(500), 'bytes=9999-10010', 'bytes=-0', 'bytes=0-', 'bytes= 1 - 2', 'bytes=1-2-3', 'bytes=18446744073709551616-')
  const header = fc.oneof(
    range.map(r => `Range: ${r}`),
    fc.constantFrom('Content-Type: application/json', 'Content-Type: text/plain', 'Content-Type: application/json; charset=latin1', 'Content-Type: multipart/form-data; boundary=x', 'Content-Type: \u00ff'),
    fc.constantFrom('Content-Length: -1', 'Content-Length: 99999999999999', 'Content-Length: 5', 'Content-Length: abc', 'Content-Length: 1, 2', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked', 'Transfer-Encoding: identity'),
    fc.constantFrom('Authorization: Bearer junk', 'Authorization: Basic Zm9vOmJhcg==', 'Authorization: Bearer', `Authorization: Bearer ${t.d.token}x`),
    fc.constantFrom('Accept: application/vnd.ipld.car', 'Accept: application/vnd.ipld.raw', 'Accept: */*;q=abc', 'Accept-Encoding: gzip, br, zstd', 'If-None-Match: "x"', `If-None-Match: "${cid}"`, 'Expect: 100-continue', 'Connection: upgrade', 'Upgrade: websocket'),
    fc.constantFrom(`X-Big: ${'v'.repeat(20_000)}`, 'X-Bad\u0001: v', 'NoColonHeader', ': empty-name', 'X-Unicode: \u00e9\u{1F600}', 'Host: evil.example', 'Host: ', `Host: 127.0.0.1:${port}`)
  )
  const body = fc.oneof(
    fc.constant(new Uint8Array(0)),
    fc.uint8Array({ maxLength: 200 }),
    fc.constantFrom('{}', '[]', 'null', '{"a":', '['.repeat(10_000), '{"__proto__":{"x":1}}', '0\r\n\r\n', 'zz\r\nabc\r\n0\r\n\r\n', '5\r\nabc\r\n').map(s => new TextEncoder().encode(s)),
    fc.json({ maxDepth: 3 }).map(s => new TextEncoder().encode(s))
  )
  const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', '')
  return fc.record({ method, path, headers: fc.array(header, { maxLength: 5 }), body, version, host: fc.boolean() }).map(r => {
    const heads = [...(r.host ? [`Host: 127.0.0.1:${port}`] : []), ...r.headers]
    if (!heads.some(h => /^(content-length|transfer-encoding):/i.test(h)) && r.body.length > 0) heads.push(`Content-Length: ${r.body.length}`)
    const text = `${r.method} ${r.path} ${r.version}\r\n${heads.map(h => `${h}\r\n`).join('')}\r\n`
    return { text, body: r.body, label: `${r.method} ${r.path.slice(0, 80)} ${r.version} [${r.headers.map(h => h.slice(0, 40)).join(' | ')}] body ${r.body.length} B` }
  })
}

export interface Answer { status: number | undefined, json: boolean, head: string, body: string }

/** Send one raw request and half-close; the answer's status line and body, or undefined when none came in `ms` */
export async function send (port: number, req: RawRequest, ms = 3_000): Promise<Answer> {
  return await new Promise(resolve => {
    const s = connect(Number(port), '127.0.0.1')
    const chunks: Buffer[] = []
    let size = 0
    const finish = (): void => {
      clearTimeout(timer)
      s.destroy()
      // an interim 100 Continue is not the answer
      const got = Buffer.concat(chunks).toString('latin1').replace(/^(HTTP\/1\.1 100 [^\r]*\r\n\r\n)+/, '')
      const sep = got.indexOf('\r\n\r\n')
      const head = sep >= 0 ? got.slice(0, sep) : got
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head)
      const length = /content-length: (\d+)/i.exec(head)
      const body = sep < 0 ? '' : length != null ? got.slice(sep + 4, sep + 4 + Number(length[1])) : got.slice(sep + 4)
      resolve({ status: m != null ? Number(m[1]) : undefined, json: /content-type: application\/json/i.test(head), head, body })
    }
    const timer = setTimeout(finish, ms)
    s.on('data', d => {
      // the first answer is enough: stop at 64 KiB (an /ipfs body may be longer)
      if (size < 65_536) { chunks.push(d); size += d.length }
    })
    s.on('error', () => {})
    s.on('close', finish)
    s.write(req.text, 'latin1')
    if (req.body.length > 0) s.write(req.body)
    s.end()
  })
}

export interface RequestsTally { sent: number, statuses: Record<string, number>, bareParserErrors: number, noAnswer: number }

/** The property over `count` raw requests */
export async function fuzzHttpRequests (t: FuzzTarget, count: number, seed: number): Promise<RequestsTally> {
  const port = Number(new URL(t.d.url).port)
  const tally: RequestsTally = { sent: 0, statuses: {}, bareParserErrors: 0, noAnswer: 0 }
  await fc.assert(fc.asyncProperty(request(t), async (req) => {
    tally.sent++
    const a = await send(port, req)
    const key = a.status == null ? 'none' : String(a.status)
    tally.statuses[key] = (tally.statuses[key] ?? 0) + 1
    if (a.status == null) { tally.noAnswer++; return }
    assert.ok(a.status < 500, `${req.label}: ${a.head.split('\r\n')[0]} ${a.body.slice(0, 300)}`)
    if (a.status >= 400) {
      if (!a.json) { tally.bareParserErrors++; if (process.env.ATELIER_FUZZ_DEBUG === '1') console.error(req.label, '=>', a.head.split('\r\n').join(' | ').slice(0, 300)); return }
      // HEAD answers carry no body (their Content-Length describes the GET's)
      if (a.body.length > 0 && !req.text.startsWith('HEAD ')) assert.match(JSON.parse(a.body).error?.code ?? '', /^ERR_/, `${req.label}: ${a.body.slice(0, 300)}`)
    }
  }), { seed, numRuns: count, endOnFailure: false })
  return tally
}
