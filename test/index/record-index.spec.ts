import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { Level } from 'level'
import { IndexSchemaError, RecordIndex, SCHEMA_VERSION } from '../../src/index/index.ts'
import type { RecordQuery } from '../../src/index/index.ts'
import { entriesOf } from '../../src/index/entries.ts'
import { SUBLEVEL_NAMES } from '../../src/index/sublevels.ts'
import type { ValidRecord } from '../../src/records/types.ts'
import {
  allPages, buildDataset, fakeCid, fakeDid, iterate, makeAsset, makeAttestation, openTempIndex, shuffle, tempDir
} from './fixtures.ts'
import type { Dataset } from './fixtures.ts'

/** Every key and value in the database at `path` (the index must be closed) */
async function dump (path: string): Promise<Map<string, string>> {
  const db = new Level<string, string>(path)
  await db.open()
  try {
    return new Map(await db.iterator().all())
  } finally {
    await db.close()
  }
}

/** The raw database with one sublevel, for tampering (the index must be closed) */
interface RawMeta {
  get(key: string): Promise<string | undefined>
  put(key: string, value: string): Promise<void>
}

async function withRaw (path: string, fn: (meta: RawMeta, db: Level<string, string>) => Promise<void>): Promise<void> {
  const db = new Level<string, string>(path)
  await db.open()
  try {
    await fn(db.sublevel<string, string>('meta', {}), db)
  } finally {
    await db.close()
  }
}

/** Keys per sublevel, read from a closed index's directory */
async function keysBySublevel (path: string): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>(SUBLEVEL_NAMES.map(n => [n, new Set()]))
  for (const key of (await dump(path)).keys()) {
    const m = /^!([a-z]+)!(.*)$/s.exec(key)
    assert.ok(m != null, `every key belongs to a sublevel: ${JSON.stringify(key)}`)
    out.get(m[1])?.add(m[2])
  }
  return out
}

/** Answers to a battery of questions, to compare two indexes */
async function answers (index: RecordIndex, data: Dataset): Promise<unknown> {
  const queries: RecordQuery[] = [
    {}, { order: 'asc' }, { kind: 'license' }, { kind: 'grant', order: 'asc' }, { since: data.times[5], until: data.times[20] },
    ...data.authors.map(author => ({ author, limit: 7 })),
    ...data.collectives.map(collective => ({ collective, kind: 'asset' as const })),
    ...data.contents.map(content => ({ content })),
    ...data.licensees.map(licensee => ({ licensee })),
    ...data.assets.slice(0, 20).map(a => ({ asset: a.cid })),
    ...data.records.slice(0, 40).map(r => ({ target: r.cid }))
  ]
  const out: unknown[] = [await index.count()]
  for (const q of queries) out.push(await allPages(index, { ...q, limit: q.limit ?? 11 }))
  for (const a of data.assets) {
    out.push(await index.lineage(a.cid, { direction: 'both', depth: 30 }))
    out.push(await index.lineage(a.cid, { direction: 'ancestors', depth: 2, limit: 3 }))
  }
  for (const author of data.authors) out.push(await index.head(author))
  for (const r of data.records) out.push(await index.get(r.cid))
  return out
}

describe('RecordIndex', () => {
  it('gets, has, counts and finds the head of each author chain', async () => {
    const { index, done } = await openTempIndex()
    try {
      const author = fakeDid()
      const a = makeAsset({ author, time: 1000, title: 'one' })
      const tieLow = makeAsset({ author, time: 2000, cid: 'bafyreiaaaa' })
      const tieHigh = makeAsset({ author, time: 2000, cid: 'bafyreizzzz' })
      const older = makeAsset({ author, time: 500 })
      assert.equal(await index.head(author), undefined)
      await index.put([a])
      assert.equal(await index.head(author), a.cid)
      await index.put([tieHigh, tieLow])
      assert.equal(await index.head(author), tieHigh.cid, 'ties go to the higher CID')
      await index.put([older])
      assert.equal(await index.head(author), tieHigh.cid, 'an older record arriving late does not move the head')
      assert.equal(await index.count(), 4)
      assert.equal(await index.has(a.cid), true)
      assert.equal(await index.has(fakeCid()), false)
      assert.deepEqual(await index.get(a.cid), { cid: a.cid, kind: 'asset', author, time: 1000, title: 'one', content: a.credential.credentialSubject.id.slice(7) })
      assert.equal(await index.get(fakeCid()), undefined)
    } finally {
      await done()
    }
  })

  it('reads bodies one at a time or many in order, across read batches, as the bytes stored', async () => {
    const { index, done } = await openTempIndex()
    try {
      const author = fakeDid()
      // more than one getMany's worth (MAX_READ_BATCH, 1,024)
      const records = Array.from({ length: 1100 }, (_, i) => makeAsset({ author, time: 1000 + i, title: `work ${i}` }))
      await index.put(records)
      const removed = records[3]
      await index.remove([removed])
      const asked = [fakeCid(), ...records.map(r => r.cid).reverse()]
      const got = await index.bodies(asked)
      assert.equal(got.length, asked.length)
      assert.equal(got[0], undefined, 'never held')
      for (let i = 1; i < asked.length; i++) {
        const r = records[records.length - i]
        if (r === removed) assert.equal(got[i], undefined, 'no longer counted')
        else assert.deepEqual(Buffer.from(got[i]!), Buffer.from(r.bytes), r.cid)
      }
      assert.deepEqual(Buffer.from((await index.body(records[9].cid))!), Buffer.from(records[9].bytes))
      assert.equal(await index.body(removed.cid), undefined)
      assert.deepEqual(await index.bodies([]), [])
      // the summaries likewise: getMany answers each CID as get does, in the order asked, across read batches
      const summaries = await index.getMany(asked)
      assert.equal(summaries.length, asked.length)
      for (const i of [0, 1, 2, records.length - 3, records.length - 1, records.length]) {
        assert.deepEqual(summaries[i], await index.get(asked[i]), asked[i])
      }
      assert.equal(summaries[records.length - 3], undefined, 'no longer counted')
      assert.equal(summaries[1]?.title, records[records.length - 1].credential.credentialSubject.title)
      assert.deepEqual(await index.getMany([]), [])
    } finally {
      await done()
    }
  })

  it('lists a collective\'s records from its keys, oldest first, across pages, and no other collective\'s', async () => {
    const { index, done } = await openTempIndex()
    try {
      const author = fakeDid()
      const a = fakeCid()
      const b = fakeCid()
      // more than one page (KEY_PAGE, 4,096), times out of order, two records at one time
      const inA = Array.from({ length: 4200 }, (_, i) => makeAsset({ author, time: 10_000 + ((i * 7919) % 4200), collective: a }))
      inA.push(makeAsset({ author, time: 10_000, collective: a }))
      const others = [makeAsset({ author, time: 5, collective: b }), makeAsset({ author, time: 6 })]
      await index.put([...inA, ...others])
      const listed: Array<{ cid: string, time: number }> = []
      for await (const r of index.collectiveRecords(a)) listed.push(r)
      const expected = inA.map(r => ({ cid: r.cid, time: r.time })).sort((x, y) => x.time - y.time || (x.cid < y.cid ? -1 : 1))
      assert.deepEqual(listed, expected)
      const inB: string[] = []
      for await (const r of index.collectiveRecords(b)) inB.push(r.cid)
      assert.deepEqual(inB, [others[0].cid])
      for await (const _ of index.collectiveRecords(fakeCid())) assert.fail('an unknown collective lists nothing')
    } finally {
      await done()
    }
  })

  it('is idempotent: putting records again changes no byte on disk', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    try {
      const data = buildDataset(150, 3)
      let index = new RecordIndex({ path })
      await index.open()
      await index.put(data.records)
      await index.close()
      const before = await dump(path)
      index = new RecordIndex({ path })
      await index.open()
      await index.put([...data.records, ...data.records.slice(0, 10)])
      await index.put(shuffle([...data.records]))
      await Promise.all([index.put(data.records.slice(0, 50)), index.put(data.records.slice(25, 75))])
      assert.equal(await index.count(), 150)
      await index.close()
      assert.deepEqual(await dump(path), before)
    } finally {
      await dir.cleanup()
    }
  })

  it('counts records once under concurrent puts of overlapping sets', async () => {
    const { index, done } = await openTempIndex()
    try {
      const data = buildDataset(200, 4)
      await Promise.all([0, 1, 2, 3].map(k => index.put(data.records.slice(k * 40, k * 40 + 80))))
      assert.equal(await index.count(), 200)
    } finally {
      await done()
    }
  })

  it('writes every entry of a record or none, and all sublevels agree', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    try {
      const data = buildDataset(250, 5)
      const index = new RecordIndex({ path })
      await index.open()
      await index.put(data.records.slice(0, 100))
      // a record that cannot be indexed makes its whole batch fail; nothing of that batch is written
      const bad = makeAttestation({ author: 'did:key:z6Mk\x00bad', time: 1, target: data.records[0].cid })
      await assert.rejects(index.put([...data.records.slice(100, 150), bad]), { name: 'InvalidRecordError' })
      await index.put(data.records.slice(100))
      assert.equal(await index.count(), 250)
      await index.close()

      const found = await keysBySublevel(path)
      const expected = new Map<string, Set<string>>(SUBLEVEL_NAMES.map(n => [n, new Set()]))
      for (const r of data.records) for (const e of entriesOf(r)) expected.get(e.sublevel)?.add(e.key)
      for (const name of SUBLEVEL_NAMES) {
        if (name === 'head' || name === 'meta') continue
        assert.deepEqual([...(found.get(name) ?? [])].sort(), [...(expected.get(name) ?? [])].sort(), `sublevel ${name}`)
      }
      assert.deepEqual([...(found.get('head') ?? [])].sort(), [...new Set(data.records.map(r => r.author))].sort())
      assert.deepEqual([...(found.get('meta') ?? [])].sort(), ['count', 'version'])
    } finally {
      await dir.cleanup()
    }
  })

  it('finds everything again after a reopen', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    try {
      const data = buildDataset(200, 6)
      const first = new RecordIndex({ path })
      await first.open()
      await first.put(data.records)
      const before = await answers(first, data)
      await first.close()
      await assert.rejects(first.query({}), { name: 'NotReadyError' })
      const second = new RecordIndex({ path })
      await second.open()
      assert.deepEqual(await answers(second, data), before)
      await second.close()
    } finally {
      await dir.cleanup()
    }
  })

  it('rebuild answers every query exactly as the incremental index', async () => {
    const a = await openTempIndex()
    const b = await openTempIndex()
    try {
      const data = buildDataset(300, 8)
      // incremental: arrival order scrambled (children before parents), uneven batches
      const scrambled = shuffle([...data.records])
      for (let i = 0; i < scrambled.length;) {
        const n = 1 + Math.floor(Math.random() * 60)
        await a.index.put(scrambled.slice(i, i + n))
        i += n
      }
      // rebuilt: an index holding other records first, then rebuilt from the records in order, with repeats
      await b.index.put([makeAsset({ author: fakeDid(), time: 5 }), makeAsset({ author: data.authors[0], time: 9e12 })])
      const n = await b.index.rebuild(iterate([...data.records, ...data.records.slice(0, 30)]))
      assert.equal(n, 300)
      assert.deepEqual(await answers(b.index, data), await answers(a.index, data))
    } finally {
      await a.done()
      await b.done()
    }
  })

  it('successors: the author\'s chain read forwards, a fork as two records; removal takes the entry out', async () => {
    const dir = await tempDir()
    const index = new RecordIndex({ path: join(dir.path, 'index') })
    try {
      await index.open()
      const ann = fakeDid()
      const bob = fakeDid()
      const t = Date.UTC(2025, 0, 1)
      const first = makeAsset({ author: ann, time: t })
      const second = makeAsset({ author: ann, time: t + 1, previous: first.cid })
      const branch = makeAsset({ author: ann, time: t + 2, previous: first.cid })
      const foreign = makeAsset({ author: bob, time: t + 3, previous: first.cid })
      await index.put([first, second, branch, foreign])
      assert.deepEqual(await index.successors(ann, first.cid), [second.cid, branch.cid].sort())
      assert.deepEqual(await index.successors(bob, first.cid), [foreign.cid])
      assert.deepEqual(await index.successors(ann, second.cid), [])
      assert.deepEqual(await index.successors(ann, first.cid, 1), [[second.cid, branch.cid].sort()[0]])
      assert.equal(await index.remove([branch]), 1)
      assert.deepEqual(await index.successors(ann, first.cid), [second.cid])
    } finally {
      await index.close()
      await dir.cleanup()
    }
  })

  it('upgrades an index of schema 4 in place, writing the successors entries from the stored summaries', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    try {
      const ann = fakeDid()
      const t = Date.UTC(2025, 0, 1)
      const chain: ValidRecord[] = [makeAsset({ author: ann, time: t })]
      for (let i = 1; i < 1200; i++) chain.push(makeAsset({ author: ann, time: t + i, previous: chain[i - 1].cid }))
      const fork = makeAsset({ author: ann, time: t + 5000, previous: chain[600].cid })
      let index = new RecordIndex({ path })
      await index.open()
      await index.put([...chain, fork])
      await index.close()
      const before = await dump(path)
      // what a schema 4 index holds: no successors entries, version 4
      await withRaw(path, async (meta, db) => {
        await db.sublevel<string, string>('successors', {}).clear()
        await meta.put('version', '4')
      })
      index = new RecordIndex({ path })
      await assert.rejects(index.open(), { name: 'IndexSchemaError' })
      assert.equal(await index.upgrade(), true)
      assert.deepEqual(await index.successors(ann, chain[600].cid), [chain[601].cid, fork.cid].sort())
      assert.deepEqual(await index.successors(ann, chain[1198].cid), [chain[1199].cid])
      await index.close()
      assert.deepEqual(await dump(path), before, 'the upgrade writes exactly what a schema 5 put writes')
    } finally {
      await dir.cleanup()
    }
  })

  it('refuses an index of another schema version until it is rebuilt', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    try {
      const records = buildDataset(60, 9).records
      let index = new RecordIndex({ path })
      await index.open()
      await index.put(records)
      await index.close()
      await withRaw(path, async meta => {
        assert.equal(await meta.get('version'), String(SCHEMA_VERSION))
        await meta.put('version', '999')
      })

      index = new RecordIndex({ path })
      await assert.rejects(index.open(), (err: any) => {
        assert.ok(err instanceof IndexSchemaError)
        assert.equal(err.code, 'ERR_INDEX_SCHEMA')
        assert.match(err.message, /atelier reindex/)
        assert.deepEqual(err.details, { path, found: '999', expected: SCHEMA_VERSION })
        return true
      })
      await assert.rejects(index.query({}), { name: 'IndexSchemaError' })
      await assert.rejects(index.put(records), { name: 'IndexSchemaError' })
      assert.equal(await index.rebuild(iterate(records)), 60)
      assert.equal((await index.query({ limit: 100 })).items.length, 60)
      await index.close()

      index = new RecordIndex({ path })
      await index.open()
      assert.equal(await index.count(), 60)
      await index.close()
    } finally {
      await dir.cleanup()
    }
  })

  it('refuses data without a version, and an interrupted rebuild', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    try {
      await withRaw(path, async (_meta, db) => { await db.put('!summary!bafyold', '{}') })
      let index = new RecordIndex({ path })
      await assert.rejects(index.open(), { name: 'IndexSchemaError' })
      await index.rebuild(iterate([]))
      await index.close()

      await withRaw(path, async meta => { await meta.put('rebuilding', '1') })
      index = new RecordIndex({ path })
      await assert.rejects(index.open(), { name: 'IndexSchemaError' })
      await index.close()
    } finally {
      await dir.cleanup()
    }
  })

  it('refuses work before open and after close', async () => {
    const dir = await tempDir()
    try {
      const index = new RecordIndex({ path: join(dir.path, 'index') })
      const records: ValidRecord[] = [makeAsset({ author: fakeDid(), time: 1 })]
      await assert.rejects(index.put(records), { name: 'NotReadyError' })
      await assert.rejects(index.count(), { name: 'NotReadyError' })
      await index.open()
      await index.open()
      // writes queued before close() still land
      const more = [makeAsset({ author: fakeDid(), time: 2 }), makeAsset({ author: fakeDid(), time: 3 })]
      const writes = [index.put(records), index.put(more.slice(0, 1)), index.put(more.slice(1))]
      await index.close()
      await Promise.all(writes)
      await index.close()
      await assert.rejects(index.has(records[0].cid), { name: 'NotReadyError' })
      await index.open()
      assert.equal(await index.count(), 3)
      await index.close()
    } finally {
      await dir.cleanup()
    }
  })
})
