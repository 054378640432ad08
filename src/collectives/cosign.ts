/**
 * Which change an admin's admit or remove signs (protocols/collectives.md §3.3 and its informative note on
 * co-signing). Signatures count towards one change only when they carry the same effectiveFrom instant, so an admin
 * who does not name a time joins the change other admins already started rather than opening a new one at its own
 * "now". Pure: the caller passes the membership and its clock reading.
 *
 * Order of the rules:
 * 1. `cosign` names a record: the change it belongs to, which must be pending, of this action (and member, if
 *    given), and not yet signed by this admin;
 * 2. an explicit `effectiveFrom`: that change, unless this admin already signed it;
 * 3. otherwise the pending changes of this action and member that this admin has not signed: the earliest one
 *    (the others are reported); if the admin signed every pending one, it is told so rather than starting another;
 * 4. none pending: a new change from `now`.
 */
import { InvalidRequestError } from '../errors.ts'
import { AlreadySignedError, NotPendingError } from './errors.ts'
import type { Membership, PendingChange } from './types.ts'

export interface ChangeRequest {
  action: 'admit' | 'remove'
  /** the member; may be left out with `cosign` */
  member?: string
  /** the signing admin's did */
  signer: string
  /** an explicit effectiveFrom, epoch ms */
  effectiveFrom?: number
  /** the CID of a pending record of the change to co-sign */
  cosign?: string
  /** the caller's clock, epoch ms: a new change's effectiveFrom when nothing else names one */
  now: number
}

export interface PlannedChange {
  action: 'admit' | 'remove'
  member: string
  /** epoch ms */
  effectiveFrom: number
  /** the pending change this signature joins; undefined for a new change */
  joins?: PendingChange
  /** other pending changes of the same action and member this admin has not signed (rule 3 took the earliest) */
  others: PendingChange[]
}

/** What one admin's admit or remove should sign; throws AlreadySignedError, NotPendingError or InvalidRequestError */
export function planChange (membership: Membership, request: ChangeRequest): PlannedChange {
  const { action, signer } = request
  if (request.cosign !== undefined) {
    if (request.effectiveFrom !== undefined) throw new InvalidRequestError('a co-signature takes the change\'s effectiveFrom; do not name one')
    const change = pendingOf(membership, request.cosign, action)
    if (request.member !== undefined && request.member !== change.member) {
      throw new NotPendingError(`record ${request.cosign} is the pending ${action} of ${change.member}, not of ${request.member}`, {
        details: { cid: request.cosign, reason: 'other-member', member: change.member }
      })
    }
    if (change.signers.includes(signer)) throw alreadySigned(change, signer)
    return { action, member: change.member, effectiveFrom: change.effectiveFrom, joins: change, others: [] }
  }
  const member = request.member
  if (member === undefined) throw new InvalidRequestError(`${action} needs a member, or a record to co-sign`)
  const same = membership.pending.filter(p => p.action === action && p.member === member)
  if (request.effectiveFrom !== undefined) {
    const at = request.effectiveFrom
    const signers = membership.signersOf(action, member, at)
    const joins = same.find(p => p.effectiveFrom === at)
    if (signers.includes(signer)) {
      throw alreadySigned(joins ?? { action, member, effectiveFrom: at, signers, records: [], needed: 0 }, signer)
    }
    return { action, member, effectiveFrom: at, ...(joins !== undefined ? { joins } : {}), others: [] }
  }
  // membership.pending is sorted by effectiveFrom: the first unsigned one is the earliest
  const unsigned = same.filter(p => !p.signers.includes(signer))
  if (unsigned.length > 0) return { action, member, effectiveFrom: unsigned[0].effectiveFrom, joins: unsigned[0], others: unsigned.slice(1) }
  if (same.length > 0) throw alreadySigned(same[0], signer)
  if (membership.signersOf(action, member, request.now).includes(signer)) {
    throw alreadySigned({ action, member, effectiveFrom: request.now, signers: [signer], records: [], needed: 0 }, signer)
  }
  return { action, member, effectiveFrom: request.now, others: [] }
}

/** The pending change that record `cid` signs, or why there is none */
function pendingOf (membership: Membership, cid: string, action: 'admit' | 'remove'): PendingChange {
  const change = membership.pending.find(p => p.records.includes(cid))
  if (change !== undefined) {
    if (change.action !== action) {
      throw new NotPendingError(`record ${cid} is a pending ${change.action}, not ${action === 'admit' ? 'an' : 'a'} ${action}: co-sign it with ${change.action}`, {
        details: { cid, reason: 'other-action', action: change.action }
      })
    }
    return change
  }
  const status = membership.status(cid)
  const [reason, why] = status === undefined
    ? ['unknown', `is not a membership record of collective ${membership.charterCid} held by this node`]
    : status.action !== 'admit' && status.action !== 'remove'
      ? ['not-a-change', `is ${status.action === 'invite' ? 'an' : 'a'} ${status.action}, not an admit or remove`]
      : status.outcome === 'effective'
        ? ['effective', `is a ${status.action} already in effect: it needs no more signatures`]
        : ['ignored', `is a ${status.action} that does not count (${status.outcome === 'ignored' ? status.reason : status.outcome})`]
  throw new NotPendingError(`record ${cid} ${why}`, { details: { cid, reason } })
}

function alreadySigned (change: PendingChange, signer: string): AlreadySignedError {
  const when = new Date(change.effectiveFrom).toISOString()
  const wait = change.needed > 0 ? `; it waits for ${change.needed} more admin signature${change.needed > 1 ? 's' : ''}` : ''
  return new AlreadySignedError(`${signer} has already signed the ${change.action} of ${change.member} from ${when}${wait}`, {
    details: { action: change.action, member: change.member, effectiveFrom: when, records: change.records, signers: change.signers, needed: change.needed }
  })
}
