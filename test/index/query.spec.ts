import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { RecordIndex, RecordQuery, RecordSummary } from '../../src/index/index.ts'
import type { RecordKind } from '../../src/records/types.ts'
import { summarize } from '../../src/index/entries.ts'
import { allPages, buildDataset, fakeCid, fakeDid, makeAsset, openTempIndex, seeded } from './fixtures.ts'
import type { Dataset } from './fixtures.ts'

/** The answer worked out by brute force over the summaries, written apart from the index code */
function expected (all: RecordSummary[], q: RecordQuery): string[] {
  const hits = all.filter(s =>
    (q.kind == null || s.kind === q.kind) &&
    (q.author == null || s.author === q.author) &&
    (q.collective == null || s.collective === q.collective) &&
    (q.content == null || (s.kind === 'asset' && s.content === q.content)) &&
    (q.asset == null || ((s.kind === 'license' || s.kind === 'grant') && s.asset === q.asset)) &&
    (q.licensee == null || (s.kind === 'grant' && s.licensee === q.licensee)) &&
    (q.target == null || ((s.kind === 'attestation' || s.kind === 'revocation') && s.target === q.target)) &&
    (q.since == null || s.time >= q.since) &&
    (q.until == null || s.time < q.until))
  hits.sort((a, b) => a.time - b.time || (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0))
  if ((q.order ?? 'desc') === 'desc') hits.reverse()
  return hits.map(s => s.cid)
}

const KINDS: RecordKind[] = ['asset', 'license', 'grant', 'attestation', 'revocation']

describe('RecordIndex.query', () => {
  let index: RecordIndex
  let done: () => Promise<void>
  let data: Dataset
  let summaries: RecordSummary[]

  before(async () => {
    ({ index, done } = await openTempIndex())
    data = buildDataset(400, 42)
    summaries = data.records.map(r => summarize(r))
    for (let i = 0; i < data.records.length; i += 37) await index.put(data.records.slice(i, i + 37))
  })
  after(async () => { await done() })

  async function check (q: RecordQuery): Promise<void> {
    const want = expected(summaries, q)
    const pages = await allPages(index, q)
    const got = pages.flat()
    assert.deepEqual(got, want, `query ${JSON.stringify(q)}`)
    const limit = Math.min(q.limit ?? 50, 1000)
    for (const [i, page] of pages.entries()) {
      if (i < pages.length - 1) assert.equal(page.length, limit, 'every page but the last is full')
    }
  }

  it('lists everything newest first by default, 50 a page', async () => {
    const page = await index.query({})
    assert.equal(page.items.length, 50)
    assert.notEqual(page.cursor, null)
    assert.deepEqual(page.items.map(s => s.cid), expected(summaries, {}).slice(0, 50))
    await check({})
    await check({ order: 'asc' })
  })

  it('answers each filter alone', async () => {
    const asset = data.assets[3]
    const grant = summaries.find(s => s.kind === 'grant') as RecordSummary
    const attested = summaries.find(s => s.kind === 'attestation') as RecordSummary
    const filters: RecordQuery[] = [
      ...KINDS.map(kind => ({ kind })),
      ...data.authors.map(author => ({ author })),
      ...data.collectives.map(collective => ({ collective })),
      ...data.contents.map(content => ({ content })),
      { asset: asset.cid },
      { asset: grant.asset },
      ...data.licensees.map(licensee => ({ licensee })),
      { target: attested.target },
      { since: data.times[10] },
      { until: data.times[30] },
      { since: data.times[10], until: data.times[12] }
    ]
    for (const f of filters) {
      for (const order of ['asc', 'desc'] as const) await check({ ...f, order, limit: 13 })
    }
  })

  it('answers combinations of filters', async () => {
    const random = seeded(7)
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]
    const someSummary = (): RecordSummary => pick(summaries)
    const makers: Array<() => RecordQuery> = [
      () => ({ kind: pick(KINDS) }),
      () => ({ author: pick(data.authors) }),
      () => ({ collective: pick(data.collectives) }),
      () => ({ content: pick(data.contents) }),
      () => ({ asset: someSummary().asset ?? pick(data.assets).cid }),
      () => ({ licensee: pick(data.licensees) }),
      () => ({ target: someSummary().target ?? someSummary().cid }),
      () => ({ since: pick(data.times) }),
      () => ({ until: pick(data.times) }),
      () => ({ author: fakeDid() }),
      () => ({ kind: 'grant', asset: someSummary().asset ?? fakeCid() })
    ]
    let nonEmpty = 0
    for (let n = 0; n < 250; n++) {
      const q: RecordQuery = { order: random() < 0.5 ? 'asc' : 'desc', limit: 1 + Math.floor(random() * 20) }
      const count = 2 + Math.floor(random() * 3)
      for (let k = 0; k < count; k++) Object.assign(q, pick(makers)())
      if (expected(summaries, q).length > 0) nonEmpty++
      await check(q)
    }
    assert.ok(nonEmpty > 50, `enough combinations match something (${nonEmpty})`)
  })

  it('returns nothing for an empty time range', async () => {
    assert.deepEqual(await index.query({ since: data.times[20], until: data.times[10] }), { items: [], cursor: null })
    assert.deepEqual(await index.query({ since: data.times[20], until: data.times[20], order: 'asc' }), { items: [], cursor: null })
  })

  it('returns nothing when a filter cannot apply to the kind', async () => {
    const s = summaries.find(x => x.kind === 'license') as RecordSummary
    assert.deepEqual(await index.query({ kind: 'asset', asset: s.asset }), { items: [], cursor: null })
    assert.deepEqual(await index.query({ kind: 'grant', content: data.contents[0] }), { items: [], cursor: null })
    assert.deepEqual(await index.query({ kind: 'license', licensee: data.licensees[0] }), { items: [], cursor: null })
    assert.deepEqual(await index.query({ kind: 'asset', target: s.cid }), { items: [], cursor: null })
  })

  it('pages with every limit without repeating or skipping, both orders', async () => {
    for (const limit of [1, 2, 7, 50, 399, 400, 401, 1000]) {
      for (const order of ['asc', 'desc'] as const) {
        const pages = await allPages(index, { order, limit })
        const flat = pages.flat()
        assert.equal(new Set(flat).size, flat.length)
        assert.deepEqual(flat, expected(summaries, { order }))
      }
    }
  })

  it('clamps limit to 1000 and rejects bad parameters with InvalidRequestError', async () => {
    const page = await index.query({ limit: 5000 })
    assert.equal(page.items.length, 400)
    const bad: RecordQuery[] = [
      { limit: 0 }, { limit: 1.5 }, { cursor: 'garbage!' }, { cursor: 'AAAA' }, { kind: 'bogus' as RecordKind },
      { order: 'sideways' as 'asc' }, { since: Number.NaN }, { author: '' }
    ]
    for (const q of bad) {
      await assert.rejects(index.query(q), { name: 'InvalidRequestError', code: 'ERR_INVALID_REQUEST' }, JSON.stringify(q))
    }
  })
})

describe('RecordIndex.query pagination under concurrent inserts', () => {
  for (const order of ['asc', 'desc'] as const) {
    it(`never repeats or skips records that existed at the start (${order})`, async () => {
      const { index, done } = await openTempIndex()
      try {
        const author = fakeDid()
        const random = seeded(order === 'asc' ? 1 : 2)
        const time = (): number => 1_000_000 + Math.floor(random() * 50) * 1000
        const initial = Array.from({ length: 120 }, () => makeAsset({ author, time: time() }))
        await index.put(initial)
        const seen: RecordSummary[] = []
        const inserted: string[] = []
        let cursor: string | undefined
        for (;;) {
          const page = await index.query({ author, order, limit: 9, cursor })
          seen.push(...page.items)
          // records land before, at and after the cursor between pages
          const more = Array.from({ length: 5 }, () => makeAsset({ author, time: time() }))
          await index.put(more)
          inserted.push(...more.map(r => r.cid))
          if (page.cursor == null) break
          cursor = page.cursor
        }
        const cids = seen.map(s => s.cid)
        assert.equal(new Set(cids).size, cids.length, 'no record twice')
        for (const r of initial) assert.ok(cids.includes(r.cid), 'every initial record seen')
        for (let i = 1; i < seen.length; i++) {
          const [a, b] = [seen[i - 1], seen[i]]
          const cmp = a.time - b.time || (a.cid < b.cid ? -1 : 1)
          assert.ok(order === 'asc' ? cmp < 0 : cmp > 0, 'strictly ordered across pages')
        }
        assert.ok(inserted.some(c => cids.includes(c)), 'records inserted ahead of the cursor are reached')
      } finally {
        await done()
      }
    })
  }
})
