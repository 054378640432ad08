/**
 * The /ipfs routes over a real store, through Fastify (inject, and one real socket on 127.0.0.1:0).
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { CarReader } from '@ipld/car'
import { truncate } from 'node:fs/promises'
import { get } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as dagPb from '@ipld/dag-pb'
import Fastify from 'fastify'
import type { CID } from 'multiformats/cid'
import { isAtelierError } from '../../src/errors.ts'
import { ipfsRoutes, sniff } from '../../src/gateway/ipfs-routes.ts'
import { servedMediaType } from '../../src/gateway/media-type.ts'
import { makeRecord, pieces, removeHome, startStore, tempHome, testBytes, unknownCid } from './helpers.ts'
import type { ContentStoreNode } from '../../src/store/index.ts'
import type { FastifyInstance } from 'fastify'

const CHUNK = 128 * 1024
const IMMUTABLE = 'public, max-age=29030400, immutable'

describe('/ipfs routes', () => {
  let home: string
  let node: ContentStoreNode
  let app: FastifyInstance
  const file = testBytes(3 * 1024 * 1024 + 777)
  let cid: string

  before(async () => {
    home = await tempHome()
    node = await startStore(home, { chunkSize: CHUNK, readAhead: 4 })
    cid = (await node.store.addContent(pieces(file))).cid
    // force: a keep-alive socket left by fetch() would otherwise hold close() for the keep-alive timeout
    app = Fastify({ forceCloseConnections: true })
    // the same shape as the gateway's central handler
    app.setErrorHandler((err, _request, reply) => {
      if (isAtelierError(err)) {
        void reply.code(err.httpStatus).send({ error: { code: err.code, name: err.name, message: err.message } })
        return
      }
      void reply.code(500).send({ error: { code: 'ERR_INTERNAL', name: 'InternalError', message: String(err) } })
    })
    await app.register(async (scope) => { await ipfsRoutes(scope, { store: node.store }) })
    await app.ready()
  })

  after(async () => {
    await app.close()
    await node.stop()
    await removeHome(home)
  })

  it('serves the file with the gateway headers', async () => {
    const res = await app.inject({ method: 'GET', url: `/ipfs/${cid}` })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-length'], String(file.byteLength))
    assert.equal(res.headers['content-type'], 'application/octet-stream')
    assert.equal(res.headers.etag, `"${cid}"`)
    assert.equal(res.headers['cache-control'], IMMUTABLE)
    assert.equal(res.headers['accept-ranges'], 'bytes')
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.match(String(res.headers['content-security-policy']), /^sandbox; default-src 'none'/, 'served content runs no script on the page\'s origin')
    assert.ok(res.rawPayload.equals(file))
  })

  it('answers HEAD with the same headers and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url: `/ipfs/${cid}` })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-length'], String(file.byteLength))
    assert.equal(res.headers.etag, `"${cid}"`)
    assert.equal(res.rawPayload.byteLength, 0)
  })

  it('answers 304 to a matching If-None-Match', async () => {
    for (const inm of [`"${cid}"`, `W/"${cid}"`, `"other", "${cid}"`, '*']) {
      const res = await app.inject({ method: 'GET', url: `/ipfs/${cid}`, headers: { 'if-none-match': inm } })
      assert.equal(res.statusCode, 304, inm)
      assert.equal(res.rawPayload.byteLength, 0)
      assert.equal(res.headers.etag, `"${cid}"`)
    }
    const res = await app.inject({ method: 'GET', url: `/ipfs/${cid}`, headers: { 'if-none-match': '"something-else"' } })
    assert.equal(res.statusCode, 200)
  })

  it('answers single ranges with 206, byte-exact', async () => {
    const size = file.byteLength
    const cases: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 0],
      ['bytes=0-99', 0, 99],
      [`bytes=${CHUNK - 5}-${CHUNK + 5}`, CHUNK - 5, CHUNK + 5], // crosses a leaf boundary
      [`bytes=${CHUNK}-${3 * CHUNK - 1}`, CHUNK, 3 * CHUNK - 1], // whole leaves
      ['bytes=1000000-2000000', 1_000_000, 2_000_000], // middle
      [`bytes=${size - 10}-`, size - 10, size - 1], // open-ended
      ['bytes=-500', size - 500, size - 1], // suffix
      [`bytes=-${size + 100}`, 0, size - 1], // suffix longer than the file
      [`bytes=${size - 3}-${size + 1000}`, size - 3, size - 1] // end clamped
    ]
    for (const [range, start, end] of cases) {
      const res = await app.inject({ method: 'GET', url: `/ipfs/${cid}`, headers: { range } })
      assert.equal(res.statusCode, 206, range)
      assert.equal(res.headers['content-range'], `bytes ${start}-${end}/${size}`, range)
      assert.equal(res.headers['content-length'], String(end - start + 1), range)
      assert.ok(res.rawPayload.equals(file.subarray(start, end + 1)), `${range} bytes`)
    }
    const head = await app.inject({ method: 'HEAD', url: `/ipfs/${cid}`, headers: { range: 'bytes=10-19' } })
    assert.equal(head.statusCode, 206)
    assert.equal(head.headers['content-length'], '10')
    assert.equal(head.rawPayload.byteLength, 0)
  })

  it('answers 416 to an unsatisfiable range and ignores malformed or multiple ranges', async () => {
    const size = file.byteLength
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
      const res = await app.inject({ method: 'GET', url: `/ipfs/${cid}`, headers: { range } })
      assert.equal(res.statusCode, 416, range)
      assert.equal(res.headers['content-range'], `bytes */${size}`)
      assert.equal(res.json().error.code, 'ERR_RANGE_NOT_SATISFIABLE')
    }
    for (const range of ['bytes=0-1,5-6', 'items=0-5', 'bytes=20-10', 'bytes=x-y']) {
      const res = await app.inject({ method: 'GET', url: `/ipfs/${cid}`, headers: { range } })
      assert.equal(res.statusCode, 200, range)
      assert.equal(res.rawPayload.byteLength, size)
    }
    const ifRange = await app.inject({ method: 'GET', url: `/ipfs/${cid}`, headers: { range: 'bytes=0-9', 'if-range': '"not-this"' } })
    assert.equal(ifRange.statusCode, 200)
  })

  it('serves the raw block for ?format=raw and Accept: application/vnd.ipld.raw', async () => {
    const block = await node.store.getBlock(cid)
    for (const req of [{ url: `/ipfs/${cid}?format=raw` }, { url: `/ipfs/${cid}`, headers: { accept: 'application/vnd.ipld.raw' } }]) {
      const res = await app.inject({ method: 'GET', ...req })
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['content-type'], 'application/vnd.ipld.raw')
      assert.equal(res.headers['content-length'], String(block.byteLength))
      assert.equal(res.headers['cache-control'], IMMUTABLE)
      assert.ok(res.rawPayload.equals(Buffer.from(block)))
    }
    const res = await app.inject({ method: 'GET', url: `/ipfs/${cid}?format=tar` })
    assert.equal(res.statusCode, 400)
  })

  it('streams a CARv1 for ?format=car and Accept: application/vnd.ipld.car', async () => {
    for (const req of [{ url: `/ipfs/${cid}?format=car` }, { url: `/ipfs/${cid}`, headers: { accept: 'application/vnd.ipld.car; version=1' } }]) {
      const res = await app.inject({ method: 'GET', ...req })
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['content-type'], 'application/vnd.ipld.car; version=1')
      const reader = await CarReader.fromBytes(res.rawPayload)
      assert.deepEqual((await reader.getRoots()).map(String), [cid])
      const parts: Buffer[] = []
      let blocks = 0
      for await (const b of reader.blocks()) {
        blocks++
        assert.ok(createHash('sha256').update(b.bytes).digest().equals(Buffer.from(b.cid.multihash.digest)))
        if (b.cid.code === 0x55) parts.push(Buffer.from(b.bytes))
      }
      assert.equal(blocks, Math.ceil(file.byteLength / CHUNK) + 1)
      assert.ok(Buffer.concat(parts).equals(file)) // leaves come in file order
    }
  })

  it('answers 404 fast for a CID not held, in every format', async () => {
    const missing = unknownCid()
    const started = Date.now()
    for (const url of [`/ipfs/${missing}`, `/ipfs/${missing}?format=raw`, `/ipfs/${missing}?format=car`, `/ipfs/${missing}/a/b`]) {
      const res = await app.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 404, url)
      assert.deepEqual(Object.keys(res.json().error).sort(), ['code', 'message', 'name'])
      assert.equal(res.json().error.code, 'ERR_NOT_FOUND')
    }
    assert.ok(Date.now() - started < 1000)
  })

  it('answers 400 for an invalid CID', async () => {
    for (const url of ['/ipfs/not-a-cid', '/ipfs/bafy123', '/ipfs/Qmxyz/file.txt']) {
      const res = await app.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 400, url)
      assert.equal(res.json().error.code, 'ERR_INVALID_CID')
    }
  })

  it('serves files under a directory path, typed by extension or magic number', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), testBytes(100)])
    const { unixfs } = await import('@helia/unixfs')
    const { CID } = await import('multiformats/cid')
    const fs = unixfs(node.helia)
    const pngCid = (await node.store.addContent(pieces(png))).cid
    let dir = await fs.addDirectory()
    dir = await fs.cp(CID.parse(pngCid), dir, 'picture')
    dir = await fs.cp(CID.parse(pngCid), dir, 'page.html')
    const byMagic = await app.inject({ method: 'GET', url: `/ipfs/${dir}/picture` })
    assert.equal(byMagic.statusCode, 200)
    assert.equal(byMagic.headers['content-type'], 'image/png')
    assert.equal(byMagic.headers.etag, `"${pngCid}"`)
    assert.ok(byMagic.rawPayload.equals(png))
    const html = await app.inject({ method: 'GET', url: `/ipfs/${dir}/page.html` })
    assert.equal(html.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(html.headers['x-content-type-options'], 'nosniff')
    assert.equal((await app.inject({ method: 'GET', url: `/ipfs/${dir}/nothing-here` })).statusCode, 404)
    assert.equal((await app.inject({ method: 'GET', url: `/ipfs/${dir}` })).statusCode, 400)
    const car = await app.inject({ method: 'GET', url: `/ipfs/${dir}?format=car` })
    assert.equal(car.statusCode, 200)
  })

  it('serves records as application/json', async () => {
    const record = makeRecord({ hello: 'record' })
    await node.store.putRecord(record.cid, record.bytes)
    const res = await app.inject({ method: 'GET', url: `/ipfs/${record.cid}` })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-type'], 'application/json')
    assert.deepEqual(res.json(), { hello: 'record' })
  })

  it('sniffs a few magic numbers', () => {
    assert.equal(sniff(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg')
    assert.equal(sniff(Buffer.from('GIF89a...')), 'image/gif')
    assert.equal(sniff(Buffer.from('%PDF-1.7')), 'application/pdf')
    assert.equal(sniff(Buffer.from('RIFF1234WEBPVP8 ')), 'image/webp')
    assert.equal(sniff(Buffer.from('<html><script>')), 'application/octet-stream')
    assert.equal(sniff(new Uint8Array(0)), 'application/octet-stream')
    assert.equal(sniff(Buffer.from('\0\0\0\x18ftypisom')), 'video/mp4')
    assert.equal(sniff(Buffer.from('\0\0\0\x14ftypqt  ')), 'video/quicktime')
    assert.equal(sniff(Buffer.from('\0\0\0\x20ftypM4A ')), 'audio/mp4')
  })

  it('takes a declared media type only when it cannot run script on the page\'s origin', () => {
    assert.equal(servedMediaType('video/mp4'), 'video/mp4')
    assert.equal(servedMediaType('Image/PNG; x=1'), 'image/png')
    assert.equal(servedMediaType('application/pdf'), 'application/pdf')
    for (const active of ['text/html', 'image/svg+xml', 'text/javascript', 'application/xhtml+xml']) {
      assert.notEqual(servedMediaType(active), active, active)
    }
    assert.equal(servedMediaType('text/html'), 'text/plain; charset=utf-8')
    assert.equal(servedMediaType('application/x-msdownload'), undefined)
    assert.equal(servedMediaType(42), undefined)
  })

  it('streams over a real socket, and a client that leaves early does not break the server', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    const full = await fetch(`${address}/ipfs/${cid}`)
    assert.equal(full.status, 200)
    assert.ok(Buffer.from(await full.arrayBuffer()).equals(file))

    const controller = new AbortController()
    const partial = await fetch(`${address}/ipfs/${cid}`, { signal: controller.signal })
    const reader = (partial.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    controller.abort() // drops the connection mid-body
    await reader.read().catch(() => {})

    const ranged = await fetch(`${address}/ipfs/${cid}`, { headers: { range: 'bytes=100-199' } })
    assert.equal(ranged.status, 206)
    assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(file.subarray(100, 200)))
    await waitFor(() => node.store.lentBuffers().lent === 0, 'the client that left gave its buffers back')
  })

  it('serves files through lent buffers and gets every one back, many clients at once and more than it can lend', async () => {
    const address = app.server.listening ? `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` : await app.listen({ host: '127.0.0.1', port: 0 })
    // a second file, so that a buffer given back too early would show one file's bytes inside the other
    const other = testBytes(2 * 1024 * 1024 + 99)
    const otherCid = (await node.store.addContent(pieces(other))).cid
    const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
    const wants = [
      { url: `/ipfs/${cid}`, sha: sha(file) },
      { url: `/ipfs/${otherCid}`, sha: sha(other) },
      { url: `/ipfs/${cid}`, range: 'bytes=131000-2000000', sha: sha(file.subarray(131000, 2000001)) },
      { url: `/ipfs/${otherCid}`, range: 'bytes=5-', sha: sha(other.subarray(5)) }
    ]
    // 12 requests at once: each wants up to readAhead (4) buffers and the store lends 8 in all
    const got = await Promise.all(Array.from({ length: 12 }, async (_, i) => {
      const want = wants[i % wants.length]
      const res = await fetch(`${address}${want.url}`, want.range != null ? { headers: { range: want.range } } : {})
      return { want, status: res.status, sha: sha(Buffer.from(await res.arrayBuffer())) }
    }))
    for (const g of got) {
      assert.equal(g.status, g.want.range != null ? 206 : 200)
      assert.equal(g.sha, g.want.sha, `${g.want.url} ${g.want.range ?? ''}: bytes differ`)
    }
    const lending = node.store.lentBuffers()
    assert.ok(lending.allocated > 0 && lending.allocated <= 8, `lent from at most its 8 buffers, got ${JSON.stringify(lending)}`)
    await waitFor(() => node.store.lentBuffers().lent === 0, 'every buffer came back')
  })

  it('keeps a slow client\'s buffers lent until its socket took them, while other clients borrow', async () => {
    const address = app.server.listening ? `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` : await app.listen({ host: '127.0.0.1', port: 0 })
    const other = testBytes(3 * 1024 * 1024 + 3)
    const otherCid = (await node.store.addContent(pieces(other))).cid
    // bigger than what loopback's socket buffers take in before the server's writes must wait (4 MiB to send here)
    const big = testBytes(16 * 1024 * 1024 + 1)
    const bigCid = (await node.store.addContent(pieces(big))).cid
    const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
    // the slow client: takes its response and reads nothing for a while, so the server's writes of it queue up
    const slow = new Promise<string>((resolve, reject) => {
      get(`${address}/ipfs/${bigCid}`, res => {
        res.pause()
        const parts: Buffer[] = []
        res.on('data', (b: Buffer) => { parts.push(b) })
        res.on('end', () => { resolve(sha(Buffer.concat(parts))) })
        res.on('error', reject)
        setTimeout(() => { res.resume() }, 400)
      }).on('error', reject)
    })
    await new Promise(resolve => setTimeout(resolve, 100))
    // meanwhile others read the other file through the same lender: a buffer the slow client gave back too early
    // would be filled with the other file's bytes before the slow client's socket sent it
    const others = await Promise.all(Array.from({ length: 6 }, async () => sha(Buffer.from(await (await fetch(`${address}/ipfs/${otherCid}`)).arrayBuffer()))))
    for (const got of others) assert.equal(got, sha(other))
    assert.equal(await slow, sha(big), 'the slow client got its own bytes')
    await waitFor(() => node.store.lentBuffers().lent === 0, 'every buffer came back')
  })

  it('cuts the connection when a leaf turns out corrupt mid-body, and gets its buffers back', async () => {
    const address = app.server.listening ? `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` : await app.listen({ host: '127.0.0.1', port: 0 })
    const bad = testBytes(1024 * 1024 + 5)
    const badCid = (await node.store.addContent(pieces(bad))).cid
    // shorten the file of the fifth leaf: its parent still declares the full size
    const leaves = await leafCids(node, badCid)
    const path = node.blockstore.pathOf(leaves[4])
    await truncate(path, 1000)
    const res = await fetch(`${address}/ipfs/${badCid}`)
    assert.equal(res.status, 200, 'the head went before the bad leaf was read')
    await assert.rejects(res.arrayBuffer(), 'the body is cut short, not completed with wrong bytes')
    await waitFor(() => node.store.lentBuffers().lent === 0, 'buffers came back after the cut')
  })
})

async function waitFor (test: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!test()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting: ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** The CIDs of a file's leaves, in order (the root's links: the test files are one level deep) */
async function leafCids (node: ContentStoreNode, root: string): Promise<CID[]> {
  const block = await node.store.getBlock(root)
  return dagPb.decode(block).Links.map(l => l.Hash)
}
