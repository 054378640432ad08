/**
 * Every failure the collective rules can name. Each carries the reason (a `MembershipIssue`) and the record's CID in
 * `details`, so the gateway and the ingest path branch on `name` / `code` and the reason, never on the message.
 */
import { AtelierError } from '../errors.ts'

/** The author of a record was not a member of the collective at the record's validFrom */
export class NotMemberError extends AtelierError {
  readonly code = 'ERR_NOT_MEMBER'
  readonly httpStatus = 403
}

/** An admit, remove or invite not signed by one of the charter's admins */
export class NotAdminError extends AtelierError {
  readonly code = 'ERR_NOT_ADMIN'
  readonly httpStatus = 403
}

/** A join (or an invite) that no rule can make valid: unknown policy, expired, not yet valid, not an invite */
export class InviteInvalidError extends AtelierError {
  readonly code = 'ERR_INVITE_INVALID'
  readonly httpStatus = 400
}

/** A membership record that breaks a collective rule other than the above (wrong collective, before the charter) */
export class InvalidMembershipError extends AtelierError {
  readonly code = 'ERR_INVALID_MEMBERSHIP'
  readonly httpStatus = 400
}

/**
 * The record cannot be judged yet: it names a record this node does not hold (a join's invite). Not a verdict on
 * the record; the caller parks it until `details.missing` arrive
 */
export class MissingDependencyError extends AtelierError {
  readonly code = 'ERR_MISSING_DEPENDENCY'
  readonly httpStatus = 424
}

/**
 * A collective record names, as what it is about (a license's asset, a grant's license, an attestation's or a
 * revocation's record), a record of another collective or of none: a collective's records close over the
 * collective, so that what its members count never depends on records outside it (protocols/collectives.md §6)
 */
export class LinkOutsideCollectiveError extends AtelierError {
  readonly code = 'ERR_LINK_OUTSIDE_COLLECTIVE'
  readonly httpStatus = 400
}

/**
 * An admin asked to sign a change (the same action, member and effectiveFrom) it has already signed: a second
 * signature of one admin counts once, so the node refuses to write it. `details` name the change and its records
 */
export class AlreadySignedError extends AtelierError {
  readonly code = 'ERR_ALREADY_SIGNED'
  readonly httpStatus = 409
}

/**
 * A co-signature asked for a record that is not a pending admit/remove of the collective (unknown here, of another
 * kind or action, refused, or already in effect). `details.reason` says which
 */
export class NotPendingError extends AtelierError {
  readonly code = 'ERR_NOT_PENDING'
  readonly httpStatus = 409
}
