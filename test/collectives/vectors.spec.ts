/**
 * The worked example of protocols/collectives.md §6, on the project vectors: the membership it states, in any order,
 * and the charter CID it names.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { computeMembership } from '../../src/collectives/index.ts'
import { nobleCrypto, validateRecord } from '../../src/records/index.ts'
import type { ValidRecord } from '../../src/records/index.ts'
import { seededRandom, shuffled } from './helpers.ts'

const root = new URL('../../', import.meta.url)
const vector = (name: string): ValidRecord =>
  validateRecord(JSON.parse(readFileSync(new URL(`protocols/vectors/atelier/${name}.json`, root), 'utf8')).recordCanonical, { crypto: nobleCrypto })

const A = 'did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw'
const B = 'did:key:z6MkiaMbhXHNA4eJVCCj8dbzKzTgYDKf6crKgHVHid1F1WCT'
const M = 'did:key:z6Mkh7U7jBwoMro3UeHmXes4tKtFbZhMRWejbtunbU4hhvjP'
const J = 'did:key:z6MkwSD8dBdqcXQzKJZQFPy2hh2izzxskndKCjdmC2dBpfME'

describe('collectives.md worked example', () => {
  const charter = vector('charter') as ValidRecord<'charter'>
  const [admit, cosign, invite, join, remove] = ['membership-admit', 'membership-admit-cosign', 'membership-invite', 'membership-join', 'membership-remove'].map(vector)
  const all = [charter, admit, cosign, invite, join, remove]

  it('names the charter CID of the vectors', () => {
    const text = readFileSync(new URL('protocols/collectives.md', root), 'utf8')
    const example = text.slice(text.indexOf('## 7. Worked example'))
    assert.ok(example.includes(charter.cid), `the example names ${charter.cid}`)
    for (const did of [A, B, M, J]) assert.ok(example.includes(did))
  })

  it('step by step', () => {
    assert.equal(computeMembership(charter, [admit]).isMember(M, Date.parse('2025-02-12T00:00:00Z')), false, 'one signature of two')
    const admitted = computeMembership(charter, [admit, cosign])
    assert.deepEqual(admitted.intervals(M), [[Date.parse('2025-02-11T00:00:00Z'), Infinity]])
    const joined = computeMembership(charter, [admit, cosign, invite, join])
    assert.deepEqual(joined.intervals(J), [[Date.parse('2025-02-20T17:45:00.500Z'), Infinity]])
    assert.equal(joined.invite(invite.cid)?.uses.length, 1)
  })

  it('with all six records, in any order', () => {
    const random = seededRandom(6)
    for (let i = 0; i < 20; i++) {
      const m = computeMembership(charter, shuffled(all, random))
      assert.deepEqual(m.members(), [A, B, J, M].sort())
      assert.equal(m.isMember(M, Date.parse('2025-03-02T00:00:00Z')), true, 'the removal is pending')
      assert.deepEqual(m.pending.map(p => ({ action: p.action, member: p.member, signers: p.signers, needed: p.needed })),
        [{ action: 'remove', member: M, signers: [B], needed: 1 }])
      assert.deepEqual(m.changes.map(c => [c.action, c.member]), [['admit', M], ['join', J]])
    }
  })
})
