/**
 * Fixtures for the governance tests: proposals, votes and receipts of a collective, signed with native crypto and
 * validated as any record is. Signers and the day clock are the collective tests' (alice, bob, carol admins).
 */
import { issueRecord } from '../../src/records/index.ts'
import type { ProposalSubject, Signer, ValidRecord, VoteSubject } from '../../src/records/index.ts'
import { at, crypto, day } from '../collectives/helpers.ts'

type Charter = ValidRecord<'charter'>

/** A single-choice, equal-weight proposal with no quorum and a simple majority, closing on day 10, unless told otherwise */
export function propose (charter: Charter, by: Signer, when: number, subject: Partial<ProposalSubject> = {}): ValidRecord<'proposal'> {
  const full: ProposalSubject = {
    title: 'A question',
    method: 'single',
    weighting: 'equal',
    turnout: { numerator: 0, denominator: 1 },
    threshold: { numerator: 1, denominator: 2 },
    closes: at(day(10)),
    ...subject
  }
  return issueRecord('proposal', full, { signer: by, crypto, validFrom: new Date(when), collective: charter.cid })
}

/** `by`'s ballot on `proposal` at `when` */
export function vote (charter: Charter, by: Signer, proposal: ValidRecord<'proposal'>, ballot: Omit<VoteSubject, 'proposal'>, when: number): ValidRecord<'vote'> {
  return issueRecord('vote', { proposal: proposal.cid, ...ballot }, { signer: by, crypto, validFrom: new Date(when), collective: charter.cid })
}

/** `by`'s node witnesses `votes` on `proposal` at `when` */
export function receipt (charter: Charter, by: Signer, proposal: ValidRecord<'proposal'>, votes: ReadonlyArray<ValidRecord<'vote'>>, when: number): ValidRecord<'receipt'> {
  return issueRecord('receipt', { proposal: proposal.cid, votes: [...new Set(votes.map(v => v.cid))] }, { signer: by, crypto, validFrom: new Date(when), collective: charter.cid })
}

/** An asset of the collective by `by` with the given creators' shares, at `when` */
export function work (charter: Charter, by: Signer, creators: Array<[Signer, number]>, when: number, title = 'A work'): ValidRecord<'asset'> {
  return issueRecord('asset', {
    id: 'ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    mediaType: 'image/png',
    byteSize: 1,
    title,
    creators: creators.map(([s, share]) => ({ id: s.did, share }))
  }, { signer: by, crypto, validFrom: new Date(when), collective: charter.cid })
}
