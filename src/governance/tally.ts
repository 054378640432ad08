/**
 * tallyProposal: the count of one proposal as a pure function of the collective's membership and its records
 * (governance.md §1–§5). Steps, each explained by a line:
 * 1. does the proposal stand (its author a member at its opening)?
 * 2. the electorate: members at the opening, with their weights;
 * 3. every vote judged in record order (window, elector, ballot, receipt), the last good one per elector counted;
 * 4. the method's count; 5. turnout and threshold compared exactly; the outcome.
 */
import type { Membership } from '../collectives/types.ts'
import { parseRecordTime } from '../records/time.ts'
import type { Fraction, ProposalSubject, VoteSubject } from '../records/types.ts'
import { fractionText, reaches } from './fraction.ts'
import { ballotIssue, countBallots } from './methods.ts'
import type { WeightedBallot } from './methods.ts'
import type { GovernanceRecords } from './records.ts'
import type { Elector, MethodCount, Outcome, ProposalIssue, ProposalRecord, Tally, VoteIssue, VoteRecord, VoteVerdict } from './types.ts'

/** The choices of a proposal: its own, or for/against */
export const DEFAULT_CHOICES: readonly string[] = Object.freeze(['for', 'against'])
/** Voice credits per unit of weight when a quadratic proposal gives none */
export const DEFAULT_CREDITS = 100
/** A contribution weight's unit: one whole work (basis points) */
export const WORK_WEIGHT = 10000

const iso = (ms: number): string => new Date(ms).toISOString()

/** Electors and weights at the opening (governance.md §3) */
export function electorate (membership: Membership, records: GovernanceRecords, opens: number, weighting: ProposalSubject['weighting']): Elector[] {
  const dids = membership.members(opens)
  if (weighting === 'equal') return dids.map(did => ({ did, weight: 1 }))
  const contribution = new Map<string, number>(dids.map(did => [did, WORK_WEIGHT]))
  for (const asset of records.assets) {
    if (asset.time >= opens) break // record order: every later asset is later still
    if (!membership.isMember(asset.author, asset.time)) continue
    for (const creator of asset.credential.credentialSubject.creators) {
      const weight = contribution.get(creator.id)
      if (weight !== undefined) contribution.set(creator.id, weight + creator.share)
    }
  }
  return dids.map(did => ({ did, weight: contribution.get(did) as number }))
}

/** Whether another member's receipt dated in [vote's time, close) names the vote (governance.md §5) */
function witnessed (vote: VoteRecord, proposal: ProposalRecord, closes: number, membership: Membership, records: GovernanceRecords): boolean {
  for (const receipt of records.receiptsByVote.get(vote.cid) ?? []) {
    if (receipt.credential.credentialSubject.proposal !== proposal.cid) continue
    if (receipt.collective !== proposal.collective || receipt.author === vote.author) continue
    if (receipt.time < vote.time || receipt.time >= closes) continue
    if (membership.isMember(receipt.author, receipt.time)) return true
  }
  return false
}

/** Why the proposal does not stand, or undefined (governance.md §1) */
function proposalIssue (proposal: ProposalRecord, membership: Membership): ProposalIssue | undefined {
  if (proposal.collective !== membership.charterCid) return 'wrong-collective'
  if (proposal.time < membership.since) return 'before-charter'
  if (!membership.isMember(proposal.author, proposal.time)) return 'not-member'
  return undefined
}

const ballotText = (ballot: VoteSubject, labels: readonly string[]): string => {
  if (ballot.abstain === true) return 'abstains'
  if (ballot.choice !== undefined) return `chooses ${labels[ballot.choice] ?? `#${ballot.choice}`}`
  if (ballot.approve !== undefined) return `approves ${ballot.approve.length === 0 ? 'nothing' : ballot.approve.map(i => labels[i] ?? `#${i}`).join(', ')}`
  if (ballot.ranking !== undefined) return `ranks ${ballot.ranking.map(i => labels[i] ?? `#${i}`).join(' > ')}`
  return `allocates ${(ballot.allocation ?? []).map((c, i) => `${c} to ${labels[i] ?? `#${i}`}`).join(', ')}`
}

/** The count of `proposal` given the collective's membership (with the amendments in effect before its close) */
export function tallyProposal (proposal: ProposalRecord, membership: Membership, records: GovernanceRecords): Tally {
  const subject = proposal.credential.credentialSubject
  const labels = subject.choices ?? [...DEFAULT_CHOICES]
  const opens = proposal.time
  const closes = parseRecordTime(subject.closes, 'credentialSubject.closes')
  const lines: string[] = []
  lines.push(`proposal ${proposal.cid} by ${proposal.author}: "${subject.title}"`)
  lines.push(`window: ${iso(opens)} to ${iso(closes)} (excluded); method ${subject.method}, weighting ${subject.weighting}; choices: ${labels.join(', ')}`)
  const issue = proposalIssue(proposal, membership)
  const electors = issue === undefined ? electorate(membership, records, opens, subject.weighting) : []
  const weights = new Map(electors.map(e => [e.did, e.weight]))
  const totalWeight = electors.reduce((sum, e) => sum + e.weight, 0)
  if (issue !== undefined) lines.push(`the proposal does not stand: ${issue} (its author must be a member at its opening)`)
  else lines.push(`electorate at the opening: ${electors.length} members, total weight W = ${totalWeight} (${electors.map(e => `${e.did} ${e.weight}`).join('; ')})`)

  // 3. judge every vote; the last good ballot per elector counts
  const verdicts: VoteVerdict[] = []
  const latest = new Map<string, { vote: VoteRecord, index: number }>()
  const credits = subject.credits ?? DEFAULT_CREDITS
  for (const vote of records.votesByProposal.get(proposal.cid) ?? []) {
    const reject = (reason: VoteIssue, detail?: string): void => {
      verdicts.push(detail === undefined
        ? { cid: vote.cid, voter: vote.author, at: vote.time, counted: false, reason }
        : { cid: vote.cid, voter: vote.author, at: vote.time, counted: false, reason, detail })
    }
    if (issue !== undefined) { reject('proposal-void'); continue }
    if (vote.collective !== proposal.collective) { reject('wrong-collective'); continue }
    if (vote.time < opens) { reject('before-open'); continue }
    if (vote.time >= closes) { reject('after-close'); continue }
    const weight = weights.get(vote.author)
    if (weight === undefined) { reject('not-elector'); continue }
    // a vote is a record of the collective like any other: its author must be a member when it signs it
    if (!membership.isMember(vote.author, vote.time)) { reject('not-member'); continue }
    const budget = subject.weighting === 'equal' ? credits * weight : Math.floor(credits * weight / WORK_WEIGHT)
    const bad = ballotIssue(subject.method, labels.length, vote.credential.credentialSubject, budget)
    if (bad !== undefined) { reject('bad-ballot', bad); continue }
    if (!witnessed(vote, proposal, closes, membership, records)) { reject('unwitnessed'); continue }
    // record order: a later good vote of the same elector replaces the earlier one
    const earlier = latest.get(vote.author)
    if (earlier !== undefined) {
      const v = verdicts[earlier.index]
      verdicts[earlier.index] = { cid: v.cid, voter: v.voter, at: v.at, counted: false, reason: 'superseded' }
    }
    latest.set(vote.author, { vote, index: verdicts.length })
    verdicts.push({ cid: vote.cid, voter: vote.author, at: vote.time, counted: true, weight })
  }
  const byCid = new Map((records.votesByProposal.get(proposal.cid) ?? []).map(v => [v.cid, v]))
  for (const v of verdicts) {
    const ballot = byCid.get(v.cid)?.credential.credentialSubject as VoteSubject
    lines.push(v.counted
      ? `vote ${v.cid} by ${v.voter} at ${iso(v.at)}: ${ballotText(ballot, labels)}, weight ${v.weight}: counted`
      : `vote ${v.cid} by ${v.voter} at ${iso(v.at)}: ${ballotText(ballot, labels)}: not counted (${v.reason}${v.detail === undefined ? '' : `: ${v.detail}`})`)
  }

  const ballots: WeightedBallot[] = [...latest.values()].map(({ vote }) => ({ weight: weights.get(vote.author) as number, ballot: vote.credential.credentialSubject }))
  const turnoutWeight = ballots.reduce((sum, b) => sum + b.weight, 0)
  const count = countBallots(subject.method, labels, ballots)
  lines.push(...count.lines)
  const quorumMet = issue === undefined && reaches(turnoutWeight, totalWeight, subject.turnout)
  const outcome = decide(issue, quorumMet, count, subject.threshold, subject.changes !== undefined)
  lines.push(`turnout: T = ${turnoutWeight} of W = ${totalWeight}; needs ${fractionText(subject.turnout)}: ${quorumMet ? 'met' : 'not met'}`)
  if (count.winner !== undefined) {
    const s = count.support[count.winner]
    lines.push(`threshold: ${labels[count.winner]} has ${s} of B = ${count.base}; needs ${fractionText(subject.threshold)}: ${reaches(s, count.base, subject.threshold) ? 'met' : 'not met'}`)
  }
  if (subject.changes !== undefined && count.winner === 1) lines.push('the winner is against: the changes are not made')
  lines.push(`outcome: ${outcome}`)
  return {
    proposal: proposal.cid,
    collective: proposal.collective as string,
    author: proposal.author,
    title: subject.title,
    method: subject.method,
    weighting: subject.weighting,
    choices: labels,
    changes: subject.changes ?? [],
    opens,
    closes,
    turnout: subject.turnout,
    threshold: subject.threshold,
    ...(issue === undefined ? {} : { issue }),
    electorate: electors,
    totalWeight,
    turnoutWeight,
    votes: verdicts,
    count,
    quorumMet,
    outcome,
    explanation: lines
  }
}

/** governance.md §4.6 */
function decide (issue: ProposalIssue | undefined, quorumMet: boolean, count: MethodCount, threshold: Fraction, hasChanges: boolean): Outcome {
  if (issue !== undefined) return 'void'
  if (!quorumMet) return 'no-quorum'
  if (count.winner === undefined) return count.tiedFor === undefined ? 'rejected' : 'tied'
  if (!reaches(count.support[count.winner], count.base, threshold)) return 'rejected'
  if (hasChanges && count.winner !== 0) return 'rejected'
  return 'passed'
}
