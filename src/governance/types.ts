/**
 * The shapes of a proposal's tally and of a collective's governance (protocols/governance.md). Times are epoch
 * milliseconds; weights and supports are integers.
 */
import type { Fraction, ProposalChange, ProposalSubject, TrainingMiningEntry, TrainingMiningKey, ValidRecord, VotingMethod, Weighting } from '../records/types.ts'

/** Why a vote does not count (governance.md §4.1), in the order the rules are tried */
export type VoteIssue =
  | 'wrong-collective'
  | 'before-open'
  | 'after-close'
  | 'not-elector'
  /** an elector no longer a member when it signed the vote (removed during the window) */
  | 'not-member'
  | 'bad-ballot'
  | 'unwitnessed'
  | 'superseded'
  /** the proposal itself does not stand (§1), so none of its votes count */
  | 'proposal-void'

/** Why a proposal does not stand (§1) */
export type ProposalIssue = 'wrong-collective' | 'before-charter' | 'not-member'

/** governance.md §4.6, plus `void` for a proposal that does not stand */
export type Outcome = 'passed' | 'rejected' | 'tied' | 'no-quorum' | 'void'

/** What became of one vote */
export type VoteVerdict =
  | { cid: string, voter: string, at: number, counted: true, weight: number }
  | { cid: string, voter: string, at: number, counted: false, reason: VoteIssue, detail?: string }

/** One elector and its weight */
export interface Elector {
  did: string
  weight: number
}

/** One round of a ranked count */
export interface RankedRound {
  /** support per choice index; null for a choice eliminated in an earlier round */
  support: Array<number | null>
  /** weight of the ballots still active (the round's base) */
  active: number
  /** weight of the ballots with no continuing choice left */
  exhausted: number
  /** the choice eliminated after this round, if any */
  eliminated?: number
  /** how the elimination was decided among choices tied for least support */
  tieBreak?: 'earlier-round' | 'last-listed'
}

/** What a counting method gives: per-choice support, the threshold's base, the winner if any */
export interface MethodCount {
  /** support per choice index (the final round's for ranked, eliminated choices 0) */
  support: number[]
  /** the base the threshold is a share of (§4.2–4.5) */
  base: number
  /** index of the winning choice; absent when there is none */
  winner?: number
  /** choices tied for the most support, when that is why there is no winner */
  tiedFor?: number[]
  /** ranked only */
  rounds?: RankedRound[]
  /** the method's own explanation lines */
  lines: string[]
}

/** The whole count of one proposal */
export interface Tally {
  proposal: string
  collective: string
  author: string
  title: string
  method: VotingMethod
  weighting: Weighting
  choices: string[]
  changes: ProposalChange[]
  opens: number
  closes: number
  turnout: Fraction
  threshold: Fraction
  /** undefined when the proposal stands */
  issue?: ProposalIssue
  electorate: Elector[]
  /** W: the electorate's total weight */
  totalWeight: number
  /** T: the weight of the counted ballots, abstentions included */
  turnoutWeight: number
  /** every vote naming the proposal, in record order */
  votes: VoteVerdict[]
  count: MethodCount
  quorumMet: boolean
  outcome: Outcome
  /** governance.md §4.7: one line per step */
  explanation: string[]
}

/** A proposal as the tally reads it */
export type ProposalRecord = ValidRecord<'proposal'>
export type VoteRecord = ValidRecord<'vote'>
export type ReceiptRecord = ValidRecord<'receipt'>
export type { ProposalSubject }

/** The charter's terms at an instant (governance.md §7.1) */
export interface CharterTerms {
  admins: readonly string[]
  quorum: number
  policy: 'quorum' | 'invite'
}

/** The collective defaults at an instant (governance.md §7.3) */
export interface CollectiveDefaults {
  spdx?: string
  trainingMining: Partial<Record<TrainingMiningKey, TrainingMiningEntry>>
}

/** A passed proposal's effect, applied from its close on */
export interface Amendment {
  proposal: string
  /** the close, epoch ms */
  at: number
  changes: ProposalChange[]
  /** `void` when the changes would leave an invalid charter, so none of them apply */
  effect: 'applied' | 'void'
  /** why it is void */
  reason?: string
}
