/**
 * @packageDocumentation
 *
 * Collective governance (protocols/governance.md): proposals, votes and receipts counted as a pure function of a
 * collective's records (no I/O, no clock, browser-safe). `tallyProposal` counts one proposal given the membership;
 * `governanceRecords` indexes a record set once; `CharterTimeline` is the charter's terms through passed amendments.
 *
 * @example
 * ```ts
 * import { governanceRecords, tallyProposal } from './governance/index.ts'
 * const records = governanceRecords(charter.cid, recordsOfTheCollective)
 * const tally = tallyProposal(records.proposals[0], membership, records)
 * tally.outcome        // 'passed' | 'rejected' | 'tied' | 'no-quorum' | 'void'
 * tally.explanation    // one line per step of the count
 * ```
 */
export { tallyProposal, electorate, DEFAULT_CHOICES, DEFAULT_CREDITS, WORK_WEIGHT } from './tally.ts'
export { governanceRecords } from './records.ts'
export type { GovernanceRecords } from './records.ts'
export { ballotIssue, countBallots, isqrt } from './methods.ts'
export type { WeightedBallot } from './methods.ts'
export { reaches, fractionText } from './fraction.ts'
export { CharterTimeline, applyChanges } from './charter.ts'
export type { TermsPeriod } from './charter.ts'
export type * from './types.ts'
export { computeCollective } from './collective.ts'
export type { CollectiveGovernance } from './collective.ts'
export { InvalidBallotError, ProposalClosedError } from './errors.ts'
