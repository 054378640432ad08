/**
 * One signed record, one id: for every kind, every way of writing the same signed record (key order, whitespace,
 * the proof's @context present or absent) has one canonical form and one CID, and removing or changing any member
 * the signature covers is refused. Enumerated over every member of every kind (top level, subject, proof), optional
 * ones included.
 */
import { describe, it } from 'node:test'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { nobleCrypto } from '../../src/records/ed25519-noble.ts'
import { RECORD_KINDS, validateRecord } from '../../src/records/index.ts'
import type { RecordKind } from '../../src/records/index.ts'
import { forge, subjects, utf8 } from './helpers.ts'

const FINGERPRINTS = [
  { alg: 'pdq-256', bits: 256, code: '803e3fe3e2303c0ce1f8ce1c17e3fe1b8ce3211e88fc1fc4fc0ec40335fa23f8', quality: 100 },
  { alg: 'iscc-image-64', bits: 64, code: 'ISCC:EEA4ADZP6A4JHHZ4' }
]

const validate = (input: unknown): { cid: string } | { error: string } => {
  try {
    return { cid: validateRecord(typeof input === 'string' ? utf8(input) : input as object, { crypto: nobleCrypto }).cid }
  } catch (err: any) {
    return { error: err.name }
  }
}

/** Every path to a member of `value` (objects and arrays), with the value there */
function paths (value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (value == null || typeof value !== 'object') return []
  const out: Array<Array<string | number>> = []
  for (const [k, v] of Object.entries(value)) {
    const p = [...at, Array.isArray(value) ? Number(k) : k]
    out.push(p, ...paths(v, p))
  }
  return out
}

function without (record: any, path: Array<string | number>): any {
  const copy = structuredClone(record)
  let target = copy
  for (const key of path.slice(0, -1)) target = target[key]
  const last = path[path.length - 1]
  if (Array.isArray(target)) target.splice(last as number, 1)
  else delete target[last]
  return copy
}

describe('one signed record, one id', () => {
  const all = subjects()
  const cases: Array<[string, RecordKind, any]> = (RECORD_KINDS as readonly RecordKind[]).map(kind => [kind, kind, all[kind]])
  // asset schema version 2: the fingerprints and each of their members are covered by the signature too
  cases.push(['asset with fingerprints', 'asset', { ...all.asset, fingerprints: FINGERPRINTS }])
  for (const [label, kind, subject] of cases) {
    it(`${label}: every writing of the record has its CID; every other change is refused`, () => {
      const record = forge(kind, subject)
      const base = validate(record)
      assert.ok('cid' in base, `the ${kind} record is valid: ${JSON.stringify(base)}`)
      const cid = base.cid
      // the same record written otherwise
      assert.deepEqual(validate(JSON.stringify(record, null, 2)), { cid }, 'indented')
      const reversed = Object.fromEntries(Object.entries(record).reverse())
      assert.deepEqual(validate(JSON.stringify(reversed)), { cid }, 'members in another order')
      assert.ok(record.proof['@context'] != null, 'Atelier writes the proof\'s @context')
      assert.deepEqual(validate(without(record, ['proof', '@context'])), { cid }, 'the proof without its @context is the same record')
      // removing any other member: refused, never a second valid record
      let tried = 0
      for (const path of paths(record)) {
        if (path.length === 2 && path[0] === 'proof' && path[1] === '@context') continue
        if (path[0] === 'proof' && path[1] === '@context' && path.length > 2) continue
        const out = validate(without(record, path))
        tried++
        assert.ok('error' in out || out.cid === cid, `removing ${path.join('.')} gave another valid record ${JSON.stringify(out)}`)
        assert.ok('error' in out, `removing ${path.join('.')} was accepted`)
      }
      assert.ok(tried > 10, `${tried} members tried`)
    })
  }

  it('every published vector, sent without the proof\'s @context, canonicalises to the vector\'s bytes and CID', async () => {
    const dir = join(import.meta.dirname, '..', '..', 'protocols', 'vectors', 'atelier')
    const files = (await readdir(dir)).filter(f => f.endsWith('.json'))
    assert.ok(files.length >= 7)
    for (const file of files) {
      const vector = JSON.parse(await readFile(join(dir, file), 'utf8'))
      const record = JSON.parse(vector.recordCanonical)
      delete record.proof['@context']
      const out = validateRecord(utf8(JSON.stringify(record)), { crypto: nobleCrypto })
      assert.equal(out.cid, vector.cid, file)
      assert.equal(new TextDecoder().decode(out.bytes), vector.recordCanonical, file)
    }
  })
})
