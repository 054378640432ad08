/**
 * computeMembership: a collective's members as a pure function of its charter and a set of its records.
 *
 * The records are deduplicated by CID and sorted by (validFrom, CID) before anything is read from them, and every
 * later step works on sets or on that order, so the same records in any order, with any repeats, give the same
 * membership. Steps (protocols/collectives.md):
 * 1. drop records of other collectives and other kinds; judge each membership record against the charter alone;
 * 2. group admits and removes by (action, member, effectiveFrom instant) and count distinct admin signers: a group
 *    with `quorum` signers takes effect at its effectiveFrom, the others are pending;
 * 3. count each invite's joins in (validFrom, CID) order, refusing joins outside the invite's window, by removed
 *    members, repeated, or beyond maxUses;
 * 4. apply the effective changes in (time, admissions before removals, CID) order to per-member intervals.
 */
import { parseRecordTime } from '../records/time.ts'
import type { AdmissionPolicy, ValidRecord } from '../records/types.ts'
import { adminAt, byTimeThenCid, changeKey, charterFacts, effectiveFromOf, isMembershipOf, staticIssue, subjectOf } from './rules.ts'
import type { Amendments, CharterFacts } from './rules.ts'
import type {
  CharterRecord, InviteState, Membership, MembershipChange, MembershipIssue, MembershipRecord, PendingChange, RecordStatus
} from './types.ts'

/** The signatures gathered for one (action, member, effectiveFrom) */
interface ChangeGroup {
  action: 'admit' | 'remove'
  member: string
  effectiveFrom: number
  signers: Set<string>
  records: string[]
}

/** An effective change, ready to apply */
interface Event {
  action: 'admit' | 'remove' | 'join'
  member: string
  at: number
  /** ordering key among events at the same instant: the smallest CID of the records behind it */
  key: string
  records: string[]
}

/** At the same instant admissions apply before removals, so a tie never leaves a removed member in */
function byEventOrder (a: Event, b: Event): number {
  if (a.at !== b.at) return a.at - b.at
  const ra = a.action === 'remove' ? 1 : 0
  const rb = b.action === 'remove' ? 1 : 0
  if (ra !== rb) return ra - rb
  return compareStrings(a.key, b.key)
}

/** Code-unit order, the same in every locale (localeCompare is not) */
const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const sortStrings = (values: Iterable<string>): string[] => [...values].sort(compareStrings)

/** The computed membership; built only by computeMembership */
class ComputedMembership implements Membership {
  readonly charterCid: string
  readonly policy: AdmissionPolicy
  readonly quorum: number
  readonly admins: readonly string[]
  readonly since: number
  readonly pending: readonly PendingChange[]
  readonly changes: readonly MembershipChange[]
  readonly facts: CharterFacts
  /** admins in every period (the charter's, never removed): members from the charter's validFrom, with no events */
  private readonly adminSet: ReadonlySet<string>
  private readonly byMember: ReadonlyMap<string, Array<[number, number]>>
  private readonly invites: ReadonlyMap<string, InviteState>
  private readonly statuses: ReadonlyMap<string, RecordStatus>
  private readonly groups: ReadonlyMap<string, ChangeGroup>
  private readonly removalTimes: ReadonlyMap<string, number[]>

  constructor (facts: CharterFacts, parts: {
    pending: PendingChange[]
    changes: MembershipChange[]
    byMember: Map<string, Array<[number, number]>>
    invites: Map<string, InviteState>
    statuses: Map<string, RecordStatus>
    groups: Map<string, ChangeGroup>
    removalTimes: Map<string, number[]>
  }) {
    const latest = facts.periods[facts.periods.length - 1]
    this.charterCid = facts.cid
    this.policy = latest.policy
    this.quorum = latest.quorum
    this.admins = Object.freeze(sortStrings(latest.admins))
    this.since = facts.since
    this.facts = facts
    this.adminSet = permanentAdmins(facts)
    this.pending = Object.freeze(parts.pending)
    this.changes = Object.freeze(parts.changes)
    this.byMember = parts.byMember
    this.invites = parts.invites
    this.statuses = parts.statuses
    this.groups = parts.groups
    this.removalTimes = parts.removalTimes
  }

  isAdmin (did: string): boolean {
    return this.admins.includes(did)
  }

  isAdminAt (did: string, atMs: number): boolean {
    return atMs >= this.since && adminAt(this.facts, did, atMs)
  }

  termsAt (atMs: number): { admins: string[], quorum: number, policy: AdmissionPolicy } {
    const terms = this.facts.termsAt(atMs)
    return { admins: sortStrings(terms.admins), quorum: terms.quorum, policy: terms.policy }
  }

  isMember (did: string, atMs: number): boolean {
    if (this.adminSet.has(did)) return atMs >= this.since
    for (const [from, to] of this.byMember.get(did) ?? []) {
      if (atMs < from) return false
      if (atMs < to) return true
    }
    return false
  }

  members (atMs?: number): string[] {
    const out = new Set<string>()
    for (const admin of this.admins) if (atMs === undefined || atMs >= this.since) out.add(admin)
    for (const [did, intervals] of this.byMember) {
      const open = atMs === undefined ? intervals[intervals.length - 1][1] === Infinity : this.isMember(did, atMs)
      if (open) out.add(did)
    }
    return sortStrings(out)
  }

  intervals (did: string): Array<[number, number]> {
    if (this.adminSet.has(did)) return [[this.since, Infinity]]
    return (this.byMember.get(did) ?? []).map(([from, to]) => [from, to])
  }

  invite (cid: string): InviteState | undefined {
    const state = this.invites.get(cid)
    return state === undefined ? undefined : { ...state, uses: state.uses.map(use => ({ ...use })) }
  }

  status (cid: string): RecordStatus | undefined {
    const status = this.statuses.get(cid)
    return status === undefined ? undefined : { ...status }
  }

  signersOf (action: 'admit' | 'remove', member: string, effectiveFrom: number): string[] {
    return sortStrings(this.groups.get(changeKey(action, member, effectiveFrom))?.signers ?? [])
  }

  removals (did: string): number[] {
    return [...(this.removalTimes.get(did) ?? [])]
  }
}

/** The admins of every period: the charter's admins whom no amendment removed */
function permanentAdmins (facts: CharterFacts): ReadonlySet<string> {
  const [first, ...rest] = facts.periods
  return new Set([...first.admins].filter(did => rest.every(period => period.admins.has(did))))
}

/**
 * Admissions from amendments: each admin who is not one in every period becomes a member when it first becomes an
 * admin, and again at the start of each later admin interval; losing admin status removes no one
 * (protocols/governance.md §7.1, §7.2). Decreed admits and removes take effect at their proposal's close.
 */
function amendmentEvents (facts: CharterFacts, permanent: ReadonlySet<string>): Event[] {
  const events: Event[] = []
  let previous: ReadonlySet<string> = new Set()
  for (const period of facts.periods) {
    const key = period.proposal ?? facts.cid
    for (const did of period.admins) {
      if (!permanent.has(did) && !previous.has(did)) events.push({ action: 'admit', member: did, at: period.from, key, records: [key] })
    }
    previous = period.admins
  }
  for (const decree of facts.decrees) {
    // the admins' membership is theirs while they are admins: a decreed removal of one changes nothing
    if (decree.action === 'remove' && adminAt(facts, decree.member, decree.at)) continue
    events.push({ action: decree.action, member: decree.member, at: decree.at, key: decree.proposal, records: [decree.proposal] })
  }
  return events
}

/**
 * The membership of the collective founded by `charter`, from `records`: any records, of any kinds and collectives
 * (only membership records whose `collective` is the charter's CID are read), in any order, repeats allowed.
 * `amendments`, from passed proposals (src/governance), change the charter's terms from their close on.
 * Pure: no clock, no I/O; every record must have passed validateRecord.
 */
export function computeMembership (charter: ValidRecord<'charter'>, records: Iterable<ValidRecord>, amendments?: Amendments): Membership {
  const facts = charterFacts(charter as CharterRecord, amendments)
  const unique = new Map<string, MembershipRecord>()
  for (const record of records) if (isMembershipOf(record, facts.cid)) unique.set(record.cid, record)
  const sorted = [...unique.values()].sort(byTimeThenCid)

  const statuses = new Map<string, RecordStatus>()
  const ignore = (record: MembershipRecord, reason: MembershipIssue): void => {
    statuses.set(record.cid, { cid: record.cid, action: subjectOf(record).action, outcome: 'ignored', reason })
  }

  // 1–2. judge each record alone; gather admin signatures per change; collect invites and joins
  const groups = new Map<string, ChangeGroup>()
  const invites = new Map<string, InviteState>()
  const joins: MembershipRecord[] = []
  for (const record of sorted) {
    const issue = staticIssue(facts, record)
    if (issue !== undefined) { ignore(record, issue); continue }
    const subject = subjectOf(record)
    if (subject.action === 'admit' || subject.action === 'remove') {
      const effectiveFrom = effectiveFromOf(subject)
      const key = changeKey(subject.action, subject.member, effectiveFrom)
      let group = groups.get(key)
      if (group === undefined) {
        group = { action: subject.action, member: subject.member, effectiveFrom, signers: new Set(), records: [] }
        groups.set(key, group)
      }
      group.signers.add(record.author)
      group.records.push(record.cid)
    } else if (subject.action === 'invite') {
      const expiration = parseRecordTime(subject.expiration, 'credentialSubject.expiration')
      const state: InviteState = { cid: record.cid, issuer: record.author, from: record.time, expiration, uses: [] }
      if (subject.maxUses !== undefined) state.maxUses = subject.maxUses
      invites.set(record.cid, state)
      statuses.set(record.cid, { cid: record.cid, action: 'invite', outcome: 'effective' })
    } else {
      joins.push(record)
    }
  }

  const events: Event[] = amendmentEvents(facts, permanentAdmins(facts))
  const pending: PendingChange[] = []
  const removalTimes = new Map<string, number[]>()
  for (const event of events) {
    if (event.action === 'remove') removalTimes.set(event.member, [...(removalTimes.get(event.member) ?? []), event.at])
  }
  for (const group of groups.values()) {
    const records = sortStrings(group.records)
    // the quorum in effect when the change would take effect
    const quorum = facts.termsAt(group.effectiveFrom).quorum
    const effective = group.signers.size >= quorum
    for (const cid of records) statuses.set(cid, { cid, action: group.action, outcome: effective ? 'effective' : 'pending' })
    if (!effective) {
      const signers = sortStrings(group.signers)
      pending.push({ action: group.action, member: group.member, effectiveFrom: group.effectiveFrom, signers, records, needed: quorum - signers.length })
      continue
    }
    events.push({ action: group.action, member: group.member, at: group.effectiveFrom, key: records[0], records })
    if (group.action === 'remove') {
      const times = removalTimes.get(group.member) ?? []
      times.push(group.effectiveFrom)
      removalTimes.set(group.member, times)
    }
  }
  for (const times of removalTimes.values()) times.sort((a, b) => a - b)
  pending.sort((a, b) => a.effectiveFrom - b.effectiveFrom || compareStrings(a.action, b.action) || compareStrings(a.member, b.member))

  // 3. joins, already in (validFrom, CID) order, so each invite's uses are counted in that order
  const joiners = new Map<string, Set<string>>()
  for (const join of joins) {
    const judged = judgeJoin(join, unique, statuses, invites, joiners, removalTimes)
    if (typeof judged === 'string') { ignore(join, judged); continue }
    judged.uses.push({ cid: join.cid, joiner: join.author, at: join.time })
    const used = joiners.get(judged.cid)
    if (used === undefined) joiners.set(judged.cid, new Set([join.author]))
    else used.add(join.author)
    statuses.set(join.cid, { cid: join.cid, action: 'join', outcome: 'effective' })
    events.push({ action: 'join', member: join.author, at: join.time, key: join.cid, records: [join.cid] })
  }

  // 4. intervals
  events.sort(byEventOrder)
  const byMember = new Map<string, Array<[number, number]>>()
  const openSince = new Map<string, number>()
  const changes: MembershipChange[] = []
  for (const event of events) {
    const start = openSince.get(event.member)
    if (event.action === 'remove') {
      if (start === undefined) continue
      openSince.delete(event.member)
      // an admission and a removal at the same instant leave an empty interval, which is no membership at all
      if (event.at > start) pushInterval(byMember, event.member, [start, event.at])
    } else {
      if (start !== undefined) continue
      openSince.set(event.member, event.at)
    }
    changes.push({ action: event.action, member: event.member, at: event.at, records: event.records })
  }
  for (const [member, start] of openSince) pushInterval(byMember, member, [start, Infinity])

  return new ComputedMembership(facts, { pending, changes, byMember, invites, statuses, groups, removalTimes })
}

function pushInterval (byMember: Map<string, Array<[number, number]>>, member: string, interval: [number, number]): void {
  const list = byMember.get(member)
  if (list === undefined) byMember.set(member, [interval])
  else list.push(interval)
}

/**
 * The invite a join (taken in order) counts against, or why it does not count. `statuses` already holds the verdict
 * of every non-join record, so an invite that was itself refused is told apart from one never seen.
 */
function judgeJoin (join: MembershipRecord, seen: ReadonlyMap<string, MembershipRecord>, statuses: ReadonlyMap<string, RecordStatus>,
  invites: ReadonlyMap<string, InviteState>, joiners: ReadonlyMap<string, ReadonlySet<string>>,
  removalTimes: ReadonlyMap<string, number[]>): InviteState | MembershipIssue {
  const subject = subjectOf(join)
  if (subject.action !== 'join') return 'not-membership'
  const invite = invites.get(subject.invite)
  if (invite === undefined) return missingInviteIssue(subject.invite, seen, statuses)
  const used = joiners.get(invite.cid)
  const usage: InviteUsage = { count: invite.uses.length, usedBy: joiner => used?.has(joiner) ?? false }
  return joinAgainstInvite(join.author, join.time, invite, usage, removalTimes.get(join.author) ?? []) ?? invite
}

/** Why a join's invite is not a valid invite: never seen (a dependency), not an invite, or refused itself */
function missingInviteIssue (cid: string, seen: ReadonlyMap<string, MembershipRecord>, statuses: ReadonlyMap<string, RecordStatus>): MembershipIssue {
  const named = seen.get(cid)
  if (named === undefined) return 'invite-unknown'
  if (subjectOf(named).action !== 'invite') return 'not-an-invite'
  return statuses.get(cid)?.outcome === 'ignored' ? 'invite-invalid' : 'invite-unknown'
}

/** What the rules of a join read about its invite's uses so far */
export interface InviteUsage {
  /** uses counted so far */
  count: number
  /** whether `joiner` has already used the invite */
  usedBy (joiner: string): boolean
}

/**
 * The rules of one join against a valid invite, given the uses counted before it in (validFrom, CID) order and the
 * joiner's effective removals
 */
export function joinAgainstInvite (joiner: string, at: number, invite: InviteState, usage: InviteUsage, removals: readonly number[]): MembershipIssue | undefined {
  if (at < invite.from) return 'invite-not-yet-valid'
  if (at >= invite.expiration) return 'invite-expired'
  // A bearer invite must not undo the admins' decision to remove someone
  if (removals.some(removedAt => removedAt <= at)) return 'joiner-removed'
  if (usage.usedBy(joiner)) return 'duplicate-join'
  if (invite.maxUses !== undefined && usage.count >= invite.maxUses) return 'invite-exhausted'
  return undefined
}
