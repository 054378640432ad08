/**
 * The proposal, vote and receipt kinds (protocols/records.md §3.8–3.10): what their schemas and semantic checks
 * accept and refuse, with the error class and a message naming the field. Each rejected record is re-signed after
 * the change (helpers.forge), so the rule under test is the only thing wrong with it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { validateRecord } from '../../src/records/index.ts'
import type { ProposalSubject, VoteSubject } from '../../src/records/index.ts'
import { nativeCrypto } from '../../src/identity/ed25519-native.ts'
import { assertRejects, contentCid, forge, other, someRecordCid, subjects } from './helpers.ts'

const validate = (input: unknown): unknown => validateRecord(input as object, { crypto: nativeCrypto })
const REC = ['InvalidRecordError', 'ERR_INVALID_RECORD'] as const
const CID = ['InvalidCIDError', 'ERR_INVALID_CID'] as const
const proposal = (change: Record<string, unknown> = {}): ProposalSubject => ({ ...subjects().proposal, ...change }) as ProposalSubject
const vote = (subject: Record<string, unknown>): VoteSubject => subject as unknown as VoteSubject

describe('proposal records', () => {
  it('accepts the sample proposal and a resolution with its own choices', () => {
    assert.equal((validate(forge('proposal', proposal())) as any).kind, 'proposal')
    const { changes: _, ...resolution } = proposal({ choices: ['Etching', 'Lino'], method: 'ranked' })
    assert.equal((validate(forge('proposal', resolution as ProposalSubject)) as any).kind, 'proposal')
  })

  it('needs a collective', () => {
    assertRejects(() => validate(forge('proposal', proposal(), u => { delete u.collective })), ...REC, 'missing required field collective')
  })

  it('closes after it opens, within 366 days', () => {
    assertRejects(() => validate(forge('proposal', proposal({ closes: '2025-03-01T09:00:00.123Z' }))), ...REC, 'credentialSubject.closes', 'after validFrom')
    assertRejects(() => validate(forge('proposal', proposal({ closes: '2026-03-03T09:00:00Z' }))), ...REC, 'credentialSubject.closes', '366 days')
  })

  it('refuses a fraction above one, a zero denominator, and an unknown method', () => {
    assertRejects(() => validate(forge('proposal', proposal({ threshold: { numerator: 3, denominator: 2 } }))), ...REC, 'credentialSubject.threshold.numerator')
    assertRejects(() => validate(forge('proposal', proposal({ turnout: { numerator: 0, denominator: 0 } }))), ...REC, 'credentialSubject.turnout.denominator')
    assertRejects(() => validate(forge('proposal', proposal({ method: 'borda' }))), ...REC, 'credentialSubject.method')
  })

  it('has for/against choices when it changes something, and credits only when quadratic', () => {
    assertRejects(() => validate(forge('proposal', proposal({ choices: ['yes', 'no'] }))), ...REC, 'credentialSubject.choices', 'absent')
    assertRejects(() => validate(forge('proposal', proposal({ credits: 100 }))), ...REC, 'credentialSubject.credits', 'quadratic')
  })

  it('names each thing it changes once, with strict change shapes', () => {
    assertRejects(() => validate(forge('proposal', proposal({ changes: [{ action: 'addAdmin', member: other.did }, { action: 'remove', member: other.did }] }))),
      ...REC, 'credentialSubject.changes[1]', 'second time')
    assertRejects(() => validate(forge('proposal', proposal({ changes: [{ action: 'setQuorum', quorum: 2 }, { action: 'setQuorum', quorum: 3 }] }))),
      ...REC, 'credentialSubject.changes[1]')
    assertRejects(() => validate(forge('proposal', proposal({ changes: [{ action: 'addAdmin', member: 'did:web:example.com' }] }))), ...REC, 'credentialSubject.changes[0].member')
    assertRejects(() => validate(forge('proposal', proposal({ changes: [{ action: 'setQuorum', quorum: 2, member: other.did }] }))), ...REC, 'unknown field credentialSubject.changes[0].member')
    assertRejects(() => validate(forge('proposal', proposal({ changes: [{ action: 'setDefaults' }] }))), ...REC, 'credentialSubject.changes[0]')
    assertRejects(() => validate(forge('proposal', proposal({ changes: [{ action: 'crown', member: other.did }] }))), ...REC, 'credentialSubject.changes[0].action')
  })
})

describe('vote records', () => {
  it('carries exactly one ballot shape', () => {
    for (const ballot of [{ choice: 1 }, { approve: [] }, { ranking: [1, 0] }, { allocation: [4, 9] }, { abstain: true }]) {
      assert.equal((validate(forge('vote', vote({ proposal: someRecordCid, ...ballot }))) as any).kind, 'vote')
    }
    assertRejects(() => validate(forge('vote', vote({ proposal: someRecordCid }))), ...REC, 'exactly one of')
    assertRejects(() => validate(forge('vote', vote({ proposal: someRecordCid, choice: 0, abstain: true }))), ...REC, 'exactly one of')
  })

  it('refuses repeated or out-of-range indices and a content CID for the proposal', () => {
    assertRejects(() => validate(forge('vote', vote({ proposal: someRecordCid, ranking: [1, 1] }))), ...REC, 'credentialSubject.ranking')
    assertRejects(() => validate(forge('vote', vote({ proposal: someRecordCid, choice: 32 }))), ...REC, 'credentialSubject.choice')
    assertRejects(() => validate(forge('vote', vote({ proposal: someRecordCid, abstain: false }))), ...REC, 'credentialSubject.abstain')
    assertRejects(() => validate(forge('vote', vote({ proposal: contentCid, choice: 0 }))), ...CID, 'credentialSubject.proposal')
  })
})

describe('receipt records', () => {
  it('names a proposal and 1…256 distinct votes', () => {
    assert.equal((validate(forge('receipt', subjects().receipt)) as any).kind, 'receipt')
    assertRejects(() => validate(forge('receipt', { proposal: someRecordCid, votes: [] })), ...REC, 'credentialSubject.votes')
    assertRejects(() => validate(forge('receipt', { proposal: someRecordCid, votes: [someRecordCid, someRecordCid] })), ...REC, 'credentialSubject.votes')
    assertRejects(() => validate(forge('receipt', { proposal: someRecordCid, votes: [contentCid] })), ...CID, 'credentialSubject.votes[0]')
  })
})
