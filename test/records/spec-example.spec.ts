/**
 * The full example in protocols/records.md is a valid record with the CID the text states, so the spec cannot drift
 * from the code unnoticed.
 */
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { validateRecord, nobleCrypto } from '../../src/records/index.ts'

it('records.md example validates to the CID it states', () => {
  const spec = readFileSync(new URL('../../protocols/records.md', import.meta.url), 'utf8')
  const section = spec.slice(spec.indexOf('## 10. Full example'))
  const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1]
  const cid = /its CID is `([a-z2-7]+)`/.exec(section)?.[1]
  assert.ok(json !== undefined && cid !== undefined, 'the example section has a JSON block and a CID')
  const record = validateRecord(json, { crypto: nobleCrypto })
  assert.equal(record.cid, cid)
  assert.equal(record.kind, 'asset')
})
