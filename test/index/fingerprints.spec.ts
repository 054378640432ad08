/**
 * The `fingerprints` sublevel (schema 6): one entry per known fingerprint of a counted asset record, written in the
 * record's batch, gone when the record is taken out, written again by every kind of rebuild, and an index of
 * schema 5 upgraded in place. Checked on the database itself and through `iterateFingerprints()`.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { Level } from 'level'
import fc from 'fast-check'
import { base32upper } from 'multiformats/bases/base32'
import { RecordIndex, SCHEMA_VERSION } from '../../src/index/index.ts'
import { bytesHex, codeBits } from '../../src/fingerprints/codes.ts'
import type { IndexedFingerprint } from '../../src/index/index.ts'
import type { ValidRecord } from '../../src/records/types.ts'
import { buildDataset, fakeDid, iterate, makeAsset, makeAttestation, openTempIndex, tempDir } from './fixtures.ts'

const PDQ_HEX = '803e3fe3e2303c0ce1f8ce1c17e3fe1b8ce3211e88fc1fc4fc0ec40335fa23f8'
/** ISCC:EEA4ADZP6A4JHHZ4 is header 0x2101 and these 64 body bits */
const ISCC_IMAGE = 'ISCC:EEA4ADZP6A4JHHZ4'

function fingerprinted (i: number, author = fakeDid()): ValidRecord<'asset'> {
  const pdq = PDQ_HEX.slice(0, 62) + i.toString(16).padStart(2, '0')
  return makeAsset({
    author,
    time: Date.UTC(2025, 0, 1) + i * 1000,
    title: `work ${i}`,
    fingerprints: [
      { alg: 'pdq-256', bits: 256, code: pdq, quality: 50 + (i % 50) },
      { alg: 'iscc-image-64', bits: 64, code: ISCC_IMAGE },
      // an algorithm this release does not know: kept in the record, not indexed
      { alg: 'future-alg', bits: 8, code: 'ff' }
    ]
  })
}

async function all (index: RecordIndex, alg?: string): Promise<IndexedFingerprint[]> {
  const out: IndexedFingerprint[] = []
  for await (const f of index.iterateFingerprints(alg)) out.push(f)
  return out
}

/** The raw `fingerprints` keys and values of a closed index */
async function rawEntries (path: string): Promise<Array<[string, string]>> {
  const db = new Level<string, string>(path)
  await db.open()
  try {
    return await db.sublevel<string, string>('fingerprints', {}).iterator().all()
  } finally {
    await db.close()
  }
}

describe('index: fingerprints', () => {
  it('writes one entry per known fingerprint in the key layout alg \\0 hex \\0 cid, reads them back by algorithm', async () => {
    const t = await openTempIndex()
    try {
      const assets = Array.from({ length: 5 }, (_, i) => fingerprinted(i))
      const other = makeAttestation({ author: fakeDid(), time: Date.UTC(2025, 1, 1), target: assets[0].cid })
      await t.index.put([...assets, other, makeAsset({ author: fakeDid(), time: 1 })])
      const got = await all(t.index)
      assert.equal(got.length, 10, 'two known fingerprints of five assets; nothing for the unknown id, the attestation, the plain asset')
      assert.deepEqual(got.map(f => f.alg), [...Array(5).fill('iscc-image-64'), ...Array(5).fill('pdq-256')], 'key order: algorithm first')
      const pdq = await all(t.index, 'pdq-256')
      assert.equal(pdq.length, 5)
      for (const [i, a] of assets.entries()) {
        const f = pdq.find(p => p.cid === a.cid)
        assert.ok(f != null)
        assert.equal(Buffer.from(f.code).toString('hex'), (a.credential.credentialSubject.fingerprints as any)[0].code)
        assert.equal(f.content, a.credential.credentialSubject.id.slice('ipfs://'.length))
        assert.equal(f.issuer, a.author)
        assert.equal(f.validFrom, a.credential.validFrom)
        assert.equal(f.quality, 50 + i)
      }
      const iscc = await all(t.index, 'iscc-image-64')
      const body = Buffer.from(base32upper.baseDecode(ISCC_IMAGE.slice(5)).subarray(2)).toString('hex')
      assert.deepEqual(iscc.map(f => Buffer.from(f.code).toString('hex')), Array(5).fill(body))
      assert.equal(iscc[0].code.length, 8, 'the ISCC body bits, without the 2 header bytes')
      assert.equal(iscc[0].quality, undefined)
      assert.deepEqual(await all(t.index, 'future-alg'), [])
      assert.deepEqual(await all(t.index, 'pdq'), [], 'an algorithm is matched whole, never as a prefix')
      await t.index.close()
      const raw = await rawEntries(t.path)
      const [key, value] = raw.find(([k]) => k.startsWith('pdq-256'))!
      const [alg, hex, cid] = key.split('\x00')
      assert.equal(alg, 'pdq-256')
      assert.match(hex, /^[0-9a-f]{64}$/)
      assert.ok(assets.some(a => a.cid === cid))
      assert.deepEqual(Object.keys(JSON.parse(value)).sort(), ['content', 'issuer', 'quality', 'validFrom'])
    } finally {
      await t.done().catch(() => {})
    }
  })

  it('drops a record\'s entries when it is taken out, and writes them again when it counts again', async () => {
    const t = await openTempIndex()
    try {
      const [a, b] = [fingerprinted(1), fingerprinted(2)]
      await t.index.put([a, b])
      assert.equal((await all(t.index)).length, 4)
      assert.equal(await t.index.remove([a]), 1)
      const left = await all(t.index)
      assert.equal(left.length, 2)
      assert.ok(left.every(f => f.cid === b.cid))
      await t.index.put([a])
      assert.equal((await all(t.index)).length, 4)
    } finally {
      await t.done()
    }
  })

  it('property: after any sequence of puts and removals, the entries are exactly those of the counted records', async () => {
    const t = await openTempIndex()
    try {
      // eight assets, two pairs sharing their codes (one code, two records: two keys)
      const pool = Array.from({ length: 8 }, (_, i) => fingerprinted(i < 4 ? i % 2 : i))
      const expected = (counted: Set<number>): string[] => [...counted].flatMap(i => {
        const r = pool[i]
        return (r.credential.credentialSubject.fingerprints ?? []).flatMap(f => {
          const bits = codeBits(f)
          return bits === undefined ? [] : [`${f.alg} ${bytesHex(bits)} ${r.cid} ${f.quality ?? '-'}`]
        })
      }).sort()
      await fc.assert(fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), fc.subarray([0, 1, 2, 3, 4, 5, 6, 7], { minLength: 1 })), { minLength: 1, maxLength: 12 }),
        async (ops) => {
          const counted = new Set<number>()
          for (const [put, which] of ops) {
            if (put) { await t.index.put(which.map(i => pool[i])); which.forEach(i => counted.add(i)) } else { await t.index.remove(which.map(i => pool[i])); which.forEach(i => counted.delete(i)) }
          }
          const got = (await all(t.index)).map(f => `${f.alg} ${Buffer.from(f.code).toString('hex')} ${f.cid} ${f.quality ?? '-'}`).sort()
          assert.deepEqual(got, expected(counted))
          await t.index.remove(pool)
          assert.deepEqual(await all(t.index), [])
        }
      ), { numRuns: 40, seed: 12 })
    } finally {
      await t.done()
    }
  })

  it('every rebuild writes the same entries: in place and beside the live index', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    const records: ValidRecord[] = [...buildDataset(200, 4).records, ...Array.from({ length: 40 }, (_, i) => fingerprinted(i))]
    try {
      let index = new RecordIndex({ path })
      await index.open()
      await index.put(records)
      await index.close()
      const before = await rawEntries(path)
      assert.equal(before.length, 80)

      index = new RecordIndex({ path })
      await index.open()
      assert.equal(await index.rebuild(iterate(records)), records.length)
      await index.close()
      assert.deepEqual(await rawEntries(path), before, 'rebuild in place')

      index = new RecordIndex({ path })
      await index.open()
      await index.rebuildBeside(iterate(records))
      assert.equal((await all(index)).length, 80)
      await index.close()
      assert.deepEqual(await rawEntries(path), before, 'rebuild beside')
    } finally {
      await dir.cleanup()
    }
  })

  it('upgrades an index of schema 5 in place: version mark only, then fingerprints are indexed as they arrive', async () => {
    const dir = await tempDir()
    const path = join(dir.path, 'index')
    try {
      const records = buildDataset(100, 6).records
      let index = new RecordIndex({ path })
      await index.open()
      await index.put(records)
      await index.close()
      const db = new Level<string, string>(path)
      await db.open()
      await db.sublevel<string, string>('meta', {}).put('version', '5')
      await db.close()

      index = new RecordIndex({ path })
      await assert.rejects(index.open(), { name: 'IndexSchemaError' })
      assert.equal(await index.upgrade(), true)
      assert.equal(await index.count(), records.length)
      const a = fingerprinted(7)
      await index.put([a])
      assert.deepEqual((await all(index)).map(f => f.cid), [a.cid, a.cid])
      await index.close()
      const check = new Level<string, string>(path)
      await check.open()
      assert.equal(await check.sublevel<string, string>('meta', {}).get('version'), String(SCHEMA_VERSION))
      await check.close()
      assert.equal(SCHEMA_VERSION, 6)
    } finally {
      await dir.cleanup()
    }
  })
})
