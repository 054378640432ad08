/**
 * Judging one incoming record against a collective's current membership, for the ingest path: accept it, refuse it,
 * or park it until what it names arrives. Pure, like computeMembership, and built on the same rules, so a record
 * accepted here changes the membership exactly as computeMembership will say once it is in the set.
 */
import type { AtelierError } from '../errors.ts'
import type { ValidRecord } from '../records/types.ts'
import { InvalidMembershipError, InviteInvalidError, MissingDependencyError, NotAdminError, NotMemberError } from './errors.ts'
import { joinAgainstInvite } from './membership.ts'
import { byTimeThenCid, charterFacts, effectiveFromOf, staticIssue, subjectOf } from './rules.ts'
import type { Membership, MembershipIssue, MembershipRecord } from './types.ts'

/**
 * The verdict on a record:
 * - `ok`: accept it; `effect` says whether it takes effect now or, for an admit/remove short of quorum, is pending;
 * - `ineffective`: accept and keep it (it is validly signed and other nodes keep it too) but it grants nothing for
 *   now: a repeated join, or a join beyond the invite's maxUses;
 * - `invalid`: refuse it; no record that may still arrive can make it valid;
 * - `missing`: cannot be judged yet; park it until the records in `missing` arrive, then check again.
 */
export type MembershipCheck =
  | { status: 'ok', effect: 'effective' | 'pending' }
  | { status: 'ineffective', reason: MembershipIssue }
  | { status: 'invalid', reason: MembershipIssue, error: AtelierError }
  | { status: 'missing', reason: MembershipIssue, missing: string[], error: AtelierError }

const INEFFECTIVE: ReadonlySet<MembershipIssue> = new Set(['duplicate-join', 'invite-exhausted'])

const MESSAGES: Readonly<Record<MembershipIssue, string>> = {
  'wrong-collective': 'the record belongs to another collective',
  'not-membership': 'the record is not a membership record',
  'before-charter': 'the record, or the change it signs, is dated before the charter',
  'not-admin': 'admits, removes and invites must be signed by an admin of the charter',
  'admin-member': "an admin's membership is fixed by the charter; it cannot be admitted, removed or joined",
  policy: "invites and joins need the charter's admission policy 'invite'",
  'invite-unknown': "the join's invite is not known yet",
  'not-an-invite': "the join's invite names a membership record that is not an invite",
  'invite-invalid': "the join's invite is itself invalid",
  'invite-not-yet-valid': 'the join is dated before its invite',
  'invite-expired': 'the join is dated at or after its invite expired',
  'joiner-removed': 'the joiner was removed before joining; re-admission needs an admit by quorum',
  'duplicate-join': 'the joiner already joined with this invite',
  'invite-exhausted': "the invite's maxUses were used by earlier joins",
  'not-member': 'the author was not a member of the collective at the record\'s validFrom'
}

/** The typed error for an issue, naming the record */
export function membershipError (issue: MembershipIssue, cid: string, extra: Record<string, unknown> = {}): AtelierError {
  const message = `${MESSAGES[issue]} (record ${cid})`
  const options = { details: { reason: issue, cid, ...extra } }
  switch (issue) {
    case 'not-admin':
      return new NotAdminError(message, options)
    case 'not-member':
    case 'joiner-removed':
      return new NotMemberError(message, options)
    case 'policy':
    case 'not-an-invite':
    case 'invite-invalid':
    case 'invite-not-yet-valid':
    case 'invite-expired':
    case 'duplicate-join':
    case 'invite-exhausted':
      return new InviteInvalidError(message, options)
    case 'invite-unknown':
      return new MissingDependencyError(message, options)
    default:
      return new InvalidMembershipError(message, options)
  }
}

function verdict (issue: MembershipIssue, record: ValidRecord, missing: string[] = []): MembershipCheck {
  if (INEFFECTIVE.has(issue)) return { status: 'ineffective', reason: issue }
  if (missing.length > 0) return { status: 'missing', reason: issue, missing, error: membershipError(issue, record.cid, { missing }) }
  return { status: 'invalid', reason: issue, error: membershipError(issue, record.cid) }
}

/**
 * Whether a membership record is acceptable to the collective of `charter`, whose current membership (computed from
 * the records held so far) is `membership`. A record `membership` already holds gets the verdict it got there.
 *
 * A join naming an invite `membership` has not seen is `missing` that invite. If the caller then finds the named
 * record is not an invite of this collective (another kind, another collective), no later record can fix the join:
 * the caller refuses it.
 */
export function checkMembershipRecord (charter: ValidRecord<'charter'>, membership: Membership, record: ValidRecord): MembershipCheck {
  const facts = membership.facts.cid === charter.cid ? membership.facts : charterFacts(charter)
  if (record.kind !== 'membership') return verdict('not-membership', record)
  if (membership.charterCid !== facts.cid || record.collective !== facts.cid) return verdict('wrong-collective', record)
  const candidate = record as MembershipRecord

  const known = membership.status(candidate.cid)
  if (known !== undefined) {
    if (known.outcome === 'ignored') {
      const subject = subjectOf(candidate)
      return verdict(known.reason, record, known.reason === 'invite-unknown' && subject.action === 'join' ? [subject.invite] : [])
    }
    return { status: 'ok', effect: known.outcome }
  }

  const issue = staticIssue(facts, candidate)
  if (issue !== undefined) return verdict(issue, record)
  const subject = subjectOf(candidate)
  switch (subject.action) {
    case 'admit':
    case 'remove': {
      const signers = new Set(membership.signersOf(subject.action, subject.member, effectiveFromOf(subject)))
      signers.add(candidate.author)
      return { status: 'ok', effect: signers.size >= facts.termsAt(effectiveFromOf(subject)).quorum ? 'effective' : 'pending' }
    }
    case 'invite':
      return { status: 'ok', effect: 'effective' }
    case 'join': {
      const invite = membership.invite(subject.invite)
      if (invite === undefined) {
        // A membership record of this collective that is not a valid invite is known by its status; anything else
        // may still arrive
        const status = membership.status(subject.invite)
        if (status === undefined) return verdict('invite-unknown', record, [subject.invite])
        return verdict(status.action === 'invite' ? 'invite-invalid' : 'not-an-invite', record)
      }
      // Only the uses before this join in (validFrom, CID) order count against it: adding it cannot change those
      const before = invite.uses.filter(use => byTimeThenCid({ time: use.at, cid: use.cid }, candidate) < 0)
      const usage = { count: before.length, usedBy: (joiner: string) => before.some(use => use.joiner === joiner) }
      const joinIssue = joinAgainstInvite(candidate.author, candidate.time, invite, usage, membership.removals(candidate.author))
      return joinIssue === undefined ? { status: 'ok', effect: 'effective' } : verdict(joinIssue, record)
    }
  }
}

/**
 * Whether any record naming the collective is acceptable to it: a membership record as checkMembershipRecord says;
 * any other record if its author was a member at its validFrom. A removal still short of quorum does not count; once
 * it takes effect, the author's records dated at or after it no longer pass, while earlier ones still do.
 */
export function checkCollectiveRecord (charter: ValidRecord<'charter'>, membership: Membership, record: ValidRecord): MembershipCheck {
  if (record.kind === 'membership') return checkMembershipRecord(charter, membership, record)
  if (membership.charterCid !== charter.cid || record.collective !== charter.cid) return verdict('wrong-collective', record)
  if (!membership.isMember(record.author, record.time)) return verdict('not-member', record)
  return { status: 'ok', effect: 'effective' }
}

/**
 * The record CIDs a record needs before it can be judged as part of a collective: the charter (its `collective`),
 * and for a join also its invite. A charter needs nothing; a record outside any collective needs nothing here.
 */
export function dependenciesOf (record: ValidRecord): string[] {
  const needs: string[] = []
  if (record.collective !== undefined) needs.push(record.collective)
  if (record.kind === 'membership') {
    const subject = subjectOf(record as MembershipRecord)
    if (subject.action === 'join' && !needs.includes(subject.invite)) needs.push(subject.invite)
  }
  return needs
}
