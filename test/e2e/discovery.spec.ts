/**
 * Discovery between three real daemons on loopback (issue 13): C follows A, A endorses B's work; C's
 * `atelier discover` lists B's work first with a reason naming A (by A's profile name). Unfollowing revokes the
 * follow and the reason goes. The ranking needs the token; bad input is refused with one line / a 4xx.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { didsOf, joinWithInvites, startDaemons, waitFor } from './harness.ts'
import type { TestDaemon } from './harness.ts'

const CONFIG = { sync: { intervalMs: 2000 } }

describe('discovery across a collective of three nodes', { timeout: 300_000 }, () => {
  let a: TestDaemon, b: TestDaemon, c: TestDaemon
  let scratch: string
  let collective: string
  let didA: string
  let workB: string, otherB: string

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'atelier-discovery-files-'))
    ;[a, b, c] = await startDaemons(3, 'atelier-discovery-', CONFIG)
    ;[didA] = await didsOf([a])
    const created = await a.cli(['collective', 'create', 'Harbour Illustrators', '--json'])
    assert.equal(created.code, 0, created.stderr)
    collective = JSON.parse(created.stdout).id
    await joinWithInvites(a, collective, [b, c])
    assert.equal((await a.cli(['profile', 'set', '--name', 'Alice'])).code, 0)
  })

  after(async () => {
    for (const d of [a, b, c]) await d?.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('C follows A, A endorses B\'s work: C discovers it first, "endorsed by Alice, whom you follow"', async () => {
    for (const [name, title] of [['harbour.txt', 'Harbour at dawn'], ['other.txt', 'Gulls']]) {
      const file = join(scratch, name)
      await writeFile(file, `${title}: some words of a text work`)
      const added = await b.cli(['add', file, '--title', title, '--collective', collective, '--json'])
      assert.equal(added.code, 0, added.stderr)
      if (name === 'harbour.txt') workB = JSON.parse(added.stdout).record; else otherB = JSON.parse(added.stdout).record
    }
    await waitFor(async () => (await a.api(`/v1/records/${workB}`)).status === 200 ? true : undefined, 60_000, 'B\'s work on A')
    const followed = await c.cli(['follow', didA, '--collective', collective, '--json'])
    assert.equal(followed.code, 0, followed.stderr)
    assert.equal(JSON.parse(followed.stdout).record.credentialSubject.target, didA)
    const endorsed = await a.cli(['endorse', workB, '--json'])
    assert.equal(endorsed.code, 0, endorsed.stderr)
    assert.equal(JSON.parse(endorsed.stdout).record.credentialSubject.claim, 'endorsement')

    const items = await waitFor(async () => {
      const r = await c.cli(['discover', '--json'])
      assert.equal(r.code, 0, r.stderr)
      const out = JSON.parse(r.stdout).items as any[]
      return out.length > 0 && out[0].record === workB && out[0].reasons.some((x: any) => x.via.includes(didA)) ? out : undefined
    }, 90_000, 'B\'s work first in C\'s discovery')
    const reason = items[0].reasons.find((x: any) => x.code === 'endorsedByFollowed')
    assert.equal(reason.text, 'endorsed by Alice, whom you follow')
    assert.ok(!items.some((i: any) => i.record === otherB) || items.findIndex((i: any) => i.record === otherB) > 0)
    const human = await c.cli(['discover'])
    assert.match(human.stdout, /^1\. "Harbour at dawn"/m)
    assert.match(human.stdout, /endorsed by Alice, whom you follow/)
    // the ranking is private: without the token the node refuses it
    assert.equal((await c.api('/v1/discover')).status, 401)
  })

  it('unfollow revokes the follow; bad input is one line and a 400', async () => {
    const un = await c.cli(['unfollow', didA, '--json'])
    assert.equal(un.code, 0, un.stderr)
    assert.equal(JSON.parse(un.stdout).revoked.length, 1)
    const after = await c.cli(['discover', '--json'])
    assert.ok(!JSON.parse(after.stdout).items.some((i: any) => i.reasons.some((x: any) => x.code === 'endorsedByFollowed')))
    const bad = await c.cli(['follow', 'not-a-did'])
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /not-a-did/)
    const r = await c.api('/v1/follows', { method: 'POST', json: { target: 'did:key:nope!' } })
    assert.equal(r.status, 400)
    assert.equal(r.body.error.code, 'ERR_INVALID_REQUEST')
    const lim = await c.api('/v1/discover?limit=0', { headers: { authorization: `Bearer ${c.token}` } })
    assert.equal(lim.status, 400)
  })
})
