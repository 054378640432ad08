/**
 * computeCollective: a collective's membership and governance together, as one pure function of its charter and a
 * set of its records (protocols/governance.md §6). Proposals are taken in (close, CID) order; each is tallied with
 * the membership under the amendments passed before it, and a passed one with changes amends the charter from its
 * close on. Well founded because a tally reads the membership only before its proposal's close, and the membership
 * before an instant depends only on amendments that closed by then.
 */
import { computeMembership } from '../collectives/membership.ts'
import type { Membership } from '../collectives/types.ts'
import { parseRecordTime } from '../records/time.ts'
import type { CharterSubject, ValidRecord } from '../records/types.ts'
import { CharterTimeline } from './charter.ts'
import { governanceRecords } from './records.ts'
import type { GovernanceRecords } from './records.ts'
import { tallyProposal } from './tally.ts'
import type { ProposalRecord, Tally } from './types.ts'

export interface CollectiveGovernance {
  membership: Membership
  timeline: CharterTimeline
  records: GovernanceRecords
  /** every proposal's tally, by proposal CID, in (close, CID) order */
  tallies: ReadonlyMap<string, Tally>
}

const closesOf = (p: ProposalRecord): number => parseRecordTime(p.credential.credentialSubject.closes, 'credentialSubject.closes')

/**
 * Membership, amendments and tallies of the collective founded by `charter`, from `records` (any kinds, any
 * collectives, any order, repeats allowed). Pure: no clock; a tally's outcome is final only once its close has
 * passed, which is the caller's to say.
 */
export function computeCollective (charter: ValidRecord<'charter'>, records: Iterable<ValidRecord>): CollectiveGovernance {
  const all = [...records]
  const founding = { time: charter.time, subject: charter.credential.credentialSubject as CharterSubject }
  // without a proposal there is nothing to tally: the membership is the charter's alone (the common case, and the
  // one a node recomputes on every membership record)
  if (!all.some(r => r.kind === 'proposal' && r.collective === charter.cid)) {
    return { membership: computeMembership(charter, all), timeline: new CharterTimeline(founding, []), records: governanceRecords(charter.cid, []), tallies: new Map() }
  }
  const indexed = governanceRecords(charter.cid, all)
  const ordered = [...indexed.proposals].sort((a, b) => closesOf(a) - closesOf(b) || (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0))
  const passed: Array<{ proposal: string, at: number, changes: NonNullable<ProposalRecord['credential']['credentialSubject']['changes']> }> = []
  let timeline = new CharterTimeline(founding, passed)
  let membership = computeMembership(charter, all)
  const tallies = new Map<string, Tally>()
  for (const proposal of ordered) {
    const tally = tallyProposal(proposal, membership, indexed)
    tallies.set(proposal.cid, tally)
    const changes = proposal.credential.credentialSubject.changes
    if (tally.outcome !== 'passed' || changes === undefined) continue
    passed.push({ proposal: proposal.cid, at: tally.closes, changes })
    timeline = new CharterTimeline(founding, passed)
    membership = computeMembership(charter, all, timeline.forMembership())
  }
  return { membership, timeline, records: indexed, tallies }
}
