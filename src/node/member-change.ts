/**
 * The node's side of an admin's admit or remove: what the HTTP route and `atelier admit`/`remove` pass in, what they
 * get back, and the two pure steps CollectiveService.changeMember runs around issuing the record: `planMemberChange`
 * (which change to sign, src/collectives/cosign.ts) and `memberChangeResult` (what the signature achieved, judged by
 * the membership with the new record in it).
 */
import { planChange } from '../collectives/index.ts'
import type { Membership, PendingChange, PlannedChange } from '../collectives/index.ts'
import { parseRecordTime } from '../records/time.ts'

export interface MemberChangeOptions {
  /** RFC 3339 UTC; when given, the change from this instant is signed, pending or not */
  effectiveFrom?: string
  /** a remove's reason */
  reason?: string
  /** the CID of a pending admit/remove record of the collective: sign the same change */
  cosign?: string
}

/** One pending change as the result lists it */
export interface PendingChangeView {
  effectiveFrom: string
  signers: string[]
  records: string[]
}

export interface MemberChangeResult {
  /** the new record */
  cid: string
  action: 'admit' | 'remove'
  member: string
  /** RFC 3339 */
  effectiveFrom: string
  /** whether the change has a quorum of signatures now (it takes effect at effectiveFrom, past or future) */
  effective: boolean
  /** the distinct admins who signed the change, this one included, sorted */
  signers: string[]
  quorum: number
  /** signatures still missing (0 once effective) */
  needed: number
  /** the change's records, this one included, sorted; any of them names it for `--cosign` */
  records: string[]
  /** true when this signature joined a change other admins had started */
  cosigned: boolean
  /** other pending changes of the same action and member this admin has not signed (the earliest was taken) */
  others: PendingChangeView[]
}

/** Which change `signer`'s admit/remove signs, given the membership before it (throws the cosign.ts errors) */
export function planMemberChange (membership: Membership, action: 'admit' | 'remove', member: string | undefined, signer: string, options: MemberChangeOptions, now: number): PlannedChange {
  return planChange(membership, {
    action,
    signer,
    now,
    ...(member != null ? { member } : {}),
    ...(options.effectiveFrom != null ? { effectiveFrom: parseRecordTime(options.effectiveFrom, 'effectiveFrom') } : {}),
    ...(options.cosign != null ? { cosign: options.cosign } : {})
  })
}

/** What the record `cid` that signs `plan` achieved, judged by `after` (the membership with that record in it) */
export function memberChangeResult (after: Membership, plan: PlannedChange, cid: string): MemberChangeResult {
  const signers = after.signersOf(plan.action, plan.member, plan.effectiveFrom)
  const effective = after.status(cid)?.outcome === 'effective'
  return {
    cid,
    action: plan.action,
    member: plan.member,
    effectiveFrom: new Date(plan.effectiveFrom).toISOString(),
    effective,
    signers,
    quorum: after.termsAt(plan.effectiveFrom).quorum,
    needed: effective ? 0 : Math.max(0, after.termsAt(plan.effectiveFrom).quorum - signers.length),
    records: [...new Set([...(plan.joins?.records ?? []), cid])].sort(),
    cosigned: plan.joins != null,
    others: plan.others.map(viewOf)
  }
}

function viewOf (p: PendingChange): PendingChangeView {
  return { effectiveFrom: new Date(p.effectiveFrom).toISOString(), signers: [...p.signers], records: [...p.records] }
}
