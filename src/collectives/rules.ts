/**
 * The rules a single membership record can be judged by with the charter alone, shared by computeMembership and
 * checkMembershipRecord so the two can never disagree, and the one deterministic order of records.
 */
import { parseRecordTime } from '../records/time.ts'
import type { AdmissionPolicy, MembershipSubject, ValidRecord } from '../records/types.ts'
import type { CharterRecord, MembershipIssue, MembershipRecord } from './types.ts'

/** The charter's terms from an instant on, as amended by governance (protocols/governance.md §7.1) */
export interface TermsPeriod {
  /** epoch ms; the first period starts at the charter's validFrom */
  from: number
  admins: ReadonlySet<string>
  policy: AdmissionPolicy
  quorum: number
  /** the passed proposal that started this period; absent for the charter's own */
  proposal?: string
}

/**
 * What passed proposals change in the membership (protocols/governance.md §7): the charter's terms through time,
 * and the admissions and removals they decree at their close. Built by src/governance from the tallies; absent,
 * the charter's terms hold for ever.
 */
export interface Amendments {
  /** in time order; the first is the charter's own terms from its validFrom */
  periods: readonly TermsPeriod[]
  /** `admit`/`remove` changes of passed proposals, taking effect at the proposal's close */
  decrees: ReadonlyArray<{ action: 'admit' | 'remove', member: string, at: number, proposal: string }>
}

/** What the rules read from a charter and its amendments */
export interface CharterFacts {
  cid: string
  /** validFrom, epoch ms */
  since: number
  /** the terms through time; one period when nothing was amended */
  periods: readonly TermsPeriod[]
  decrees: Amendments['decrees']
  /** the terms at `atMs`; before the charter's validFrom, its own (nothing dated then is judged on them) */
  termsAt (atMs: number): TermsPeriod
}

/** The facts of a charter record, with its amendments if any */
export function charterFacts (charter: CharterRecord, amendments?: Amendments): CharterFacts {
  const subject = charter.credential.credentialSubject
  const own: TermsPeriod = { from: charter.time, admins: new Set(subject.admins), policy: subject.admission.policy, quorum: subject.admission.quorum }
  const periods = amendments === undefined || amendments.periods.length === 0 ? [own] : [own, ...amendments.periods.slice(1)]
  return {
    cid: charter.cid,
    since: charter.time,
    periods,
    decrees: amendments?.decrees ?? [],
    termsAt (atMs: number): TermsPeriod {
      let current = periods[0]
      for (const period of periods) {
        if (period.from > atMs) break
        current = period
      }
      return current
    }
  }
}

/** Whether `did` is an admin at `atMs` under the (amended) charter */
export const adminAt = (facts: CharterFacts, did: string, atMs: number): boolean => facts.termsAt(atMs).admins.has(did)

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
 * The issue of a membership record that the (amended) charter decides, whatever other membership records exist;
 * undefined when there is none. Without amendments the charter alone decides, and a node may refuse such a record
 * outright; with governance, a proposal still to pass may change the terms (`not-admin`, `admin-member`, `policy`).
 *
 * Admin status is read at the instant the record acts: an admit's or remove's `effectiveFrom` (not its validFrom:
 * that keeps the membership before a proposal's close independent of the proposal, governance.md §6–§7.2), an
 * invite's or join's validFrom.
 */
export function staticIssue (facts: CharterFacts, record: MembershipRecord): MembershipIssue | undefined {
  if (record.collective !== facts.cid) return 'wrong-collective'
  // Before the charter there were no admins to sign and no collective to belong to
  if (record.time < facts.since) return 'before-charter'
  const subject = subjectOf(record)
  switch (subject.action) {
    case 'admit':
    case 'remove': {
      const effectiveFrom = effectiveFromOf(subject)
      if (!adminAt(facts, record.author, effectiveFrom)) return 'not-admin'
      if (adminAt(facts, subject.member, effectiveFrom)) return 'admin-member'
      if (effectiveFrom < facts.since) return 'before-charter'
      return undefined
    }
    case 'invite': {
      const terms = facts.termsAt(record.time)
      if (!terms.admins.has(record.author)) return 'not-admin'
      if (terms.policy !== 'invite') return 'policy'
      return undefined
    }
    case 'join': {
      const terms = facts.termsAt(record.time)
      if (terms.policy !== 'invite') return 'policy'
      if (terms.admins.has(record.author)) return 'admin-member'
      return undefined
    }
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
