/**
 * The rules a single membership record can be judged by with the charter alone, shared by computeMembership and
 * checkMembershipRecord so the two can never disagree, and the one deterministic order of records.
 */
import { parseRecordTime } from '../records/time.ts'
import type { AdmissionPolicy, MembershipSubject, ValidRecord } from '../records/types.ts'
import type { CharterRecord, MembershipIssue, MembershipRecord } from './types.ts'

/** What the rules read from a charter */
export interface CharterFacts {
  cid: string
  /** validFrom, epoch ms */
  since: number
  admins: ReadonlySet<string>
  policy: AdmissionPolicy
  quorum: number
}

/** The facts of a charter record */
export function charterFacts (charter: CharterRecord): CharterFacts {
  const subject = charter.credential.credentialSubject
  return {
    cid: charter.cid,
    since: charter.time,
    admins: new Set(subject.admins),
    policy: subject.admission.policy,
    quorum: subject.admission.quorum
  }
}

/** The subject of a membership record */
export function subjectOf (record: MembershipRecord): MembershipSubject {
  return record.credential.credentialSubject
}

/** effectiveFrom of an admit or remove, epoch ms (the record passed validateRecord, so the time parses) */
export function effectiveFromOf (subject: MembershipSubject & { effectiveFrom: string }): number {
  return parseRecordTime(subject.effectiveFrom, 'credentialSubject.effectiveFrom')
}

/** True for a membership record of the collective named by `charterCid` */
export function isMembershipOf (record: ValidRecord, charterCid: string): record is MembershipRecord {
  return record.kind === 'membership' && record.collective === charterCid
}

/**
 * The issue of a membership record that the charter alone decides, whatever other records exist; undefined when
 * there is none. Such a record can never take effect, so a node may refuse it outright.
 */
export function staticIssue (facts: CharterFacts, record: MembershipRecord): MembershipIssue | undefined {
  if (record.collective !== facts.cid) return 'wrong-collective'
  // Before the charter there were no admins to sign and no collective to belong to
  if (record.time < facts.since) return 'before-charter'
  const subject = subjectOf(record)
  switch (subject.action) {
    case 'admit':
    case 'remove':
      if (!facts.admins.has(record.author)) return 'not-admin'
      if (facts.admins.has(subject.member)) return 'admin-member'
      if (effectiveFromOf(subject) < facts.since) return 'before-charter'
      return undefined
    case 'invite':
      if (!facts.admins.has(record.author)) return 'not-admin'
      if (facts.policy !== 'invite') return 'policy'
      return undefined
    case 'join':
      if (facts.policy !== 'invite') return 'policy'
      if (facts.admins.has(record.author)) return 'admin-member'
      return undefined
  }
}

/** Order by validFrom, then CID (compared as strings, code unit by code unit): the order joins are counted in */
export function byTimeThenCid (a: { time: number, cid: string }, b: { time: number, cid: string }): number {
  if (a.time !== b.time) return a.time - b.time
  return a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0
}

/** Key of an admit/remove change: the signatures of the same (action, member, effectiveFrom instant) add up */
export function changeKey (action: 'admit' | 'remove', member: string, effectiveFrom: number): string {
  return `${action}\n${member}\n${effectiveFrom}`
}
