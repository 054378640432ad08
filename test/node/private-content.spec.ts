/**
 * Encrypted works on a real node over its real HTTP gateway (issue 14 D3): an upload for a private collective is
 * sealed before the UnixFS import, so the data dir, the CID and /ipfs hold ciphertext only; the asset record carries
 * the `encryption` member (asset/3) and no fingerprint; the member's gateway answers exact plaintext, whole and by
 * range, on loopback with the token; the page's module (@noble/ciphers) opens the same bytes with the epoch key the
 * daemon hands it; plaintext content cannot be recorded in a private collective.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { AtelierNode } from '../../src/node/atelier-node.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { initHome } from '../../src/identity/index.ts'
import { resolveConfig } from '../../src/config.ts'
import { credentialSchemaId } from '../../src/records/index.ts'
import { ciphertextSize } from '../../src/private/content-header.ts'
import { decryptWork } from '../../web/src/private-content.ts'
import { MemoryEpochKeys } from '../private/memory-epoch-keys.ts'

const MARKER = 'QZX-private-marker-5c1e9b'

/** Every file under `dir` */
async function * files (dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) yield * files(p)
    else if (e.isFile()) yield p
  }
}

describe('encrypted works on a node', () => {
  let node: AtelierNode
  let home: string
  const keys = new MemoryEpochKeys()
  let collective: string
  let open: string
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${node.identity.apiToken}` })
  // ~300 KiB: five chunks of 64 KiB, the last partial; the marker in several places, across chunk boundaries too
  const work = new Uint8Array(randomBytes(300_000))
  for (const at of [0, 65_530, 131_070, 299_000]) work.set(Buffer.from(MARKER), at)

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${node.gatewayUrl}${path}`, {
      method, headers: { ...auth(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    return { status: res.status, body: await res.json() }
  }
  const upload = async (bytes: Uint8Array, query = ''): Promise<any> => {
    const res = await fetch(`${node.gatewayUrl}/v1/content${query}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/octet-stream' }, body: bytes as unknown as BodyInit })
    assert.equal(res.status, 201)
    return await res.json()
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'atelier-private-content-'))
    await initHome(home)
    node = new AtelierNode({
      config: resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] }, fingerprints: { compute: true } }),
      logger: silentLogger(),
      processMetrics: false,
      epochKeys: keys
    })
    await node.start()
    collective = (await call('POST', '/v1/collectives', { name: 'Private drafts' })).body.id
    open = (await call('POST', '/v1/collectives', { name: 'Open prints' })).body.id
    keys.rotate(collective)
  })

  after(async () => {
    await node?.stop()
    if (home != null) await rm(home, { recursive: true, force: true })
  })

  let cid: string
  let record: any
  let recordCid: string

  it('seals the upload before it is addressed and records it as asset/3 with its encryption and no fingerprint', async () => {
    const added = await upload(work, `?collective=${collective}`)
    cid = added.cid
    assert.equal(added.size, ciphertextSize(work.length, 65_536))
    assert.equal(added.encryption.plaintextSize, work.length)
    assert.equal(added.encryption.epoch, 0)
    const created = await call('POST', '/v1/assets', { content: cid, title: 'Draft', mediaType: 'application/pdf', collective })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    record = created.body.record
    recordCid = created.body.cid
    assert.equal(record.credentialSchema.id, credentialSchemaId('asset', 3))
    assert.equal(record.credentialSubject.mediaType, 'application/vnd.atelier.encrypted')
    assert.equal(record.credentialSubject.byteSize, added.size)
    assert.equal(record.credentialSubject.fingerprints, undefined)
    assert.deepEqual({ ...record.credentialSubject.encryption }, { ...added.encryption, mediaType: 'application/pdf' })
  })

  it('holds no plaintext byte: /ipfs serves ciphertext and no file in the data dir holds the marker', async () => {
    const served = new Uint8Array(await (await fetch(`${node.gatewayUrl}/ipfs/${cid}`)).arrayBuffer())
    assert.equal(served.length, ciphertextSize(work.length, 65_536))
    assert.ok(!Buffer.from(served).includes(MARKER))
    let checked = 0
    for await (const f of files(home)) {
      assert.ok(!(await readFile(f)).includes(MARKER), `${f} holds the marker`)
      checked++
    }
    assert.ok(checked > 3)
  })

  it('answers the exact plaintext on loopback with the token, whole and by range across chunk boundaries', async () => {
    const whole = await fetch(`${node.gatewayUrl}/v1/content/${cid}/plaintext`, { headers: auth() })
    assert.equal(whole.status, 200)
    assert.equal(whole.headers.get('content-type'), 'application/pdf')
    assert.equal(whole.headers.get('x-atelier-record'), recordCid)
    assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), work)
    const ranges: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 0], ['bytes=65535-65536', 65_535, 65_536], ['bytes=65536-131071', 65_536, 131_071],
      ['bytes=100000-250000', 100_000, 250_000], ['bytes=-100', work.length - 100, work.length - 1], ['bytes=262144-', 262_144, work.length - 1]
    ]
    for (const [header, a, b] of ranges) {
      const res = await fetch(`${node.gatewayUrl}/v1/content/${cid}/plaintext`, { headers: { ...auth(), range: header } })
      assert.equal(res.status, 206, header)
      assert.equal(res.headers.get('content-range'), `bytes ${a}-${b}/${work.length}`)
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), work.subarray(a, b + 1), header)
    }
    const past = await fetch(`${node.gatewayUrl}/v1/content/${cid}/plaintext`, { headers: { ...auth(), range: `bytes=${work.length}-` } })
    assert.equal(past.status, 416)
    const anonymous = await fetch(`${node.gatewayUrl}/v1/content/${cid}/plaintext`)
    assert.equal(anonymous.status, 401)
    assert.equal((await anonymous.json()).error.code, 'ERR_UNAUTHORIZED')
  })

  it('hands the member\'s page the epoch key, with which @noble/ciphers opens and checks the work', async () => {
    const res = await fetch(`${node.gatewayUrl}/v1/collectives/${collective}/epochs/0/key`, { headers: auth() })
    assert.equal(res.status, 200)
    const epochKey = Uint8Array.from(Buffer.from((await res.json()).key, 'base64url'))
    const ciphertext = new Uint8Array(await (await fetch(`${node.gatewayUrl}/ipfs/${cid}`)).arrayBuffer())
    assert.deepEqual(decryptWork(ciphertext, epochKey, collective, record.credentialSubject.encryption), work)
    assert.equal((await fetch(`${node.gatewayUrl}/v1/collectives/${collective}/epochs/0/key`)).status, 401)
    assert.equal((await fetch(`${node.gatewayUrl}/v1/collectives/${collective}/epochs/1/key`, { headers: auth() })).status, 404)
  })

  it('the provenance report finds the record and its ciphertext in agreement, and the wrap opening', async () => {
    const report = (await call('GET', `/v1/assets/${recordCid}/provenance`)).body
    const codes = report.findings.map((f: any) => f.code)
    assert.ok(codes.includes('content.valid'), JSON.stringify(codes))
    assert.ok(codes.includes('encryption.valid'), JSON.stringify(codes))
    assert.match(report.findings.find((f: any) => f.code === 'encryption.valid').message, /opens with this node's key of epoch 0/)
  })

  it('refuses to record plaintext content in a private collective, and leaves a public collective\'s uploads as they were', async () => {
    const plain = await upload(new Uint8Array(randomBytes(5000)))
    const refused = await call('POST', '/v1/assets', { content: plain.cid, title: 'Leaked draft', collective })
    assert.equal(refused.status, 422)
    assert.equal(refused.body.error.code, 'ERR_NOT_ENCRYPTED')
    const bytes = new Uint8Array(randomBytes(5000))
    const a = await upload(bytes)
    const b = await upload(bytes, `?collective=${open}`)
    assert.equal(b.cid, a.cid)
    assert.equal(b.encryption, undefined)
  })
})
