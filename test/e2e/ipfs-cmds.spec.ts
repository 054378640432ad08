/**
 * The everyday IPFS commands and the operators' metrics, end to end: real daemons on loopback, the real CLI, the
 * real HTTP API. add -r (each record mode), pin ls/add/rm, gc (frees exactly what nothing needs, never a record's
 * content), import of a CAR another tool wrote (and a corrupted one refused), cat; then /metrics scraped while a
 * second node connects, joins a collective and gossips.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createHash, randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarWriter } from '@ipld/car'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { execFile } from 'node:child_process'
import { CLI, TestDaemon, waitFor } from './harness.ts'

/** Run the CLI with stdout on a terminal (a pty from util-linux `script`); resolves with the exit code and output */
async function onTerminal (home: string, args: string[]): Promise<{ code: number, output: string }> {
  const command = [process.execPath, CLI, ...args].map(s => `'${s.replaceAll("'", "'\\''")}'`).join(' ')
  return await new Promise(resolve => {
    execFile('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ATELIER_HOME: home, NO_COLOR: '1' }, timeout: 60_000 }, (err, stdout) => {
      resolve({ code: err == null ? 0 : (typeof (err as any).code === 'number' ? (err as any).code : 1), output: stdout })
    })
  })
}

const KUBO = { cidVersion: 1 as const, rawLeaves: true, chunker: fixedSize({ chunkSize: 262_144 }), layout: balanced({ maxChildrenPerNode: 174 }) }

/** One sample's value from Prometheus text; undefined when absent */
function sample (text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(labels === '' ? `${name} ` : `${name}{`) && (labels === '' || l.includes(labels)))
  return line == null ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('IPFS commands and metrics', { timeout: 300_000 }, () => {
  let a: TestDaemon
  let b: TestDaemon
  let scratch: string
  const tree: Record<string, Buffer> = {
    'notes.txt': Buffer.from('first notes\n'),
    'img/cover.bin': randomBytes(300_000),
    'img/thumb.bin': randomBytes(2000)
  }

  before(async () => {
    a = await TestDaemon.create()
    b = await TestDaemon.create()
    scratch = await mkdtemp(join(tmpdir(), 'atelier-ipfs-cmds-'))
    await Promise.all([a.start(), b.start()])
  })

  after(async () => {
    await a?.destroy()
    await b?.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  async function writeTree (name: string, files: Record<string, Buffer>): Promise<string> {
    const dir = join(scratch, name)
    for (const [path, bytes] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true })
      await writeFile(join(dir, path), bytes)
    }
    await writeFile(join(dir, '.hidden'), 'left out')
    return dir
  }

  async function pins (d: TestDaemon): Promise<any[]> {
    const r = await d.cli(['pin', 'ls', '--json'])
    assert.equal(r.code, 0, r.stderr)
    return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map(l => JSON.parse(l))
  }

  let album: { cid: string, records: any[] }

  it('add -r --record one --kubo: the directory CID ipfs add -r --cid-version 1 --raw-leaves gives, one record', async () => {
    const dir = await writeTree('album', tree)
    const r = await a.cli(['add', '-r', dir, '--record', 'one', '--kubo', '--license', 'cc-by', '--json'])
    assert.equal(r.code, 0, r.stderr)
    album = JSON.parse(r.stdout)
    let reference = ''
    for await (const e of importer(Object.entries(tree).map(([path, content]) => ({ path, content })), { put: async (c: CID) => c } as any, { ...KUBO, wrapWithDirectory: true })) reference = e.cid.toString()
    assert.equal(album.cid, reference)
    assert.equal((album as any).files, 3)
    assert.equal(album.records.length, 1)
    assert.ok(album.records[0].license != null)
    const rec = await a.api(`/v1/records/${album.records[0].record as string}`)
    assert.equal(rec.body.record.credentialSubject.id, `ipfs://${album.cid}`)
    assert.equal(rec.body.record.credentialSubject.mediaType, 'inode/directory')
    const listed = await pins(a)
    const pin = listed.find(p => p.cid === album.cid)
    assert.equal(pin?.source, 'add')
    assert.deepEqual(pin?.records, [album.records[0].record])
    assert.equal(listed.some(p => p.source === 'part'), false, 'the files\' own pins went once the directory was built')
  })

  it('add -r --record each: one asset record per file, titled by its path; --record none: none', async () => {
    const dir = await writeTree('each', { 'a.txt': Buffer.from('a\n'), 'sub/b.txt': Buffer.from('b\n') })
    const each = await a.cli(['add', '-r', dir, '--record', 'each', '--json'])
    assert.equal(each.code, 0, each.stderr)
    const out = JSON.parse(each.stdout)
    assert.deepEqual(out.records.map((r: any) => r.path), ['a.txt', 'sub/b.txt'])
    const rec = await a.api(`/v1/records/${out.records[1].record as string}`)
    assert.equal(rec.body.record.credentialSubject.title, 'sub/b.txt')
    assert.equal(rec.body.record.credentialSubject.id, `ipfs://${out.records[1].cid as string}`)
    const none = await a.cli(['add', '-r', await writeTree('none', { 'x.bin': randomBytes(5000) }), '--record', 'none', '--json'])
    assert.equal(none.code, 0, none.stderr)
    assert.deepEqual(JSON.parse(none.stdout).records, [])
    const hello = join(scratch, 'hello.txt')
    await writeFile(hello, 'hello world')
    const kubo = await a.cli(['add', hello, '--kubo', '--record-none-is-not-a-flag'])
    assert.equal(kubo.code, 2, 'an unknown flag is a usage error')
    const single = JSON.parse((await a.cli(['add', hello, '--kubo', '--json'])).stdout)
    assert.equal(single.cid, 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e')
    const bad = await a.cli(['add', '-r', join(dir, 'a.txt')])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /^atelier: .*not a directory/)
    const usage = await a.cli(['add', join(dir, 'a.txt'), '--record', 'each'])
    assert.equal(usage.code, 2)
  })

  it('cat prints a file by path inside the directory; a missing path is one line, exit 1', async () => {
    const r = await a.cli(['cat', `${album.cid}/notes.txt`])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'first notes\n')
    const missing = await a.cli(['cat', `${album.cid}/nope.txt`])
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr.trim().split('\n').length, 1)
  })

  it('cat refuses binary on a terminal unless --force, and prints text there', async () => {
    const binary = await onTerminal(a.home, ['cat', `${album.cid}/img/thumb.bin`])
    assert.equal(binary.code, 2)
    assert.match(binary.output, /refusing to write binary data to a terminal/)
    const forced = await onTerminal(a.home, ['cat', `${album.cid}/img/thumb.bin`, '--force'])
    assert.equal(forced.code, 0)
    const text = await onTerminal(a.home, ['cat', `${album.cid}/notes.txt`])
    assert.equal(text.code, 0)
    assert.match(text.output, /first notes/)
  })

  it('pin rm then gc: a record\'s content stays, unreferenced blocks go, and --dry-run says exactly what gc frees', async () => {
    const loose = await a.cli(['add', '-r', await writeTree('loose', { 'big.bin': randomBytes(3 * 1024 * 1024 + 7) }), '--record', 'none', '--json'])
    const looseCid = JSON.parse(loose.stdout).cid as string
    // a clean start: what earlier cases left unreferenced goes first
    assert.equal((await a.cli(['gc'])).code, 0)
    const rmAlbum = await a.cli(['pin', 'rm', album.cid])
    assert.equal(rmAlbum.code, 0, rmAlbum.stderr)
    assert.match(rmAlbum.stdout, /gc still keeps it: asset record/)
    const rmLoose = await a.cli(['pin', 'rm', looseCid, '--json'])
    assert.deepEqual(JSON.parse(rmLoose.stdout).keptBy, [])

    const dry = JSON.parse((await a.cli(['gc', '--dry-run', '--json'])).stdout)
    assert.equal(dry.dryRun, true)
    // the loose directory: its node, the file's root and 4 leaves (1 MiB chunks); the bytes are the file's plus
    // the two dag-pb nodes
    assert.equal(dry.blocks, 6)
    assert.ok(dry.bytes > 3 * 1024 * 1024 && dry.bytes < 3 * 1024 * 1024 + 2000, String(dry.bytes))
    const run = await a.cli(['gc', '--json'])
    assert.equal(run.code, 0, run.stderr)
    const freed = JSON.parse(run.stdout)
    assert.deepEqual([freed.blocks, freed.bytes], [dry.blocks, dry.bytes])
    assert.equal((await a.cli(['cat', `${looseCid}/big.bin`])).code, 1, 'unreferenced content is gone')
    const kept = await a.cli(['cat', `${album.cid}/img/thumb.bin`, '--force'])
    assert.equal(kept.code, 0, kept.stderr)
    assert.ok(Buffer.from(kept.stdout, 'latin1').length > 0)
    const again = JSON.parse((await a.cli(['gc', '--json'])).stdout)
    assert.equal(again.blocks, 0)
    // pinning by hand again, then the pin list says so
    assert.equal((await a.cli(['pin', 'add', album.cid])).code, 0)
    assert.equal((await pins(a)).find(p => p.cid === album.cid)?.source, 'user')
    const notPinned = await a.cli(['pin', 'rm', looseCid])
    assert.equal(notPinned.code, 1)
    assert.match(notPinned.stderr, /^atelier: .*not a pinned root/)
  })

  it('import: a CAR written by @ipld/car is imported and pinned; a corrupted one is refused and nothing is pinned', async () => {
    const content = randomBytes(700_000)
    const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
    let root!: CID
    for await (const e of importer([{ content }], { put: async (cid: CID, bytes: Uint8Array) => { blocks.push({ cid, bytes }); return cid } } as any, KUBO)) root = e.cid
    const { writer, out } = CarWriter.create([root])
    const parts: Uint8Array[] = []
    const drained = (async () => { for await (const p of out) parts.push(p) })()
    for (const blk of blocks) await writer.put(blk)
    await writer.close()
    await drained
    const car = Buffer.concat(parts)
    const good = join(scratch, 'good.car')
    await writeFile(good, car)
    const r = await a.cli(['import', good, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const imported = JSON.parse(r.stdout)
    assert.deepEqual(imported.roots, [root.toString()])
    assert.equal(imported.blocks, blocks.length)
    assert.equal((await pins(a)).find(p => p.cid === root.toString())?.source, 'import')

    // B has none of it: a corrupted copy is refused, one line, and B pins nothing
    const bad = Buffer.from(car)
    bad[bad.length - 100] ^= 0x01
    const badFile = join(scratch, 'bad.car')
    await writeFile(badFile, bad)
    const refused = await b.cli(['import', badFile])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^atelier: block \S+ in the CAR does not hash to its CID/)
    assert.equal(refused.stderr.trim().split('\n').length, 1)
    assert.deepEqual(await pins(b), [])
  })

  it('HTTP: the routes answer the documented errors', async () => {
    assert.equal((await a.api('/v1/pins', { method: 'POST', json: { cid: album.cid }, auth: false })).status, 401)
    const badCid = await a.api('/v1/pins', { method: 'POST', json: { cid: 'nope' } })
    assert.equal(badCid.status, 400)
    assert.equal(badCid.body.error.code, 'ERR_INVALID_CID')
    // the raw CID of 32 random bytes: held by nobody
    const nobodys = CID.createV1(0x55, Digest.create(0x12, createHash('sha256').update(randomBytes(32)).digest())).toString()
    const notHeld = await a.api('/v1/pins', { method: 'POST', json: { cid: nobodys } })
    assert.equal(notHeld.status, 404)
    assert.equal(notHeld.body.error.code, 'ERR_NOT_FOUND')
    assert.equal((await a.api(`/v1/pins/${nobodys}`, { method: 'DELETE' })).status, 404)
    const garbage = await a.api('/v1/car', { method: 'POST', body: 'not a car', headers: { 'content-type': 'application/vnd.ipld.car' } })
    assert.equal(garbage.status, 400)
    assert.equal(garbage.body.error.code, 'ERR_INVALID_CAR')
    const dir = await a.api('/v1/content/directory', { method: 'POST', json: { entries: [{ path: '../x', cid: album.cid }] } })
    assert.equal(dir.status, 400)
    assert.equal((await a.api('/v1/gc', { method: 'POST', json: { dryRun: 'yes' } })).status, 400)
    const noBody = await a.api('/v1/gc', { method: 'POST' })
    assert.equal(noBody.status, 200, JSON.stringify(noBody.body))
    assert.equal(noBody.body.dryRun, false)
    const page = await a.api('/v1/pins?limit=1')
    assert.equal(page.status, 200)
    assert.equal(page.body.items.length, 1)
    assert.equal(typeof page.body.cursor, 'string')
    const next = await a.api(`/v1/pins?limit=1000&cursor=${page.body.cursor as string}`)
    assert.equal(next.body.items.some((p: any) => p.cid === page.body.items[0].cid), false)
    const kubo = await a.api('/v1/content?chunking=kubo', { method: 'POST', body: 'hello world', headers: { 'content-type': 'application/octet-stream' } })
    assert.equal(kubo.body.cid, 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e')
    const spec = await a.api('/openapi.json')
    for (const path of ['/v1/pins', '/v1/pins/{cid}', '/v1/gc', '/v1/car', '/v1/content/directory']) assert.ok(spec.body.paths[path], `openapi has ${path}`)
    assert.ok(spec.body.paths['/v1/pins/{cid}'].delete != null)
    assert.equal((await a.api('/v1/content?chunking=nope', { method: 'POST', body: 'x', headers: { 'content-type': 'application/octet-stream' } })).status, 400)
  })

  it('metrics: Prometheus names (no doubled prefix), and peers, gossip, ingest and sync lag move', async () => {
    const scrape = async (d: TestDaemon): Promise<string> => {
      const res = await fetch(`${d.url}/metrics`)
      assert.equal(res.status, 200)
      return await res.text()
    }
    let text = await scrape(a)
    assert.equal(text.includes('atelier_process_process_'), false)
    assert.ok(sample(text, 'atelier_process_cpu_seconds_total') != null)
    assert.ok(sample(text, 'atelier_nodejs_heap_size_used_bytes') != null)
    for (const name of ['atelier_peers_connected', 'atelier_records_held', 'atelier_records_held_bytes', 'atelier_ingest_queue_depth', 'atelier_records_indexed']) {
      assert.ok(sample(text, name) != null, name)
    }
    // what the process's own heap figures leave out: each validation worker's heap, LevelDB's native memory
    const used = sample(text, 'atelier_validation_worker_heap_size_used_bytes', 'worker="0"') ?? 0
    const total = sample(text, 'atelier_validation_worker_heap_size_total_bytes', 'worker="0"') ?? 0
    assert.ok(used > 1024 * 1024 && used <= total, `worker 0: ${used} of ${total}`)
    for (const db of ['index', 'state', 'datastore']) assert.ok((sample(text, 'atelier_leveldb_memory_bytes', `db="${db}"`) ?? 0) > 0, db)
    assert.match(text, /# TYPE atelier_http_request_duration_seconds histogram/)
    assert.match(text, /# TYPE atelier_gossip_messages_received_total counter/)
    assert.equal(sample(text, 'atelier_peers_connected'), 0)
    assert.ok((sample(text, 'atelier_gc_freed_blocks_total') ?? 0) >= 6)

    // a file served through /ipfs borrows the store's buffers and gives every one back
    const served = randomBytes(3 * 1024 * 1024 + 5)
    const posted = await a.api('/v1/content', { method: 'POST', body: served, headers: { 'content-type': 'application/octet-stream' } })
    assert.equal(posted.status, 201)
    const got = await fetch(`${a.url}/ipfs/${String(posted.body.cid)}`)
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(served))
    // the last write callbacks may run just after the client has every byte
    for (let tries = 0; ; tries++) {
      text = await scrape(a)
      if (sample(text, 'atelier_serve_buffers', 'state="lent"') === 0 || tries >= 20) break
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    assert.equal(sample(text, 'atelier_serve_buffers', 'state="lent"'), 0)
    const free = sample(text, 'atelier_serve_buffers', 'state="free"') ?? 0
    assert.ok(free >= 1 && free <= 24, `free buffers after serving: ${free}`)

    // a collective: A founds it, B joins by invite, so they connect and gossip
    const created = await a.cli(['collective', 'create', 'Metrics', '--json'])
    const id = JSON.parse(created.stdout).id as string
    text = await scrape(a)
    assert.ok(sample(text, 'atelier_sync_lag_seconds', `collective="${id}"`) != null, 'a joined collective has a sync lag')
    const invite = (await a.cli(['invite', id])).stdout.trim()
    const joined = await b.cli(['join', invite])
    assert.equal(joined.code, 0, joined.stderr)
    await waitFor(async () => sample(await scrape(a), 'atelier_peers_connected') === 1 ? true : undefined, 20_000, 'A counts one peer')
    const before = sample(await scrape(a), 'atelier_gossip_messages_received_total') ?? 0
    const file = join(scratch, 'gossiped.txt')
    await writeFile(file, 'over gossip')
    assert.equal((await b.cli(['add', file, '--collective', id])).code, 0)
    await waitFor(async () => (sample(await scrape(a), 'atelier_gossip_messages_received_total') ?? 0) > before ? true : undefined, 20_000, 'A receives gossip')
    text = await scrape(a)
    assert.ok((sample(text, 'atelier_records_ingested_total', 'source="gossip"') ?? 0) >= 1, 'ingest counted by source')
    // a record sent again is a duplicate, counted by source
    const raw = await fetch(`${a.url}/v1/records/${album.records[0].record as string}?raw=1`)
    const again = await a.api('/v1/records', { method: 'POST', body: await raw.text(), headers: { 'content-type': 'application/json' } })
    assert.equal(again.status, 200)
    assert.ok((sample(await scrape(a), 'atelier_records_duplicate_total', 'source="http"') ?? 0) >= 1)
    // B synced with A when it joined: its lag for the collective is small
    const lag = sample(await scrape(b), 'atelier_sync_lag_seconds', `collective="${id}"`)
    assert.ok(lag != null && lag < 60, String(lag))
  })
})
