/**
 * Creator profiles between two real daemons on loopback (protocols/records.md §3.8): A names itself in a
 * collective with `atelier profile set`; B, a member, then shows A's name instead of its did in the CLI's human
 * output (members, records, lineage, verify, royalties) and beside the did in the API's answers, while `--json`
 * and `--dids` keep the did. Bad input is refused with the documented error body or one CLI line.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestDaemon, waitFor } from './harness.ts'

const CONFIG = { sync: { intervalMs: 2000 } }

describe('profiles across a collective of two nodes', { timeout: 300_000 }, () => {
  let a: TestDaemon, b: TestDaemon
  let scratch: string
  let collective: string
  let didA: string, didB: string
  let assetA: string, assetB: string

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'atelier-profiles-files-'))
    a = await TestDaemon.create('atelier-profiles-a-')
    b = await TestDaemon.create('atelier-profiles-b-')
    for (const d of [a, b]) { await d.writeConfig(CONFIG); await d.start() }
    didA = (await a.api('/v1/node')).body.did
    didB = (await b.api('/v1/node')).body.did
    const created = await a.cli(['collective', 'create', 'Harbour Illustrators', '--json'])
    assert.equal(created.code, 0, created.stderr)
    collective = JSON.parse(created.stdout).id
    const inv = await a.cli(['invite', collective])
    assert.equal(inv.code, 0, inv.stderr)
    const joined = await b.cli(['join', inv.stdout.trim(), '--json'])
    assert.equal(joined.code, 0, joined.stderr)
    await waitFor(async () => (await b.api(`/v1/collectives/${collective}/members`)).body.members?.includes(didB) === true ? true : undefined, 60_000, 'B to be a member')
  })

  after(async () => {
    for (const d of [a, b]) await d?.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('A sets its profile with an avatar and links; it goes to every collective A is a member of', async () => {
    const avatar = join(scratch, 'ada.png')
    await writeFile(avatar, Buffer.from('not really a png, but bytes'))
    const set = await a.cli(['profile', 'set', '--name', 'Ada Lindqvist', '--bio', 'Ink studies of the harbour.', '--avatar', avatar,
      '--link', 'https://ada.example/', '--json'])
    assert.equal(set.code, 0, set.stderr)
    const out = JSON.parse(set.stdout)
    assert.equal(out.did, didA)
    assert.equal(out.name, 'Ada Lindqvist')
    assert.match(out.avatar, /^baf/)
    assert.deepEqual(out.records.map((r: any) => r.collective), [collective])
    // the avatar is content A serves
    assert.equal((await a.api(`/ipfs/${out.avatar as string}`)).status, 200)

    const shown = await a.cli(['profile', 'show', '--json'])
    assert.equal(shown.code, 0, shown.stderr)
    const p = JSON.parse(shown.stdout)
    assert.equal(p.name, 'Ada Lindqvist')
    assert.equal(p.did, didA)
    assert.equal(p.cid, out.records[0].cid)
    assert.deepEqual(p.links, ['https://ada.example/'])
    const human = await a.cli(['profile', 'show'])
    assert.match(human.stdout, /^name\s+Ada Lindqvist$/m)
    assert.equal((await a.api('/v1/node')).body.name, 'Ada Lindqvist')
    // atelier id names the node's creator too, in both outputs
    const id = await a.cli(['id'])
    assert.match(id.stdout, /^name\s+Ada Lindqvist$/m)
    assert.equal(JSON.parse((await a.cli(['id', '--json'])).stdout).name, 'Ada Lindqvist')
  })

  it('B sees A\'s name once the profile arrives, by API and in the CLI', async () => {
    const p = await waitFor(async () => {
      const r = await b.api(`/v1/profiles/${didA}`)
      return r.status === 200 ? r.body : undefined
    }, 60_000, 'A\'s profile on B')
    assert.equal(p.name, 'Ada Lindqvist')
    assert.equal(p.collective, collective)
    const shown = await b.cli(['profile', 'show', didA, '--json'])
    assert.equal(shown.code, 0, shown.stderr)
    assert.equal(JSON.parse(shown.stdout).name, 'Ada Lindqvist')

    const members = await b.api(`/v1/collectives/${collective}/members`)
    assert.deepEqual(members.body.names, { [didA]: 'Ada Lindqvist' })
    const human = await b.cli(['members', collective])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /^Ada Lindqvist {2}\(admin\)/m)
    assert.ok(!human.stdout.includes(didA), 'the name, not the did')
    const withDids = await b.cli(['--dids', 'members', collective])
    assert.ok(withDids.stdout.includes(`${didA} (Ada Lindqvist)`), withDids.stdout)
    const shownCollective = await b.cli(['collective', 'show', collective])
    assert.match(shownCollective.stdout, /^admins\s+Ada Lindqvist$/m)
  })

  it('records, lineage, verify and royalties name A on B; --json carries the did and the name beside it', async () => {
    const file = join(scratch, 'etching.txt')
    await writeFile(file, 'an etching of the harbour')
    const added = await a.cli(['add', file, '--title', 'Etching', '--collective', collective, '--license', 'commercial-remix', '--rev-share', '10', '--json'])
    assert.equal(added.code, 0, added.stderr)
    assetA = JSON.parse(added.stdout).record
    await waitFor(async () => (await b.api(`/v1/records/${assetA}`)).status === 200 ? true : undefined, 60_000, 'A\'s asset on B')
    const remix = join(scratch, 'remix.txt')
    await writeFile(remix, 'a remix of the etching')
    const addedB = await b.cli(['add', remix, '--title', 'Remix', '--parent', assetA, '--collective', collective, '--json'])
    assert.equal(addedB.code, 0, addedB.stderr)
    assetB = JSON.parse(addedB.stdout).record

    const listed = await b.api(`/v1/records?author=${didA}&kind=asset`)
    assert.equal(listed.body.items[0].authorName, 'Ada Lindqvist')
    assert.equal(listed.body.items[0].author, didA)
    const records = await b.cli(['records', '--kind', 'asset', '--collective', collective])
    assert.match(records.stdout, /Ada Lindqvist +"Etching"/)
    const recordsJson = JSON.parse((await b.cli(['records', '--kind', 'asset', '--author', didA, '--json'])).stdout)
    assert.equal(recordsJson.items[0].author, didA)
    assert.equal(recordsJson.items[0].authorName, 'Ada Lindqvist')
    const profiles = await b.cli(['records', '--kind', 'profile'])
    assert.match(profiles.stdout, /names itself "Ada Lindqvist"/)

    const lineage = await b.cli(['lineage', assetB])
    assert.equal(lineage.code, 0, lineage.stderr)
    assert.match(lineage.stdout, new RegExp(`"Etching" ${assetA} by Ada Lindqvist`))
    const lineageApi = await b.api(`/v1/assets/${assetB}/lineage`)
    assert.equal(lineageApi.body.nodes.find((n: any) => n.cid === assetA).authorName, 'Ada Lindqvist')

    const verify = await b.cli(['verify', assetB])
    assert.match(verify.stdout, new RegExp(`"Etching" ${assetA} by Ada Lindqvist`))
    const report = await b.api(`/v1/assets/${assetB}/provenance`)
    assert.equal(report.body.records.find((r: any) => r.cid === assetA).authorName, 'Ada Lindqvist')

    const royalties = await b.cli(['royalties', assetB, '--amount', '1000', '--currency', 'EUR'])
    assert.equal(royalties.code, 0, royalties.stderr)
    assert.match(royalties.stdout, /^Ada Lindqvist +1\.00 EUR /m)
    assert.ok(royalties.stdout.includes(`Ada Lindqvist  ${didA}`), 'totals keep the full did beside the name')
    const split = await b.api(`/v1/assets/${assetB}/royalties?amount=1000&currency=EUR`)
    const payeeA = split.body.payees.find((p: any) => p.did === didA)
    assert.equal(payeeA.name, 'Ada Lindqvist')
    assert.equal(split.body.payees.find((p: any) => p.did === didB).name, undefined, 'B has no profile: no name')
    assert.equal(split.body.lines.find((l: any) => l.did === didA).name, 'Ada Lindqvist')
  })

  it('a later profile replaces the name on both nodes; a revoked one falls back to the one before', async () => {
    const set = await a.cli(['profile', 'set', '--name', 'Ada L.', '--json'])
    assert.equal(set.code, 0, set.stderr)
    const latest = JSON.parse(set.stdout).records[0].cid
    for (const d of [a, b]) {
      await waitFor(async () => (await d.api(`/v1/profiles/${didA}`)).body.name === 'Ada L.' ? true : undefined, 60_000, 'the new name')
    }
    const revoked = await a.cli(['revoke', latest, '--collective', collective])
    assert.equal(revoked.code, 0, revoked.stderr)
    for (const d of [a, b]) {
      await waitFor(async () => (await d.api(`/v1/profiles/${didA}`)).body.name === 'Ada Lindqvist' ? true : undefined, 60_000, 'the name before the revoked one')
    }
  })

  it('refuses bad input with the documented error body, and the CLI with one line', async () => {
    const badLink = await a.api('/v1/profiles', { method: 'POST', json: { name: 'Ada', links: ['javascript:alert(1)'] } })
    assert.equal(badLink.status, 400)
    assert.equal(badLink.body.error.code, 'ERR_INVALID_RECORD')
    assert.match(badLink.body.error.message, /credentialSubject\.links\[0\]/)
    const noName = await a.api('/v1/profiles', { method: 'POST', json: { bio: 'x' } })
    assert.equal(noName.status, 400)
    const noToken = await a.api('/v1/profiles', { method: 'POST', auth: false, json: { name: 'Mallory' } })
    assert.equal(noToken.status, 401)
    const missingAvatar = await a.api('/v1/profiles', { method: 'POST', json: { name: 'Ada', avatar: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' } })
    assert.equal(missingAvatar.status, 404)
    assert.equal((await a.api('/v1/profiles/not-a-did')).body.error.code, 'ERR_INVALID_REQUEST')
    const none = await a.api(`/v1/profiles/${didB}`)
    assert.equal(none.status, 404)
    assert.equal(none.body.error.code, 'ERR_NOT_FOUND')

    const cli = await a.cli(['profile', 'show', didB])
    assert.equal(cli.code, 1)
    assert.equal(cli.stderr.trim().split('\n').length, 1, cli.stderr)
    const badFlag = await a.cli(['profile', 'set', '--name', '   '])
    assert.equal(badFlag.code, 2)
    const badUrl = await a.cli(['profile', 'set', '--name', 'Ada', '--link', 'ftp://x'])
    assert.equal(badUrl.code, 2)
    assert.equal((await a.api(`/v1/profiles/${didA}`)).body.name, 'Ada Lindqvist', 'nothing refused changed the name')
  })
})
