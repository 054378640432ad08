/**
 * The worked example of protocols/governance.md §8, on the project vectors: the tally the text states, with and
 * without the receipt.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { computeMembership } from '../../src/collectives/index.ts'
import { governanceRecords, tallyProposal } from '../../src/governance/index.ts'
import { nobleCrypto, validateRecord } from '../../src/records/index.ts'
import type { ValidRecord } from '../../src/records/index.ts'

const dir = new URL('../../protocols/vectors/atelier/', import.meta.url)
const load = (name: string): ValidRecord => validateRecord(JSON.parse(JSON.parse(readFileSync(new URL(name, dir), 'utf8')).recordCanonical), { crypto: nobleCrypto })

const A = 'did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw'
const B = 'did:key:z6MkiaMbhXHNA4eJVCCj8dbzKzTgYDKf6crKgHVHid1F1WCT'
const M = 'did:key:z6Mkh7U7jBwoMro3UeHmXes4tKtFbZhMRWejbtunbU4hhvjP'
const J = 'did:key:z6MkwSD8dBdqcXQzKJZQFPy2hh2izzxskndKCjdmC2dBpfME'

describe('governance worked example (governance.md §8)', () => {
  const charter = load('charter.json') as ValidRecord<'charter'>
  const membership = ['membership-admit.json', 'membership-admit-cosign.json', 'membership-invite.json', 'membership-join.json', 'membership-remove.json'].map(load)
  const proposal = load('governance-proposal.json') as ValidRecord<'proposal'>
  const votes = ['governance-vote.json', 'governance-vote-member.json'].map(load)
  const receipt = load('governance-receipt.json')

  const tally = (records: ValidRecord[]): ReturnType<typeof tallyProposal> =>
    tallyProposal(proposal, computeMembership(charter, records), governanceRecords(charter.cid, records))

  it('passes: W = 4, T = 2, for 2 of B = 2', () => {
    const t = tally([...membership, proposal, ...votes, receipt])
    assert.deepEqual(t.electorate.map(e => e.did), [A, B, M, J].sort())
    assert.equal(t.totalWeight, 4)
    assert.equal(t.turnoutWeight, 2)
    assert.deepEqual(t.count.support, [2, 0])
    assert.equal(t.count.base, 2)
    assert.equal(t.outcome, 'passed')
    assert.deepEqual(t.changes, [{ action: 'addAdmin', member: J }])
  })

  it('without the receipt both votes are unwitnessed and there is no quorum', () => {
    const t = tally([...membership, proposal, ...votes])
    assert.deepEqual(t.votes.map(v => v.counted ? 'counted' : v.reason), ['unwitnessed', 'unwitnessed'])
    assert.equal(t.outcome, 'no-quorum')
  })
})
