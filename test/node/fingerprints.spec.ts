/**
 * Fingerprints on a real node over its real HTTP gateway (issue 12 D2): `POST /v1/assets` puts the fingerprints of
 * the held bytes in the record it signs (the same codes src/fingerprints computes), by media type or sniffed; works
 * that give none get none; `fingerprints: false` and `fingerprints.compute: false` turn it off; the index holds the
 * codes as soon as the record is acknowledged; the provenance report checks them and flags a false one.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { AtelierNode } from '../../src/node/atelier-node.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { initHome, nativeCrypto } from '../../src/identity/index.ts'
import { resolveConfig } from '../../src/config.ts'
import type { ConfigOverrides } from '../../src/config.ts'
import { createSigner, credentialSchemaId, issueRecord } from '../../src/records/index.ts'
import type { FingerprintClaim } from '../../src/records/types.ts'
import { computeFingerprints } from '../../src/fingerprints/claims.ts'
import { imageFingerprints, textFingerprints } from '../../src/fingerprints/index.ts'
import { jpeg, png, structuredImage } from '../fingerprints/generated.ts'

interface Running {
  node: AtelierNode
  home: string
  upload: (bytes: Uint8Array) => Promise<{ cid: string, size: number }>
  call: (method: string, path: string, body?: unknown) => Promise<{ status: number, body: any }>
}

async function startNode (overrides: ConfigOverrides = {}): Promise<Running> {
  const home = await mkdtemp(join(tmpdir(), 'atelier-fingerprints-'))
  await initHome(home)
  const node = new AtelierNode({
    config: resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] }, ...overrides }),
    logger: silentLogger(),
    processMetrics: false
  })
  await node.start()
  const auth = { authorization: `Bearer ${node.identity.apiToken}` }
  const upload = async (bytes: Uint8Array): Promise<{ cid: string, size: number }> => {
    const res = await fetch(`${node.gatewayUrl}/v1/content`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: bytes as unknown as BodyInit })
    assert.equal(res.status, 201)
    return await res.json() as { cid: string, size: number }
  }
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${node.gatewayUrl}${path}`, {
      method,
      headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {})
    })
    return { status: res.status, body: await res.json() }
  }
  return { node, home, upload, call }
}

async function stop (n: Running | undefined): Promise<void> {
  if (n == null) return
  await n.node.stop()
  await rm(n.home, { recursive: true, force: true })
}

const fingerprintsOf = (record: any): FingerprintClaim[] | undefined => record.credentialSubject.fingerprints

/** A text of `n` characters with words enough for ISCC's windows */
function longText (n: number): string {
  const words = ['harbour', 'dusk', 'ink', 'rain', 'boat', 'grey', 'water', 'home', 'lamp', 'rope']
  let s = ''
  let k = 7
  while (s.length < n) { k = (k * 7919 + 13) % 104729; s += words[k % words.length] + (k % 11 === 0 ? '.\n' : ' ') }
  return s.slice(0, n)
}

describe('fingerprints on a node', { timeout: 180_000 }, () => {
  let n: Running
  before(async () => { n = await startNode() })
  after(async () => { await stop(n) })

  it('an image asset carries PDQ-256 and ISCC Image-Code-64 of its bytes, as version 2, indexed at once', async () => {
    const bytes = await png(structuredImage(21, 800, 600))
    const { cid } = await n.upload(bytes)
    const res = await n.call('POST', '/v1/assets', { content: cid, title: 'Quay', mediaType: 'image/png' })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const f = await imageFingerprints(bytes)
    assert.deepEqual(fingerprintsOf(res.body.record), [
      { alg: 'pdq-256', bits: 256, code: f.pdq.hash, quality: f.pdq.quality },
      { alg: 'iscc-image-64', bits: 64, code: f.iscc.code }
    ])
    assert.equal(res.body.record.credentialSchema.id, credentialSchemaId('asset', 2))
    const indexed: Array<{ alg: string, code: string, content: string, issuer: string }> = []
    for await (const e of n.node.index.iterateFingerprints()) {
      if (e.cid === res.body.cid) indexed.push({ alg: e.alg, code: Buffer.from(e.code).toString('hex'), content: e.content, issuer: e.issuer })
    }
    assert.deepEqual(indexed.map(e => e.alg), ['iscc-image-64', 'pdq-256'])
    assert.equal(indexed[1].code, f.pdq.hash)
    assert.equal(indexed[0].code, Buffer.from(f.iscc.digest).toString('hex'))
    assert.ok(indexed.every(e => e.content === cid && e.issuer === n.node.identity.did))
    const report = await n.call('GET', `/v1/assets/${res.body.cid}/provenance`)
    assert.ok(report.body.findings.some((x: any) => x.code === 'fingerprint.valid'), JSON.stringify(report.body.findings))
    assert.equal(report.body.verdict, 'verified')
  })

  it('a JPEG sent as application/octet-stream is sniffed as an image', async () => {
    const bytes = await jpeg(structuredImage(22, 640, 480), 80)
    const { cid } = await n.upload(bytes)
    const res = await n.call('POST', '/v1/assets', { content: cid, title: 'Sniffed' })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.body.record.credentialSubject.mediaType, 'application/octet-stream')
    assert.deepEqual(fingerprintsOf(res.body.record), await computeFingerprints(bytes, 'image'))
  })

  it('a text asset carries ISCC Text-Code-64 and the MinHash signature, short (inline) and long (in a worker)', async () => {
    for (const length of [2_000, 200_000]) {
      const text = longText(length)
      const bytes = new TextEncoder().encode(text)
      const { cid } = await n.upload(bytes)
      const res = await n.call('POST', '/v1/assets', { content: cid, title: `Text of ${length}`, mediaType: 'text/markdown' })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      const t = textFingerprints(text)
      assert.deepEqual(fingerprintsOf(res.body.record), [
        { alg: 'iscc-text-64', bits: 64, code: t.iscc.code },
        { alg: 'minhash-64x32', bits: 2048, code: t.minhash }
      ])
    }
  })

  it('works that give no fingerprint are signed without one, as version 1; fingerprints: false turns it off', async () => {
    const cases: Array<[Uint8Array, string | undefined, object]> = [
      [randomBytes(5000), 'application/pdf', {}], // not an image or text
      [randomBytes(5000), 'image/png', {}], // claims to be an image, does not decode
      [new Uint8Array([0xc3, 0x28, 0x41, 0x42]), 'text/plain', {}], // not UTF-8
      [randomBytes(5000), undefined, {}], // nothing sniffed
      [await png(structuredImage(23, 100, 100)), 'image/png', { fingerprints: false }]
    ]
    for (const [bytes, mediaType, extra] of cases) {
      const { cid } = await n.upload(bytes)
      const res = await n.call('POST', '/v1/assets', { content: cid, title: 'No codes', ...(mediaType != null ? { mediaType } : {}), ...extra })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.equal(fingerprintsOf(res.body.record), undefined, `${mediaType ?? 'none'} ${JSON.stringify(extra)}`)
      assert.equal(res.body.record.credentialSchema.id, credentialSchemaId('asset', 1))
    }
    const bad = await n.call('POST', '/v1/assets', { content: (await n.upload(randomBytes(10))).cid, title: 'x', fingerprints: 'yes' })
    assert.equal(bad.status, 400)
    assert.equal(typeof bad.body.error?.code, 'string')
  })

  it('the report flags a record whose claimed code is not what the held bytes give; bytes not held: no check', async () => {
    const bytes = await png(structuredImage(24, 640, 480))
    const { cid, size } = await n.upload(bytes)
    const honest = await computeFingerprints(bytes, 'image')
    // another author signs the same picture with a PDQ code of a different picture (to dodge or fake a match)
    const other = await computeFingerprints(await png(structuredImage(99, 640, 480)), 'image')
    const mallory = createSigner(randomBytes(32), nativeCrypto)
    const subject = (fingerprints: FingerprintClaim[], content = cid): any => ({
      id: `ipfs://${content}`, mediaType: 'image/png', byteSize: size, title: 'Mine', creators: [{ id: mallory.did, share: 10000 }], fingerprints
    })
    const tampered = issueRecord('asset', subject([other[0], honest[1]]), { signer: mallory, crypto: nativeCrypto })
    const posted = await n.call('POST', '/v1/records', new TextDecoder().decode(tampered.bytes))
    assert.ok([200, 201].includes(posted.status), JSON.stringify(posted.body))
    const report = (await n.call('GET', `/v1/assets/${tampered.cid}/provenance`)).body
    const mismatch = report.findings.find((f: any) => f.code === 'fingerprint.mismatch')
    assert.ok(mismatch != null, JSON.stringify(report.findings))
    assert.equal(mismatch.severity, 'warning')
    assert.match(mismatch.message, /pdq-256 \(\d+ bits apart, tolerance 10[;)]/)
    assert.ok(report.findings.some((f: any) => f.code === 'fingerprint.valid' && /iscc-image-64/.test(f.message)))
    assert.notEqual(report.verdict, 'verified')

    // the same claim on content this node does not hold: nothing to check against
    const elsewhere = issueRecord('asset', subject(honest, 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'), { signer: mallory, crypto: nativeCrypto })
    assert.ok([200, 201].includes((await n.call('POST', '/v1/records', new TextDecoder().decode(elsewhere.bytes))).status))
    const far = (await n.call('GET', `/v1/assets/${elsewhere.cid}/provenance`)).body
    assert.ok(far.findings.some((f: any) => f.code === 'content.notHeld'))
    assert.equal(far.findings.filter((f: any) => f.code.startsWith('fingerprint.')).length, 0)
  })

  it('with fingerprints.compute off, assets are signed without them unless the request asks', async () => {
    const off = await startNode({ fingerprints: { compute: false } })
    try {
      const bytes = await png(structuredImage(25, 300, 200))
      const { cid } = await off.upload(bytes)
      const plain = await off.call('POST', '/v1/assets', { content: cid, title: 'Off', mediaType: 'image/png' })
      assert.equal(plain.status, 201)
      assert.equal(fingerprintsOf(plain.body.record), undefined)
      const asked = await off.call('POST', '/v1/assets', { content: cid, title: 'Asked', mediaType: 'image/png', fingerprints: true })
      assert.deepEqual(fingerprintsOf(asked.body.record), await computeFingerprints(bytes, 'image'))
    } finally {
      await stop(off)
    }
  })
})
