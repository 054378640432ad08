/**
 * The shapes of a collective's computed membership. Times are epoch milliseconds; an interval is half-open
 * `[from, to)` and `to` is `Infinity` while it is open.
 */
import type { AdmissionPolicy, ValidRecord } from '../records/types.ts'
import type { CharterFacts } from './rules.ts'

/**
 * Why a membership record has no effect (or may never be accepted). `checkMembershipRecord` turns each into an
 * outcome: rejected, parked, or stored without effect (see MembershipCheck).
 */
export type MembershipIssue =
  /** the record's `collective` is not this charter's CID */
  | 'wrong-collective'
  /** not a membership record */
  | 'not-membership'
  /** its validFrom, or the change's effectiveFrom, is before the charter's validFrom */
  | 'before-charter'
  /** an admit, remove or invite whose issuer is not an admin */
  | 'not-admin'
  /** an admit, remove or join concerning an admin, whose membership the charter alone fixes */
  | 'admin-member'
  /** an invite or a join under policy 'quorum' */
  | 'policy'
  /** a join whose invite this membership has not seen (a dependency) */
  | 'invite-unknown'
  /** a join whose `invite` names a membership record that is not an invite */
  | 'not-an-invite'
  /** a join whose invite is itself refused (e.g. signed by a non-admin) */
  | 'invite-invalid'
  /** a join dated before its invite */
  | 'invite-not-yet-valid'
  /** a join dated at or after its invite's expiration */
  | 'invite-expired'
  /** a join by someone whose removal took effect at or before the join: re-admission needs an admit by quorum */
  | 'joiner-removed'
  /** a second join of the same joiner with the same invite: the first one (in (validFrom, CID) order) counts */
  | 'duplicate-join'
  /** a join beyond the invite's maxUses, counting joins in (validFrom, CID) order */
  | 'invite-exhausted'
  /** a non-membership record whose author was not a member at its validFrom */
  | 'not-member'

/** An admit or remove signed by fewer admins than the quorum, so far */
export interface PendingChange {
  action: 'admit' | 'remove'
  member: string
  /** effectiveFrom, epoch ms */
  effectiveFrom: number
  /** distinct admins who signed it, sorted */
  signers: string[]
  /** CIDs of the signing records, sorted */
  records: string[]
  /** signatures still missing */
  needed: number
}

/** A change that took effect and changed someone's membership, in the order applied */
export interface MembershipChange {
  action: 'admit' | 'remove' | 'join'
  member: string
  /** when it took effect, epoch ms */
  at: number
  /** the records that made it: the signers' records of an admit/remove, the join record of a join */
  records: string[]
}

/** One counted use of an invite */
export interface InviteUse {
  /** the join record */
  cid: string
  joiner: string
  /** the join's validFrom, epoch ms */
  at: number
}

/** A valid invite and its counted uses */
export interface InviteState {
  cid: string
  issuer: string
  /** the invite's validFrom, epoch ms: joins before it are refused */
  from: number
  /** epoch ms; joins at or after it are refused */
  expiration: number
  maxUses?: number
  /** counted joins, in (validFrom, CID) order, at most maxUses */
  uses: InviteUse[]
}

/** What became of one membership record of the collective */
export type RecordStatus =
  | { cid: string, action: 'admit' | 'remove' | 'invite' | 'join', outcome: 'effective' }
  | { cid: string, action: 'admit' | 'remove', outcome: 'pending' }
  | { cid: string, action: 'admit' | 'remove' | 'invite' | 'join', outcome: 'ignored', reason: MembershipIssue }

/**
 * The membership of one collective, a pure function of its charter and a set of its records: any order of the same
 * records gives the same value.
 */
export interface Membership {
  /** the collective's id: its charter record's CID */
  readonly charterCid: string
  /** the admission policy once every known amendment has taken effect */
  readonly policy: AdmissionPolicy
  /** distinct admin signatures an admit or remove needs, once every known amendment has taken effect */
  readonly quorum: number
  /** the admins once every known amendment has taken effect, sorted (the charter's, members from `since` on, without amendments) */
  readonly admins: readonly string[]
  /** the charter's validFrom, epoch ms */
  readonly since: number
  /** admits and removes short of quorum, sorted by (effectiveFrom, action, member) */
  readonly pending: readonly PendingChange[]
  /** effective changes that changed someone's membership, in the order applied */
  readonly changes: readonly MembershipChange[]
  /** whether `did` was a member at `atMs` (epoch ms) */
  isMember (did: string, atMs: number): boolean
  /** the charter's terms and their amendments, as the rules read them */
  readonly facts: CharterFacts
  /** whether `did` is an admin once every known amendment has taken effect (the charter's admins without any) */
  isAdmin (did: string): boolean
  /** whether `did` is an admin at `atMs` (never before the charter's validFrom) */
  isAdminAt (did: string, atMs: number): boolean
  /** the charter's terms in effect at `atMs` */
  termsAt (atMs: number): { admins: string[], quorum: number, policy: AdmissionPolicy }
  /**
   * Members at `atMs`, sorted; without `atMs`, the members once every known change has taken effect (those whose
   * last interval is open). No clock is read: "now" is the caller's to pass.
   */
  members (atMs?: number): string[]
  /** `did`'s membership intervals `[from, to)` in ms, in order, `to` = Infinity when open; [] for a non-member */
  intervals (did: string): Array<[number, number]>
  /** a valid invite of this collective, with its counted uses */
  invite (cid: string): InviteState | undefined
  /** what became of a membership record of this collective, or undefined if this membership did not see it */
  status (cid: string): RecordStatus | undefined
  /** the distinct admins who signed the admit/remove (action, member, effectiveFrom ms), sorted */
  signersOf (action: 'admit' | 'remove', member: string, effectiveFrom: number): string[]
  /** the effective removal times of `did`, ascending */
  removals (did: string): number[]
}

/** A charter record, as computeMembership takes it */
export type CharterRecord = ValidRecord<'charter'>
/** A membership record */
export type MembershipRecord = ValidRecord<'membership'>
