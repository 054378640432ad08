/**
 * Local HTTP reads of a private collective on a real daemon bound beyond loopback (--http 0.0.0.0:0 --allow-remote;
 * protocols/private-collectives.md §10): a request without the API token does not see the collective's work
 * records — not by CID, in lists, in search, under /ipfs or on the event stream — and is refused the routes that
 * read every record; its open records (charter, key) and other collectives' records stay readable. The same
 * requests with the token see everything.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TestDaemon, waitFor } from './harness.ts'

interface RecordEventData { cid: string, kind: string, collective?: string }

/** The `record` events of /v1/events from subscribing until one passes `stop` (bounded by `ms`) */
async function recordEvents (url: string, headers: Record<string, string>, start: () => Promise<void>,
  stop: (e: RecordEventData) => boolean, ms: number): Promise<RecordEventData[]> {
  const controller = new AbortController()
  const timer = setTimeout(() => { controller.abort() }, ms)
  const seen: RecordEventData[] = []
  try {
    const res = await fetch(`${url}/v1/events`, { headers, signal: controller.signal })
    assert.equal(res.status, 200)
    const reader = res.body!.getReader()
    await reader.read() // the opening comment: the stream is subscribed
    await start()
    let text = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) throw new Error('the event stream ended')
      text += Buffer.from(value).toString('utf8')
      const blocks = text.split('\n\n')
      text = blocks.pop() ?? ''
      for (const block of blocks) {
        const data = /^event: record\n(?:id: .*\n)?data: (.*)$/m.exec(block)?.[1]
        if (data == null) continue
        const e = JSON.parse(data) as RecordEventData
        seen.push(e)
        if (stop(e)) return seen
      }
    }
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
}

describe('HTTP reads of a private collective on a gateway bound beyond loopback', { timeout: 180_000 }, () => {
  let d: TestDaemon
  const marker = `PRIVATE-${randomBytes(8).toString('hex')}`
  const addWork = async (title: string, collective?: string): Promise<string> => {
    const file = join(d.home, `${title}.txt`)
    await writeFile(file, randomBytes(64).toString('hex'))
    const added = await d.cli(['add', file, '--title', title, ...(collective != null ? ['--collective', collective] : []), '--json'])
    assert.equal(added.code, 0, added.stderr)
    const out = JSON.parse(added.stdout)
    return out.record?.cid ?? out.recordCid ?? out.cid
  }
  const found = async (title: string, collective?: string): Promise<string> => {
    const q = `/v1/records?kind=asset${collective != null ? `&collective=${collective}` : ''}&limit=100`
    const items = (await d.api(q, { headers: { authorization: `Bearer ${d.token}` } })).body.items
    return items.find((i: any) => i.record.credentialSubject.title === title).cid
  }

  before(async () => {
    d = await TestDaemon.create('atelier-private-reads-')
    await d.start(['--http', '0.0.0.0:0', '--allow-remote'])
  })
  after(async () => { await d?.destroy() })

  it('hides the private work from a caller without the token and shows it with the token', async () => {
    const created = await d.api('/v1/collectives', { method: 'POST', json: { name: 'Closed', visibility: 'private' } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const collective: string = created.body.id
    await waitFor(async () => (await d.api(`/v1/collectives/${collective}/keys`)).body.current === 0 ? true : undefined, 20_000, 'epoch 0')
    await addWork(marker, collective)
    const work = await found(marker, collective)
    await addWork('open-work')
    const open = await found('open-work')

    const token = { headers: { authorization: `Bearer ${d.token}` } }
    // the founder's display name, published to the private collective only
    const named = await d.api('/v1/profiles', { method: 'POST', json: { name: `Name-${marker}`, collective } })
    assert.equal(named.status, 201, JSON.stringify(named.body))
    const did: string = (await d.api('/v1/node')).body.did
    // the charter (an open record the stranger sees) shows its author's name to the token holder only
    const charterName = async (init: RequestInit = {}): Promise<string | undefined> =>
      (await d.api(`/v1/records?collective=${collective}&kind=charter`, init)).body.items.find((i: any) => i.author === did)?.authorName
    await waitFor(async () => await charterName(token) === `Name-${marker}` ? true : undefined, 10_000, 'the token holder to see the name')
    assert.equal(await charterName(), undefined, 'a stranger does not')
    // without the token: the work does not exist ...
    const one = await d.api(`/v1/records/${work}`)
    assert.equal(one.status, 404)
    assert.equal(one.body.error.code, 'ERR_NOT_FOUND')
    const listed = (await d.api(`/v1/records?collective=${collective}&limit=100`)).body.items.map((i: any) => i.kind)
    assert.ok(listed.includes('charter') && listed.includes('key'), `the open kinds stay listed (${listed.join()})`)
    assert.ok(!listed.includes('asset'), 'the work is not listed')
    const assets = (await d.api('/v1/records?kind=asset&limit=100')).body.items.map((i: any) => i.cid)
    assert.ok(assets.includes(open) && !assets.includes(work))
    assert.equal((await d.api(`/v1/search?q=${marker}`)).body.items.length, 0)
    assert.equal((await d.api(`/ipfs/${work}`)).status, 404)
    assert.equal((await d.api(`/ipfs/${open}`)).status, 200)
    assert.equal((await d.api(`/v1/records/${open}`)).status, 200, 'other collectives\' records stay open')
    // ... and the routes that read every record want the token
    for (const path of [`/v1/assets/${work}/provenance`, `/v1/collectives/${collective}/proposals`, `/v1/assets/${work}/lineage`, '/v1/alerts']) {
      const res = await d.api(path)
      assert.equal(res.status, 401, `${path} without the token: ${res.status}`)
      assert.equal(res.body.error.code, 'ERR_UNAUTHORIZED')
    }
    const wrong = await d.api(`/v1/records/${work}`, { headers: { authorization: 'Bearer not-the-token' } })
    assert.equal(wrong.status, 404, 'a wrong token is no token')

    // with the token: everything
    assert.equal((await d.api(`/v1/records/${work}`, token)).status, 200)
    assert.ok((await d.api(`/v1/records?collective=${collective}&limit=100`, token)).body.items.some((i: any) => i.cid === work))
    assert.equal((await d.api(`/v1/search?q=${marker}`, token)).body.items[0]?.cid, work)
    assert.equal((await d.api(`/ipfs/${work}`, token)).status, 200)
    assert.equal((await d.api(`/v1/assets/${work}/provenance`, token)).status, 200)

    // the event stream: a stranger sees the open work added after the private one, never the private one; with the
    // token both come
    let n = 0
    const addBoth = async (): Promise<void> => { n++; await addWork(`${marker}-${n}`, collective); await addWork(`open-work-${n}`) }
    const isOpenWork = (e: RecordEventData): boolean => e.kind === 'asset' && e.collective == null
    const strangerSaw = await recordEvents(d.url, {}, addBoth, isOpenWork, 60_000)
    assert.ok(!strangerSaw.some(e => e.collective === collective && e.kind === 'asset'), JSON.stringify(strangerSaw))
    const memberSaw = await recordEvents(d.url, token.headers, addBoth, isOpenWork, 60_000)
    assert.ok(memberSaw.some(e => e.collective === collective && e.kind === 'asset'), JSON.stringify(memberSaw))
  })
})
