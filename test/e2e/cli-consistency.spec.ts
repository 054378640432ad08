/**
 * Issue 16's inconsistencies between what the CLI, the HTTP API and the docs say, each checked on a real daemon
 * with the real CLI: what a command writes is what it reports, and what it refuses it refuses in one line.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { TestDaemon } from './harness.ts'
import { run } from '../../src/cli/program.ts'
import { createSigner, issueRecord, nobleCrypto } from '../../src/records/index.ts'

describe('CLI and API say the same thing (issue 16)', { timeout: 240_000 }, () => {
  let d: TestDaemon
  let scratch: string
  let file: string

  before(async () => {
    d = await TestDaemon.create()
    scratch = await mkdtemp(join(tmpdir(), 'atelier-e2e-files-'))
    file = join(scratch, 'etching.png')
    await writeFile(file, randomBytes(2048))
    await d.start()
  })

  after(async () => {
    await d?.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('add --license cc-by-sa --ai-training notAllowed: the asset and its license agree', async () => {
    const r = await d.cli(['add', file, '--title', 'Etching', '--license', 'cc-by-sa', '--ai-training', 'notAllowed', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const added = JSON.parse(r.stdout)
    const asset = (await d.api(`/v1/records/${added.record}`)).body.record.credentialSubject
    const license = (await d.api(`/v1/records/${added.license}`)).body.record.credentialSubject
    assert.equal(asset.trainingMining['cawg.ai_training'].use, 'notAllowed')
    assert.equal(license.terms.aiTraining, 'notAllowed')
    assert.equal(license.spdx, 'CC-BY-SA-4.0')

    // a license offer that contradicts the asset is refused, before any record is signed
    const before = (await d.api('/v1/records?kind=asset')).body.items.length
    const clash = await d.api('/v1/assets', { method: 'POST', json: { content: added.cid, title: 'x', aiTraining: 'notAllowed', license: { preset: 'cc-by', terms: { aiTraining: 'allowed' } } } })
    assert.equal(clash.status, 400)
    assert.equal(clash.body.error.code, 'ERR_INVALID_REQUEST')
    assert.equal((await d.api('/v1/records?kind=asset')).body.items.length, before)

    // a later license for the same asset takes the asset's AI-training answer too
    const later = await d.cli(['license', added.record, '--preset', 'cc-by', '--json'])
    assert.equal(later.code, 0, later.stderr)
    assert.equal(JSON.parse(later.stdout).record.credentialSubject.terms.aiTraining, 'notAllowed')
  })

  it('refuses license ids that are not SPDX ids, and SPDX licenses whose terms it would have to invent', async () => {
    const gpl = await d.cli(['add', file, '--license', 'gpl'])
    assert.equal(gpl.code, 2)
    const line = gpl.stderr.trim().split('\n')[0] // then the usual "(add --help for usage)"
    assert.match(line, /cc-by-sa/)
    assert.match(line, /GPL-3\.0-only/)

    const added = JSON.parse((await d.cli(['add', file, '--title', 'Plain', '--json'])).stdout)
    const ish = await d.cli(['license', added.record, '--spdx', 'MIT-ish'])
    assert.equal(ish.code, 2)
    assert.match(ish.stderr, /did you mean MIT\?/)

    const apiIsh = await d.api('/v1/licenses', { method: 'POST', json: { asset: added.record, spdx: 'MIT-ish', terms: { commercialUse: true } } })
    assert.equal(apiIsh.status, 400)
    assert.deepEqual(apiIsh.body.error.details?.suggestions, ['MIT'])

    const bare = await d.api('/v1/licenses', { method: 'POST', json: { asset: added.record, spdx: 'MIT' } })
    assert.equal(bare.status, 400, 'MIT without terms would be signed as all rights reserved')
    const stated = await d.cli(['license', added.record, '--spdx', 'mit', '--commercial', '--derivatives', '--json'])
    assert.equal(stated.code, 0, stated.stderr)
    const subject = JSON.parse(stated.stdout).record.credentialSubject
    assert.equal(subject.spdx, 'MIT')
    assert.equal(subject.terms.commercialUse, true)
  })

  it('refuses to license someone else\'s work (verify would ignore it)', async () => {
    const signer = createSigner(new Uint8Array(randomBytes(32)), nobleCrypto)
    const content = JSON.parse((await d.cli(['add', file, '--title', 'Theirs', '--json'])).stdout).cid
    const theirs = issueRecord('asset', {
      id: `ipfs://${content}`, mediaType: 'image/png', byteSize: 2048, title: 'Theirs', creators: [{ id: signer.did, role: 'author', share: 10000 }]
    }, { signer, crypto: nobleCrypto })
    const posted = await d.api('/v1/records', { method: 'POST', json: JSON.parse(new TextDecoder().decode(theirs.bytes)) })
    assert.equal(posted.status, 201, JSON.stringify(posted.body))
    const r = await d.cli(['license', theirs.cid, '--preset', 'cc-by'])
    assert.equal(r.code, 1)
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, /only its author or one of its creators/)
    const api = await d.api('/v1/licenses', { method: 'POST', json: { asset: theirs.cid, preset: 'cc-by' } })
    assert.equal(api.status, 403)
    assert.equal(api.body.error.code, 'ERR_NOT_OWNER')
    assert.equal((await d.api(`/v1/assets/${theirs.cid}/licenses`)).body.items.length, 0)
  })

  it('record of a revoked grant says it is revoked, in text and --json', async () => {
    const added = JSON.parse((await d.cli(['add', file, '--title', 'Granted', '--license', 'cc-by-nc', '--json'])).stdout)
    const licensee = createSigner(new Uint8Array(randomBytes(32)), nobleCrypto).did
    const g = await d.cli(['grant', added.license, licensee, '--json'])
    assert.equal(g.code, 0, g.stderr)
    const grant = JSON.parse(g.stdout).cid
    const fresh = await d.cli(['record', grant, '--json'])
    assert.equal(JSON.parse(fresh.stdout).revoked, undefined)
    const rv = await d.cli(['revoke', grant, '--reason', 'festival cancelled', '--json'])
    assert.equal(rv.code, 0, rv.stderr)
    const revocation = JSON.parse(rv.stdout).cid
    const shown = await d.cli(['record', grant])
    assert.equal(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, new RegExp(`revoked +REVOKED from \\S+ by ${revocation} \\(festival cancelled\\)`))
    const json = JSON.parse((await d.cli(['record', grant, '--json'])).stdout)
    assert.equal(json.revoked.record, revocation)
    assert.equal(json.revoked.reason, 'festival cancelled')
  })

  it('sort takes the documented words (relevance|newest|oldest), time as an alias, and OpenAPI lists them', async () => {
    for (const n of [1, 2, 3]) assert.equal((await d.cli(['add', file, '--title', `Etching ${n}`])).code, 0)
    const spec = (await d.api('/openapi.json')).body
    const param = spec.paths['/v1/search'].get.parameters.find((p: any) => p.name === 'sort')
    assert.deepEqual(param.schema.enum, ['relevance', 'newest', 'oldest', 'time'])
    for (const sort of ['relevance', 'newest', 'oldest', 'time']) {
      const r = await d.api(`/v1/search?q=etching&sort=${sort}`)
      assert.equal(r.status, 200, `${sort}: ${JSON.stringify(r.body)}`)
    }
    const newest = (await d.api('/v1/search?q=etching&sort=newest')).body.items.map((i: any) => i.cid)
    const oldest = (await d.api('/v1/search?q=etching&sort=oldest')).body.items.map((i: any) => i.cid)
    assert.ok(newest.length >= 3, JSON.stringify(newest))
    assert.deepEqual(oldest, [...newest].reverse())
    const bad = await d.api('/v1/search?q=etching&sort=best')
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 'ERR_INVALID_REQUEST')
    const cli = await d.cli(['search', 'etching', '--sort', 'oldest', '--json'])
    assert.equal(cli.code, 0, cli.stderr)
    assert.deepEqual(JSON.parse(cli.stdout).items.map((i: any) => i.cid), oldest)
  })

  it('records --kind lists charters and memberships; royalties print 10.00 EUR, not minor units', async () => {
    const created = await d.cli(['collective', 'create', 'Riverside Printmakers', '--json'])
    assert.equal(created.code, 0, created.stderr)
    const id = JSON.parse(created.stdout).id
    assert.equal((await d.cli(['invite', id])).code, 0)
    const charters = await d.cli(['records', '--kind', 'charter'])
    assert.equal(charters.code, 0, charters.stderr)
    assert.match(charters.stdout, new RegExp(`charter +${id} .*founds "Riverside Printmakers" \\(invite\\)`))
    const memberships = await d.cli(['records', '--kind', 'membership', '--json'])
    assert.equal(memberships.code, 0, memberships.stderr)
    assert.ok(JSON.parse(memberships.stdout).items.some((i: any) => i.kind === 'membership' && i.record.credentialSubject.action === 'invite'))

    const added = JSON.parse((await d.cli(['add', file, '--title', 'Sold print', '--json'])).stdout)
    const r = await d.cli(['royalties', added.record, '--amount', '1000', '--currency', 'eur'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^10\.00 EUR earned by Sold print/)
    assert.doesNotMatch(r.stdout, /minor units/)
    const json = JSON.parse((await d.cli(['royalties', added.record, '--amount', '1000', '--currency', 'EUR', '--json'])).stdout)
    assert.equal(json.amount, 1000, '--json keeps integer minor units')
  })

  it('/ipfs serves the media type the asset record declares (made safe), else a sniff', async () => {
    // an MP4 whose first atom is not ftyp (QuickTime-style "wide" then "mdat"): no magic number to sniff
    const clip = join(scratch, 'clip')
    await writeFile(clip, Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('wide'), Buffer.from([0, 0, 0, 16]), Buffer.from('mdat'), randomBytes(4096)]))
    const video = JSON.parse((await d.cli(['add', clip, '--title', 'Clip', '--media-type', 'video/mp4', '--json'])).stdout)
    const res = await fetch(`${d.url}/ipfs/${video.cid}`, { method: 'HEAD' })
    assert.equal(res.headers.get('content-type'), 'video/mp4')

    // a record claiming text/html for content cannot make /ipfs serve a page
    const page = join(scratch, 'page')
    await writeFile(page, '<script>alert(1)</script>')
    const html = JSON.parse((await d.cli(['add', page, '--title', 'Page', '--media-type', 'text/html', '--json'])).stdout)
    assert.equal((await fetch(`${d.url}/ipfs/${html.cid}`, { method: 'HEAD' })).headers.get('content-type'), 'text/plain; charset=utf-8')

    // no record: the sniffer still knows an ISO-BMFF file by its ftyp box
    const sniffed = join(scratch, 'sniffed')
    await writeFile(sniffed, Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom'), randomBytes(512)]))
    const upload = await fetch(`${d.url}/v1/content`, { method: 'POST', headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/octet-stream' }, body: await readFile(sniffed) })
    const content = (await upload.json() as { cid: string }).cid
    assert.equal((await fetch(`${d.url}/ipfs/${content}`, { method: 'HEAD' })).headers.get('content-type'), 'video/mp4')
  })

  it('get and export agree on a terminal: text passes, binary needs -o <file>, -o - or --force', async () => {
    const terminal = (): { stream: Writable & { isTTY: boolean }, text: () => string } => {
      const chunks: Buffer[] = []
      const stream = Object.assign(new Writable({ write (c, _e, done) { chunks.push(Buffer.from(c)); done() } }), { isTTY: true })
      return { stream, text: () => Buffer.concat(chunks).toString('latin1') }
    }
    const inProcess = async (args: string[]): Promise<{ code: number, out: string, err: string }> => {
      const out = terminal()
      const err = terminal()
      err.stream.isTTY = false
      const code = await run(args, { env: { ATELIER_HOME: d.home, NO_COLOR: '1' }, stdout: out.stream, stderr: err.stream })
      return { code, out: out.text(), err: err.text() }
    }
    const binary = JSON.parse((await d.cli(['add', file, '--title', 'Binary', '--json'])).stdout).cid
    const notes = join(scratch, 'notes.txt')
    await writeFile(notes, 'plain words\n')
    const text = JSON.parse((await d.cli(['add', notes, '--title', 'Notes', '--json'])).stdout).cid

    const refused = await inProcess(['get', binary])
    assert.equal(refused.code, 2)
    assert.equal(refused.out, '', 'nothing written to the terminal')
    assert.match(refused.err, /refusing to write image\/png to a terminal.*-o - or --force/)
    const car = await inProcess(['export', binary, '--car'])
    assert.equal(car.code, 2)
    assert.match(car.err, /refusing to write binary data to a terminal/)

    assert.equal((await inProcess(['get', text])).out, 'plain words\n', 'text goes to a terminal')
    const forced = await inProcess(['get', binary, '--force'])
    assert.equal(forced.code, 0, forced.err)
    assert.equal(forced.out.length, 2048)
    const dash = await inProcess(['get', binary, '-o', '-'])
    assert.equal(dash.code, 0, dash.err)
    assert.equal(dash.out.length, 2048)
    const carDash = await inProcess(['export', binary, '--car', '-o', '-'])
    assert.equal(carDash.code, 0, carDash.err)
    assert.ok(carDash.out.length > 2048)
  })

  it('atelier id counts the storage of an add at once: the first id after it, in text and --json', async () => {
    const before = JSON.parse((await d.cli(['id', '--json'])).stdout).storage.bytes as number
    const big = join(scratch, 'plate.bin')
    await writeFile(big, randomBytes(3 * 1024 * 1024))
    const added = await d.cli(['add', big, '--title', 'Plate', '--json'])
    assert.equal(added.code, 0, added.stderr)
    const after = JSON.parse((await d.cli(['id', '--json'])).stdout).storage
    assert.ok(after.bytes >= before + 3 * 1024 * 1024, `storage ${after.bytes as number} B after adding 3 MiB to ${before} B`)
    assert.match((await d.cli(['id'])).stdout, /storage\s+\d+ blocks, \d+(\.\d)? MiB/)
  })
})
