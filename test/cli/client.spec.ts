/**
 * Client-side checks against a tiny fake gateway on 127.0.0.1:0: error bodies become one line and exit 1, writes
 * carry the token, `add` streams the file then signs the asset, and --json output has the documented shape.
 * (The real end-to-end tests run the CLI against a real daemon.)
 */
import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { CIDS, cli, fakeDaemon, json, tempHome, writeTempFile } from './helpers.ts'
import type { Handler, SeenRequest } from './helpers.ts'

const DID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'

function assetRecord (title: string): object {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential', 'AtelierAsset'],
    issuer: DID,
    validFrom: '2025-06-01T12:00:00.000Z',
    credentialSubject: { id: `ipfs://${CIDS.content}`, title, mediaType: 'text/plain', byteSize: 5, creators: [{ id: DID, share: 10000 }] },
    proof: { type: 'DataIntegrityProof' }
  }
}

describe('client against a fake gateway', () => {
  let home: string
  let cleanup: () => Promise<void>
  let handler: Handler
  let daemon: Awaited<ReturnType<typeof fakeDaemon>>

  before(async () => {
    ({ home, cleanup } = await tempHome())
    daemon = await fakeDaemon(home, async (req, res) => await handler(req, res))
  })
  after(async () => {
    await daemon.close()
    await cleanup()
  })
  beforeEach(() => { daemon.seen.length = 0 })

  it('maps a 4xx JSON error body to one line and exit 1', async () => {
    handler = (_req, res) => json(res, 404, { error: { code: 'ERR_NOT_FOUND', name: 'NotFoundError', message: `record ${CIDS.asset} is not held by this node` } })
    const r = await cli(['record', CIDS.asset], { home })
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.equal(r.stderr, `atelier: record ${CIDS.asset} is not held by this node\n`)
    assert.equal(daemon.seen[0].url, `/v1/records/${CIDS.asset}`)
  })

  it('a multi-line message with control characters still prints as one clean line', async () => {
    handler = (_req, res) => json(res, 400, { error: { code: 'ERR_INVALID_REQUEST', message: 'bad\n\u001b[31mred\u001b[0m value\u0007' } })
    const r = await cli(['records', '--json'], { home })
    assert.equal(r.code, 1)
    assert.equal(r.stderr, 'atelier: bad red value\n')
  })

  it('an error status without a JSON body names the status', async () => {
    handler = (_req, res) => { res.writeHead(502, { 'content-type': 'text/html' }); res.end('<h1>bad gateway</h1>') }
    const r = await cli(['records'], { home })
    assert.equal(r.code, 1)
    assert.equal(r.stderr, 'atelier: the daemon answered 502 Bad Gateway\n')
  })

  it('writes send the bearer token from $ATELIER_HOME/api-token; a refusal is one line', async () => {
    handler = (req, res) => {
      if (req.headers.authorization !== `Bearer ${daemon.token}`) return json(res, 401, { error: { code: 'ERR_UNAUTHORIZED', message: 'the API token is wrong' } })
      json(res, 200, { records: 12, ms: 340 })
    }
    const ok = await cli(['reindex', '--json'], { home })
    assert.equal(ok.code, 0, ok.stderr)
    assert.deepEqual(JSON.parse(ok.stdout), { records: 12, ms: 340 })
    assert.equal(daemon.seen[0].method, 'POST')

    const text = await cli(['reindex'], { home })
    assert.equal(text.stdout, 'reindexed 12 records in 0.3 s\n')

    const wrongHome = await tempHome()
    try {
      const { writeFile } = await import('node:fs/promises')
      await writeFile(join(wrongHome.home, 'api-token'), 'nope\n')
      const bad = await cli(['reindex', '--api', daemon.url], { home: wrongHome.home })
      assert.equal(bad.code, 1)
      assert.equal(bad.stderr, 'atelier: the API token is wrong\n')
      await rm(join(wrongHome.home, 'api-token'))
      const none = await cli(['reindex', '--api', daemon.url], { home: wrongHome.home })
      assert.equal(none.code, 1)
      assert.match(none.stderr, /^atelier: no API token at .*api-token/)
    } finally {
      await wrongHome.cleanup()
    }
  })

  it('add streams the file, signs the asset, and --json prints { cid, record, size, license }', async () => {
    const data = 'x'.repeat(300_000)
    const file = await writeTempFile(home, 'dusk.png', data)
    handler = (req, res) => {
      if (req.headers.authorization !== `Bearer ${daemon.token}`) return json(res, 401, { error: { code: 'ERR_UNAUTHORIZED', message: 'no token' } })
      if (req.url.startsWith('/v1/content')) return json(res, 201, { cid: CIDS.content, size: req.body.byteLength })
      if (req.url === '/v1/assets') {
        return json(res, 201, { cid: CIDS.asset, status: 'added', record: assetRecord('Dusk'), license: { cid: CIDS.license, record: {} } })
      }
      json(res, 404, { error: { code: 'ERR_NOT_FOUND', message: 'no route' } })
    }
    const r = await cli([
      'add', file, '--json', '--title', 'Dusk', '--tag', 'photo', '--tag', 'coast',
      '--parent', CIDS.parent, '--parent', `${CIDS.asset}:componentOf`, '--input', CIDS.license,
      '--tool', 'krita@5.2', '--ai-model', '@org/diffuse@1.0', '--prompt', 'a coast at dusk',
      '--source-type', 'compositeWithTrainedAlgorithmicMedia', '--ai-training', 'notAllowed',
      '--license', 'commercial-remix', '--rev-share', '12.5', '--royalty-policy', 'LRP'
    ], { home })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '')
    const out = JSON.parse(r.stdout)
    assert.deepEqual(out, { cid: CIDS.content, size: data.length, record: CIDS.asset, title: 'Dusk', mediaType: 'image/png', license: CIDS.license })
    assert.equal(r.stdout.trim().split('\n').length, 1, 'a single JSON object')

    const [upload, asset] = daemon.seen as [SeenRequest, SeenRequest]
    assert.equal(upload.method, 'POST')
    assert.equal(upload.url, '/v1/content?filename=dusk.png')
    assert.equal(upload.headers['transfer-encoding'], 'chunked', 'the body is streamed')
    assert.equal(upload.body.toString(), data)
    assert.equal(asset.headers['content-type'], 'application/json')
    assert.deepEqual(JSON.parse(asset.body.toString()), {
      content: CIDS.content,
      title: 'Dusk',
      byteSize: data.length,
      mediaType: 'image/png',
      tags: ['photo', 'coast'],
      parents: [
        { record: CIDS.parent, relationship: 'parentOf' },
        { record: CIDS.asset, relationship: 'componentOf' },
        { record: CIDS.license, relationship: 'inputTo' }
      ],
      tools: [
        { name: 'krita', version: '5.2', kind: 'software' },
        { name: '@org/diffuse', version: '1.0', kind: 'aiModel', promptHash: createHash('sha256').update('a coast at dusk').digest('hex') }
      ],
      digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia',
      aiTraining: 'notAllowed',
      license: { preset: 'commercial-remix', royaltyPolicy: 'LRP', terms: { commercialRevShare: 1250 } }
    })
  })

  it('add without --json prints a short summary; stdin needs --title', async () => {
    handler = (req, res) => {
      if (req.url.startsWith('/v1/content')) return json(res, 201, { cid: CIDS.content, size: req.body.byteLength })
      json(res, 201, { cid: CIDS.asset, status: 'added', record: assetRecord('notes') })
    }
    const file = await writeTempFile(home, 'notes.txt', 'hello')
    const r = await cli(['add', file], { home })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, [
      'added         notes.txt (5 B, text/plain)',
      `content       ${CIDS.content}`,
      `asset record  ${CIDS.asset}`,
      ''
    ].join('\n'))

    const noTitle = await cli(['add', '-'], { home, stdin: 'piped' })
    assert.equal(noTitle.code, 2)
    const piped = await cli(['add', '-', '--title', 'Piped', '--json'], { home, stdin: 'piped bytes' })
    assert.equal(piped.code, 0, piped.stderr)
    assert.equal(JSON.parse(piped.stdout).size, 'piped bytes'.length)
    assert.equal(daemon.seen.find(s => s.url === '/v1/content')?.body.toString(), 'piped bytes')
  })

  it('add --no-fingerprints asks the node not to compute them; fingerprints in the signed record are listed', async () => {
    const record = { ...assetRecord('Dusk') as any }
    record.credentialSubject = { ...record.credentialSubject, fingerprints: [{ alg: 'pdq-256' }, { alg: 'iscc-image-64' }] }
    handler = (req, res) => {
      if (req.url.startsWith('/v1/content')) return json(res, 201, { cid: CIDS.content, size: req.body.byteLength })
      json(res, 201, { cid: CIDS.asset, status: 'added', record })
    }
    const file = await writeTempFile(home, 'fp.png', 'not really a png')
    const r = await cli(['add', file, '--json'], { home })
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout).fingerprints, ['pdq-256', 'iscc-image-64'])
    const sent = JSON.parse(daemon.seen.filter(s => s.url === '/v1/assets').at(-1)!.body.toString())
    assert.equal('fingerprints' in sent, false, 'without the flag the node\'s fingerprints.compute decides')
    const off = await cli(['add', file, '--no-fingerprints', '--json'], { home })
    assert.equal(off.code, 0, off.stderr)
    assert.equal(JSON.parse(daemon.seen.filter(s => s.url === '/v1/assets').at(-1)!.body.toString()).fingerprints, false)
    const text = await cli(['add', file], { home })
    assert.match(text.stdout, /^fingerprints +pdq-256, iscc-image-64$/m)
  })

  it('add of a missing file fails locally without contacting the daemon', async () => {
    const r = await cli(['add', join(home, 'nope.png')], { home })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^atelier: .*nope\.png: no such file\n$/)
    assert.equal(daemon.seen.length, 0)
  })

  it('records: a table for people with control characters stripped; --json the page; --all follows cursors as NDJSON', async () => {
    const items = [1, 2, 3].map(i => ({ cid: `${CIDS.asset.slice(0, -1)}${i}`, kind: 'asset', author: DID, time: `2025-06-0${i}T00:00:00.000Z`, record: assetRecord(`T\u001b[2J${i}\u202e`) }))
    handler = (req, res) => {
      const url = new URL(req.url, 'http://x')
      const cursor = url.searchParams.get('cursor')
      const i = cursor == null ? 0 : Number(cursor)
      json(res, 200, { items: items.slice(i, i + 1), cursor: i + 1 < items.length ? String(i + 1) : null })
    }
    const page = await cli(['records', '--kind', 'asset', '--since', '2025-01-01', '--limit', '1'], { home })
    assert.equal(page.code, 0, page.stderr)
    assert.doesNotMatch(page.stdout, /[\u0000-\u0008\u000b-\u001f\u007f\u202e]/)
    assert.match(page.stdout, /^TIME +KIND +CID +AUTHOR +SUMMARY$/m)
    assert.match(page.stdout, /2025-06-01T00:00:00Z +asset +\S+1 +did:key:z6MkhaXg…2doK +"T1" \(text\/plain\)/)
    assert.match(page.stdout, /more: add --cursor 1/)
    const q = new URL(daemon.seen[0].url, 'http://x').searchParams
    assert.equal(q.get('kind'), 'asset')
    assert.equal(q.get('since'), '2025-01-01T00:00:00.000Z')
    assert.equal(q.get('limit'), '1')

    const pageJson = await cli(['records', '--json'], { home })
    assert.deepEqual(JSON.parse(pageJson.stdout), { items: items.slice(0, 1), cursor: '1' })

    const all = await cli(['records', '--all', '--json'], { home })
    assert.equal(all.code, 0, all.stderr)
    const lines = all.stdout.trim().split('\n').map(l => JSON.parse(l))
    assert.deepEqual(lines, items)
    assert.doesNotMatch(all.stdout, /\u001b/, 'escape bytes are escaped in JSON')
  })

  it('lineage prints an indented tree; --json the merged graph', async () => {
    handler = (_req, res) => json(res, 200, {
      root: CIDS.asset,
      nodes: [
        { cid: CIDS.asset, title: 'Remix', author: DID, depth: 0 },
        { cid: CIDS.parent, title: 'Original', author: DID, depth: 1 },
        { cid: CIDS.license, title: 'Grandparent', depth: 2 }
      ],
      edges: [
        { from: CIDS.asset, to: CIDS.parent, relationship: 'parentOf' },
        { from: CIDS.parent, to: CIDS.license, relationship: 'componentOf' }
      ],
      cursor: null
    })
    const r = await cli(['lineage', CIDS.asset], { home })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, [
      `"Remix" ${CIDS.asset} by did:key:z6MkhaXg…2doK`,
      `└── "Original" ${CIDS.parent} by did:key:z6MkhaXg…2doK [parentOf]`,
      `    └── "Grandparent" ${CIDS.license} [componentOf]`,
      ''
    ].join('\n'))
    assert.match(daemon.seen[0].url, /direction=ancestors/)
    const j = await cli(['lineage', CIDS.asset, '--both', '--json', '--depth', '3'], { home })
    const g = JSON.parse(j.stdout)
    assert.equal(g.direction, 'both')
    assert.equal(g.nodes.length, 3)
    assert.equal(g.edges.length, 2)
    assert.match(daemon.seen[1].url, /direction=both&depth=3/)
  })

  it('get writes the bytes to stdout or, with -o, to a file (and --json describes it)', async () => {
    handler = (req, res) => {
      assert.equal(req.method, 'GET')
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '11' })
      res.end('hello world')
    }
    const r = await cli(['get', CIDS.content], { home })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'hello world')
    assert.equal(daemon.seen[0].url, `/ipfs/${CIDS.content}`)
    const out = join(home, 'got.txt')
    const f = await cli(['get', CIDS.content, '-o', out, '--json'], { home })
    assert.equal(f.code, 0, f.stderr)
    assert.deepEqual(JSON.parse(f.stdout), { cid: CIDS.content, file: out, size: 11 })
    assert.equal(await readFile(out, 'utf8'), 'hello world')

    const car = await cli(['export', CIDS.content, '--car', '-o', join(home, 'x.car')], { home })
    assert.equal(car.code, 0, car.stderr)
    assert.equal(daemon.seen.at(-1)?.url, `/ipfs/${CIDS.content}?format=car`)
  })

  it('license, grant, attest and revoke send the documented bodies', async () => {
    handler = (req, res) => json(res, 201, { cid: CIDS.license, status: 'added', record: { issuer: DID, validFrom: '2025-06-01T00:00:00.000Z', credentialSubject: {} } })
    const runs: Array<[string[], string, object]> = [
      [['license', CIDS.asset, '--preset', 'cc-by', '--no-derivatives', '--territory', 'fr', '--split', `${DID}=100`],
        '/v1/licenses', { asset: CIDS.asset, preset: 'cc-by', terms: { derivativesAllowed: false, territories: ['FR'] }, splits: [{ id: DID, share: 10000 }] }],
      [['grant', CIDS.license, DID, '--note', 'poster', '--expires', '2030-01-01'],
        '/v1/grants', { license: CIDS.license, licensee: DID, expiration: '2030-01-01T00:00:00.000Z', note: 'poster' }],
      [['attest', CIDS.asset, '--claim', 'coCreator', '--comment', 'yes'],
        '/v1/attestations', { record: CIDS.asset, claim: 'coCreator', comment: 'yes' }],
      [['revoke', CIDS.asset, '--reason', 'oops', '--from', '2026-01-01T00:00:00Z'],
        '/v1/revocations', { record: CIDS.asset, effectiveFrom: '2026-01-01T00:00:00.000Z', reason: 'oops' }]
    ]
    for (const [args, path, body] of runs) {
      daemon.seen.length = 0
      const r = await cli([...args, '--json'], { home })
      assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`)
      assert.equal(JSON.parse(r.stdout).cid, CIDS.license)
      assert.equal(daemon.seen[0].url, path)
      assert.deepEqual(JSON.parse(daemon.seen[0].body.toString()), body, args[0])
    }
  })

  it('id asks the daemon and prints only the documented fields', async () => {
    handler = (_req, res) => json(res, 200, { peerId: '12D3KooWTest', did: DID, addresses: ['/ip4/127.0.0.1/tcp/5181/p2p/12D3KooWTest'], gatewayUrl: daemon.url, version: '0.1.0', records: 3, storage: { blocks: 9, bytes: 2048 }, secret: 'never' })
    const r = await cli(['id', '--json'], { home })
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.equal(out.online, true)
    assert.equal(out.did, DID)
    assert.equal(out.secret, undefined)
    const text = await cli(['id'], { home })
    assert.match(text.stdout, /^did +did:key:z6Mk/m)
    assert.match(text.stdout, /^ {2}\/ip4\/127\.0\.0\.1\/tcp\/5181/m)
  })
})
