import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { Level } from 'level'
import { RecordIndex, SCHEMA_VERSION } from '../../src/index/index.ts'
import type { SearchHit, SearchQuery } from '../../src/index/index.ts'
import { FILTER_SCAN_BUDGET, MAX_SEARCH_WORDS } from '../../src/index/constants.ts'
import { searchEntriesOf } from '../../src/index/search-entries.ts'
import { runQuery } from '../../src/index/query.ts'
import { runSearch } from '../../src/index/search.ts'
import { openSublevels } from '../../src/index/sublevels.ts'
import { assetTokens, tokenize } from '../../src/index/tokens.ts'
import type { AssetSubject, Credential, RecordKind, ValidRecord } from '../../src/records/types.ts'
import { fakeCid, fakeDid, iterate, makeAsset, makeLicense, openTempIndex, seeded, tempDir } from './fixtures.ts'

const VOCABULARY = ['blue', 'bluebird', 'blues', 'sky', 'river', 'night', 'Café', 'cafe', 'ÖLFARBE', 'ölfarbe', '北京', 'sea', 'storm', 'Ｓｅａ', 'x7']
const MEDIA = ['image/png', 'audio/mpeg', 'video/mp4']

interface Data {
  records: ValidRecord[]
  assets: Array<ValidRecord<'asset'>>
  authors: string[]
  collectives: string[]
  times: number[]
}

function subjectOf (a: ValidRecord<'asset'>): AssetSubject {
  return a.credential.credentialSubject
}

/** Assets with titles, tags and descriptions drawn from a small vocabulary (many overlaps), and some licenses */
function buildData (size: number, seed: number): Data {
  const random = seeded(seed)
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]
  const words = (n: number): string => Array.from({ length: n }, () => pick(VOCABULARY)).join(pick([' ', ', ', ' - ', '/']))
  const authors = Array.from({ length: 4 }, () => fakeDid())
  const collectives = Array.from({ length: 2 }, () => fakeCid())
  const times = Array.from({ length: 25 }, (_, i) => Date.UTC(2025, 0, 1) + i * 60_000)
  const records: ValidRecord[] = []
  const assets: Array<ValidRecord<'asset'>> = []
  for (let i = 0; i < size; i++) {
    const common = { author: pick(authors), time: pick(times), ...(random() < 0.5 ? { collective: pick(collectives) } : {}) }
    if (assets.length > 0 && random() < 0.15) {
      records.push(makeLicense({ ...common, asset: pick(assets).cid }))
      continue
    }
    const a = makeAsset({ ...common, title: words(1 + Math.floor(random() * 3)) })
    const s = subjectOf(a)
    s.mediaType = pick(MEDIA)
    if (random() < 0.4) s.tags = [pick(VOCABULARY), pick(VOCABULARY)]
    if (random() < 0.3) s.description = `About ${words(2)}.`
    assets.push(a)
    records.push(a)
  }
  return { records, assets, authors, collectives, times }
}

/** The answer worked out by brute force, written apart from the index code (tokens.ts is tested on its own) */
function expected (data: Data, q: SearchQuery): Array<{ cid: string, score?: number }> {
  const text = q.text?.trim() ?? ''
  const queryWords = text === '' ? [] : tokenize(text)
  const prefix = q.prefix ?? true
  const hits: Array<{ r: ValidRecord, score: number }> = []
  for (const r of data.records) {
    if (q.kind != null && r.kind !== q.kind) continue
    if (q.author != null && r.author !== q.author) continue
    if (q.collective != null && r.collective !== q.collective) continue
    if (q.since != null && r.time < q.since) continue
    if (q.until != null && r.time >= q.until) continue
    if (q.mediaType != null && (r.kind !== 'asset' || subjectOf(r as ValidRecord<'asset'>).mediaType !== q.mediaType)) continue
    if (text === '') { hits.push({ r, score: 0 }); continue }
    if (r.kind !== 'asset') continue
    const tokens = assetTokens(subjectOf(r as ValidRecord<'asset'>))
    let score = 0
    queryWords.forEach((w, i) => {
      const last = i === queryWords.length - 1
      if (tokens.some(t => t === w || (prefix && last && t.startsWith(w)))) score++
    })
    if (score === 0 || (q.match === 'all' && score !== queryWords.length)) continue
    hits.push({ r, score })
  }
  const byTime = (a: ValidRecord, b: ValidRecord): number => b.time - a.time || (a.cid < b.cid ? 1 : a.cid > b.cid ? -1 : 0)
  const sort = q.sort ?? (text === '' ? 'newest' : 'relevance')
  const inOrder = (a: ValidRecord, b: ValidRecord): number => sort === 'oldest' ? byTime(b, a) : byTime(a, b)
  hits.sort((a, b) => (sort === 'relevance' && text !== '' ? b.score - a.score : 0) || inOrder(a.r, b.r))
  return hits.map(h => text === '' ? { cid: h.r.cid } : { cid: h.r.cid, score: h.score })
}

async function allPages (index: RecordIndex, q: SearchQuery): Promise<SearchHit[][]> {
  const pages: SearchHit[][] = []
  let cursor: string | undefined
  for (let n = 0; n < 1000; n++) {
    const page = await index.search({ ...q, cursor })
    pages.push(page.items)
    if (page.cursor == null) return pages
    cursor = page.cursor
  }
  throw new Error('too many pages')
}

describe('tokenize', () => {
  it('folds case, accents and compatibility forms, and splits on anything but letters and digits', () => {
    assert.deepEqual(tokenize('Café CAFÉ cafe'), ['cafe'])
    assert.deepEqual(tokenize('Ｓｅａ ﬁsh'), ['sea', 'fish'])
    assert.deepEqual(tokenize('rock\'n\'roll, 1984! sci-fi/noir'), ['rock', 'n', 'roll', '1984', 'sci', 'fi', 'noir'])
    assert.deepEqual(tokenize('Ölfarbe auf Leinwand'), ['olfarbe', 'auf', 'leinwand'])
    assert.deepEqual(tokenize('北京 夜景'), ['北京', '夜景'])
    assert.deepEqual(tokenize('  \t\n…  '), [])
    assert.equal(tokenize('a'.repeat(100))[0].length, 64)
  })

  it('takes an asset\'s words from title, then tags, then description, without repeats', () => {
    const a = makeAsset({ author: fakeDid(), time: 1, title: 'Blue Night' })
    const s = subjectOf(a)
    s.tags = ['night', 'Sea']
    s.description = 'A blue sea at dawn.'
    assert.deepEqual(assetTokens(s), ['blue', 'night', 'sea', 'a', 'at', 'dawn'])
    s.description = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ')
    assert.equal(assetTokens(s).length, 128)
  })
})

describe('RecordIndex.search', () => {
  let index: RecordIndex
  let done: () => Promise<void>
  let data: Data

  before(async () => {
    ({ index, done } = await openTempIndex())
    data = buildData(400, 7)
    for (let i = 0; i < data.records.length; i += 50) await index.put(data.records.slice(i, i + 50))
  })
  after(async () => { await done() })

  async function check (q: SearchQuery): Promise<void> {
    const want = expected(data, q)
    const pages = await allPages(index, q)
    const got = pages.flat().map(h => h.score == null ? { cid: h.cid } : { cid: h.cid, score: h.score })
    assert.deepEqual(got, want, `search ${JSON.stringify(q)}`)
    const limit = q.limit ?? 50
    pages.slice(0, -1).forEach(p => { assert.equal(p.length, limit, 'every page but the last is full') })
  }

  it('ranks by matched words, then newest, across pages', async () => {
    await check({ text: 'blue sky', limit: 7 })
    await check({ text: 'river night storm', limit: 13 })
    await check({ text: 'Ｃａｆé', limit: 5 })
    const page = await index.search({ text: 'blue sky' })
    assert.ok(page.items.length > 0)
    for (let i = 1; i < page.items.length; i++) assert.ok((page.items[i - 1].score ?? 0) >= (page.items[i].score ?? 0))
  })

  it('sorts newest first with sort=time, and keeps only records holding every word with match=all', async () => {
    await check({ text: 'blue sky', sort: 'time', limit: 9 })
    await check({ text: 'sea storm', match: 'all', limit: 3 })
    await check({ text: 'sea storm', match: 'all', sort: 'time', limit: 3 })
  })

  it('sort=newest is sort=time; sort=oldest walks the other way, across pages, with and without text', async () => {
    await check({ text: 'blue sky', sort: 'newest', limit: 9 })
    await check({ text: 'blue sky', sort: 'oldest', limit: 9 })
    await check({ text: 'sea storm', match: 'all', sort: 'oldest', limit: 3 })
    await check({ text: 'blu', sort: 'oldest', since: data.times[3], until: data.times[20], limit: 4 })
    await check({ sort: 'oldest', limit: 11 })
    await check({ mediaType: 'audio/mpeg', sort: 'oldest', limit: 5 })
    const newest = (await index.search({ text: 'blue', sort: 'newest', limit: 1000 })).items.map(h => h.cid)
    const oldest = (await index.search({ text: 'blue', sort: 'oldest', limit: 1000 })).items.map(h => h.cid)
    assert.ok(newest.length > 1)
    assert.deepEqual(oldest, [...newest].reverse())
  })

  it('matches the last word as a prefix unless told not to', async () => {
    await check({ text: 'blu', limit: 11 })
    await check({ text: 'blu', sort: 'time', limit: 11 })
    await check({ text: 'night blu', limit: 11 })
    await check({ text: 'blu', prefix: false })
    assert.deepEqual((await index.search({ text: 'blu', prefix: false })).items, [])
    const hits = await index.search({ text: 'blu', limit: 1000 })
    assert.ok(hits.items.every(h => h.score === 1), 'a record holding blue and bluebird counts the word once')
  })

  it('filters by author, media type, kind, collective and time', async () => {
    for (const author of data.authors) await check({ text: 'blue sea night', author, limit: 4 })
    for (const mediaType of MEDIA) await check({ text: 'river sky', mediaType, limit: 6 })
    for (const collective of data.collectives) await check({ text: 'storm', collective, sort: 'time', limit: 5 })
    await check({ text: 'blue', since: data.times[5], until: data.times[15], limit: 8 })
    await check({ text: 'blue', since: data.times[5], until: data.times[15], sort: 'time', limit: 8 })
    await check({ text: 'blue', kind: 'asset', limit: 100 })
    assert.deepEqual(await index.search({ text: 'blue', kind: 'license' }), { items: [], cursor: null })
  })

  it('without text, lists by the filters alone, newest first', async () => {
    await check({})
    await check({ kind: 'license', limit: 10 })
    await check({ mediaType: 'audio/mpeg', limit: 17 })
    await check({ mediaType: 'video/mp4', author: data.authors[1], limit: 4 })
    await check({ text: '   ', collective: data.collectives[0], limit: 30 })
    assert.deepEqual(await index.search({ text: '?!…' }), { items: [], cursor: null }, 'text without words matches nothing')
  })

  it('answers the summaries the index keeps, with a score for text searches', async () => {
    const [hit] = (await index.search({ text: 'blue', limit: 1 })).items
    const summary = await index.get(hit.cid)
    assert.deepEqual(hit, { ...summary, score: 1 })
  })

  it('rejects bad parameters with InvalidRequestError', async () => {
    const bad: SearchQuery[] = [
      { text: 'x'.repeat(1001) }, { text: Array.from({ length: MAX_SEARCH_WORDS + 1 }, (_, i) => `w${i}`).join(' ') },
      { sort: 'best' as 'time' }, { match: 'some' as 'all' }, { limit: 0 }, { kind: 'bogus' as RecordKind },
      { text: 'blue', cursor: 'garbage!' }, { text: 'blue', sort: 'time', cursor: 'AAAA' }, { author: '' }
    ]
    for (const q of bad) await assert.rejects(index.search(q), { name: 'InvalidRequestError' }, JSON.stringify(q).slice(0, 80))
    // a cursor of one sort order is refused by the other
    const page = await index.search({ text: 'blue', limit: 2 })
    await assert.rejects(index.search({ text: 'blue', sort: 'time', cursor: page.cursor as string }), { name: 'InvalidRequestError' })
  })
})

describe('search entries', () => {
  it('are written with the record, and rebuild answers every search the same', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    try {
      const data = buildData(120, 3)
      const index = new RecordIndex({ path })
      await index.open()
      await index.put(data.records.slice(0, 60))
      await index.put(data.records)
      const queries: SearchQuery[] = [{ text: 'blue' }, { text: 'sea night', sort: 'time' }, { text: 'blu', mediaType: 'image/png' }, { mediaType: 'audio/mpeg' }]
      const answers = async (): Promise<unknown> => Promise.all(queries.map(async q => allPages(index, q)))
      const before = await answers()
      assert.equal(await index.rebuild(iterate(data.records)), 120)
      assert.deepEqual(await answers(), before)
      await index.close()
      const db = new Level<string, string>(path)
      await db.open()
      try {
        const stored = (await db.sublevel<string, string>('tokens', {}).keys().all()).sort()
        const want = [...new Set(data.records.flatMap(r => searchEntriesOf(r).map(e => e.key)))].sort()
        assert.deepEqual(stored, want)
      } finally {
        await db.close()
      }
    } finally {
      await dir.cleanup()
    }
  })

  it('pages through a sparse filter in bounded steps (scan budget)', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    try {
      const author = fakeDid()
      const assets = Array.from({ length: 40 }, (_, i) => makeAsset({ author, time: 1000 + i, title: `n${i}` }))
      for (const i of [3, 17, 31]) subjectOf(assets[i]).mediaType = 'audio/flac'
      const index = new RecordIndex({ path })
      await index.open()
      await index.put(assets)
      assert.deepEqual((await index.search({ mediaType: 'audio/flac' })).items.map(s => s.cid), [31, 17, 3].map(i => assets[i].cid))
      await index.close()
      assert.ok(FILTER_SCAN_BUDGET >= 1000)
      const db = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
      await db.open()
      try {
        const subs = openSublevels(db)
        const found: string[] = []
        let cursor: string | undefined
        let pages = 0
        do {
          const page = await runQuery(subs, { mediaType: 'audio/flac', limit: 10, cursor }, 4)
          found.push(...page.items.map(s => s.cid))
          cursor = page.cursor ?? undefined
          pages++
        } while (cursor != null)
        assert.deepEqual(found, [31, 17, 3].map(i => assets[i].cid))
        assert.ok(pages >= 5, `a budget of 4 candidates a page reads 40 records in several pages (${pages})`)
        // the same for a text search by time: every asset holds the word, three pass the filter
        const texts: string[] = []
        cursor = undefined
        pages = 0
        do {
          const page = await runSearch(subs, { text: 'n1', mediaType: 'audio/flac', sort: 'time', limit: 10, cursor }, 3)
          texts.push(...page.items.map(s => s.cid))
          cursor = page.cursor ?? undefined
          pages++
        } while (cursor != null)
        assert.deepEqual(texts, [17].map(i => assets[i].cid))
        assert.ok(pages >= 3, `pages: ${pages}`)
      } finally {
        await db.close()
      }
    } finally {
      await dir.cleanup()
    }
  })
})

describe('charters', () => {
  function makeCharter (author: string, time: number): ValidRecord {
    const cid = fakeCid()
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'CharterRecord'],
      issuer: author,
      validFrom: new Date(time).toISOString(),
      credentialSchema: { id: 'https://atelier.works/schemas/charter/1.json', type: 'JsonSchema' },
      credentialSubject: { name: 'Harbour painters', admins: [author], admission: { policy: 'quorum', quorum: 1 } },
      proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-jcs-2022', created: new Date(time).toISOString(), verificationMethod: `${author}#k`, proofPurpose: 'assertionMethod', proofValue: 'z' }
    } as unknown as Credential
    // a charter has no `collective` field: the collective is named by the charter's own CID
    return { cid, bytes: new Uint8Array(0), credential, kind: 'charter' as RecordKind, author, time }
  }

  it('a charter is listed under its own collective, with the collective\'s records', async () => {
    const { index, done } = await openTempIndex()
    try {
      const admin = fakeDid()
      const charter = makeCharter(admin, 1000)
      const member = makeAsset({ author: fakeDid(), time: 2000, collective: charter.cid, title: 'first work' })
      const outsider = makeAsset({ author: fakeDid(), time: 3000, title: 'elsewhere' })
      await index.put([charter, member, outsider])
      const page = await index.query({ collective: charter.cid })
      assert.deepEqual(page.items.map(s => s.cid), [member.cid, charter.cid])
      assert.equal((await index.get(charter.cid))?.collective, charter.cid)
      assert.deepEqual((await index.query({ kind: 'charter' as RecordKind })).items.map(s => s.cid), [charter.cid])
      assert.deepEqual((await index.query({ kind: 'charter' as RecordKind, collective: charter.cid })).items.map(s => s.cid), [charter.cid])
      assert.deepEqual((await index.search({ collective: charter.cid })).items.map(s => s.cid), [member.cid, charter.cid])
      // rebuilt from the records, the same
      await index.rebuild(iterate([outsider, member, charter]))
      assert.deepEqual((await index.query({ collective: charter.cid })).items.map(s => s.cid), [member.cid, charter.cid])
    } finally {
      await done()
    }
  })

  it('the schema version is bumped for the new layout', () => {
    assert.ok(SCHEMA_VERSION >= 2)
  })
})
