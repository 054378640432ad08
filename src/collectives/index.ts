/**
 * @packageDocumentation
 *
 * Collectives: a charter record founds one (its CID is the collective's id) and names its admins and admission rule;
 * membership records admit and remove members (once a quorum of admins signed the same change), invite newcomers
 * and let them join. Everything here is a pure function of records (no I/O, no clock, browser-safe):
 * `computeMembership` gives the same answer for the same set of records in any order. `protocols/collectives.md` is
 * the normative text.
 *
 * @example
 * ```ts
 * import { computeMembership, checkCollectiveRecord, dependenciesOf } from './collectives/index.ts'
 * const membership = computeMembership(charter, recordsOfTheCollective)
 * membership.isMember(did, Date.parse('2025-03-01T00:00:00Z'))  // admins from the charter's validFrom, others per intervals
 * const verdict = checkCollectiveRecord(charter, membership, incoming)
 * if (verdict.status === 'missing') park(incoming, verdict.missing)     // e.g. a join whose invite has not arrived
 * else if (verdict.status === 'invalid') throw verdict.error           // NotAdminError, InviteInvalidError, …
 * dependenciesOf(incoming)                                             // [charter CID, invite CID for a join]
 * ```
 */
export { computeMembership } from './membership.ts'
export { checkMembershipRecord, checkCollectiveRecord, dependenciesOf, membershipError } from './check.ts'
export type { MembershipCheck } from './check.ts'
export { planChange } from './cosign.ts'
export type { ChangeRequest, PlannedChange } from './cosign.ts'
export { AlreadySignedError, InvalidMembershipError, InviteInvalidError, LinkOutsideCollectiveError, MissingDependencyError, NotAdminError, NotMemberError, NotPendingError } from './errors.ts'
export type * from './types.ts'
