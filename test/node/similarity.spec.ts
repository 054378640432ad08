/**
 * Alerts on node state (issue 12 D4): a real node whose own picture is copied — mirrored and recompressed, no
 * parent — by another author. The alert is the same whichever record the node took first, survives a restart
 * (it is found again from the index and the node state), and goes once the original's author grants the copyist
 * a license (alerts are judged again when listed).
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { AtelierNode } from '../../src/node/atelier-node.ts'
import { silentLogger } from '../../src/node/logger.ts'
import { initHome, nativeCrypto } from '../../src/identity/index.ts'
import { resolveConfig } from '../../src/config.ts'
import { createSigner, issueRecord } from '../../src/records/index.ts'
import { computeFingerprints } from '../../src/fingerprints/claims.ts'
import { jpeg, structuredImage, toSharp } from '../fingerprints/generated.ts'

interface Running { node: AtelierNode, home: string, call: (method: string, path: string, body?: unknown, type?: string) => Promise<{ status: number, body: any }> }

async function start (home: string): Promise<Running> {
  const node = new AtelierNode({
    config: resolveConfig(home, { http: { port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } }),
    logger: silentLogger(),
    processMetrics: false
  })
  await node.start()
  const call = async (method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${node.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${node.identity.apiToken}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      ...(body !== undefined ? { body: body instanceof Uint8Array ? body as unknown as BodyInit : typeof body === 'string' ? body : JSON.stringify(body) } : {})
    })
    return { status: res.status, body: await res.json() }
  }
  return { node, home, call }
}

const homes: string[] = []
after(async () => { for (const h of homes) await rm(h, { recursive: true, force: true }) })

const original = structuredImage(777, 640, 480)

/** The node's own picture, added over HTTP as `atelier add` does: content, then the asset record */
async function addOwn (n: Running): Promise<string> {
  const bytes = await jpeg(original, 90)
  const up = await n.call('POST', '/v1/content', bytes, 'application/octet-stream')
  const created = await n.call('POST', '/v1/assets', { content: up.body.cid, title: 'Lighthouse', mediaType: 'image/jpeg' })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  return created.body.cid
}

/** Another author's mirrored, recompressed copy of it, with no parent, dated `at` */
async function copyRecord (at: Date): Promise<{ bytes: string, cid: string, did: string, signer: ReturnType<typeof createSigner> }> {
  const copy = new Uint8Array(await toSharp(original).flop().jpeg({ quality: 35 }).toBuffer())
  const signer = createSigner(new Uint8Array(randomBytes(32)), nativeCrypto)
  const record = issueRecord('asset', {
    id: 'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    mediaType: 'image/jpeg',
    byteSize: copy.length,
    title: 'My lighthouse',
    creators: [{ id: signer.did, share: 10000 }],
    fingerprints: await computeFingerprints(copy, 'image')
  }, { signer, crypto: nativeCrypto, validFrom: at })
  return { bytes: new TextDecoder().decode(record.bytes), cid: record.cid, did: signer.did, signer }
}

async function alerts (n: Running): Promise<Array<{ later: string, earlier: string }>> {
  await n.node.similarityIdle()
  const r = await n.call('GET', '/v1/alerts')
  assert.equal(r.status, 200)
  return r.body.items
}

describe('unattributed-copy alerts on node state', { timeout: 240_000 }, () => {
  it('the same alert whichever record came first, after a restart, and gone once a license is granted', async () => {
    for (const copyFirst of [false, true]) {
      const home = await mkdtemp(join(tmpdir(), 'atelier-similarity-'))
      homes.push(home)
      await initHome(home)
      let n = await start(home)
      try {
        // the copy is dated a minute after now, so it is the later work whichever the node takes first
        const copy = await copyRecord(new Date(Date.now() + 60_000))
        const post = async (): Promise<void> => { assert.ok([200, 201].includes((await n.call('POST', '/v1/records', copy.bytes)).status)) }
        let mine: string
        if (copyFirst) { await post(); mine = await addOwn(n) } else { mine = await addOwn(n); await post() }
        const listed = await alerts(n)
        assert.deepEqual(listed.map(a => [a.later, a.earlier]), [[copy.cid, mine]], `copy first: ${copyFirst}`)

        await n.node.stop()
        n = await start(home)
        assert.deepEqual((await alerts(n)).map(a => [a.later, a.earlier]), [[copy.cid, mine]], 'after a restart')

        // a license of the original, granted to the copy's author: the two now have an agreement
        const license = await n.call('POST', '/v1/licenses', { asset: mine, preset: 'cc-by' })
        assert.equal(license.status, 201, JSON.stringify(license.body))
        const grant = await n.call('POST', '/v1/grants', { license: license.body.cid, licensee: copy.did })
        assert.equal(grant.status, 201, JSON.stringify(grant.body))
        assert.deepEqual(await alerts(n), [])
      } finally {
        await n.node.stop()
      }
    }
  })
})
