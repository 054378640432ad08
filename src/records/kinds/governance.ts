/**
 * Proposal, vote and receipt records (protocols/governance.md): the rules a schema cannot state. Whether the author
 * may propose or vote, whether a ballot fits the proposal's method and whether a vote was witnessed in time need the
 * collective's other records: that is src/governance/, not this pure format.
 */
import { InvalidRecordError } from '../../errors.ts'
import { parseRecordCid } from '../cid.ts'
import { LIMITS } from '../constants.ts'
import { publicKeyFromDidKey } from '../did-key.ts'
import { parseRecordTime } from '../time.ts'
import type { Credential, Fraction, ProposalSubject, ReceiptSubject, VoteSubject } from '../types.ts'

const invalid = (message: string, field: string, rule: string): InvalidRecordError =>
  new InvalidRecordError(message, { details: { field, rule } })

function checkFraction (fraction: Fraction, field: string): void {
  if (fraction.numerator > fraction.denominator) {
    throw invalid(`${field}.numerator must not exceed ${field}.denominator`, `${field}.numerator`, 'fraction')
  }
}

/** Semantic rules of a proposal: a real window, reachable fractions, choices only on a resolution, credits only for quadratic */
export function checkProposal (subject: ProposalSubject, credential: Credential<'proposal'>): void {
  const opens = parseRecordTime(credential.validFrom, 'validFrom')
  const closes = parseRecordTime(subject.closes, 'credentialSubject.closes')
  if (closes <= opens) throw invalid('credentialSubject.closes must be after validFrom', 'credentialSubject.closes', 'window')
  if (closes - opens > LIMITS.windowMs) throw invalid('credentialSubject.closes must be at most 366 days after validFrom', 'credentialSubject.closes', 'window')
  checkFraction(subject.turnout, 'credentialSubject.turnout')
  checkFraction(subject.threshold, 'credentialSubject.threshold')
  // A proposal that changes something is a yes/no question: `for` (index 0) enacts it, `against` does not
  if (subject.changes !== undefined && subject.choices !== undefined) {
    throw invalid('credentialSubject.choices must be absent when credentialSubject.changes is present', 'credentialSubject.choices', 'choicesWithChanges')
  }
  if (subject.credits !== undefined && subject.method !== 'quadratic') {
    throw invalid('credentialSubject.credits is only for the quadratic method', 'credentialSubject.credits', 'creditsMethod')
  }
  // Each thing a proposal changes is named once, so the changes are a set: their order carries no meaning
  const named = new Set<string>()
  subject.changes?.forEach((change, i) => {
    const key = 'member' in change ? change.member : change.action
    if ('member' in change) publicKeyFromDidKey(change.member, `credentialSubject.changes[${i}].member`)
    if (named.has(key)) throw invalid(`credentialSubject.changes[${i}] changes ${key} a second time`, `credentialSubject.changes[${i}]`, 'unique')
    named.add(key)
  })
}

const BALLOT_FIELDS = ['choice', 'approve', 'ranking', 'allocation', 'abstain'] as const

/** Semantic rules of a vote: it names a proposal and carries exactly one ballot shape */
export function checkVote (subject: VoteSubject): void {
  parseRecordCid(subject.proposal, 'credentialSubject.proposal')
  const present = BALLOT_FIELDS.filter(field => subject[field] !== undefined)
  if (present.length !== 1) {
    throw invalid(`credentialSubject must carry exactly one of ${BALLOT_FIELDS.join(', ')} (got ${present.length})`, 'credentialSubject', 'ballot')
  }
}

/** Semantic rules of a receipt: its links are record CIDs */
export function checkReceipt (subject: ReceiptSubject): void {
  parseRecordCid(subject.proposal, 'credentialSubject.proposal')
  subject.votes.forEach((vote, i) => parseRecordCid(vote, `credentialSubject.votes[${i}]`))
}
