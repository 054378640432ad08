/**
 * A private collective's epochs as a pure function of its charter, its membership and its key records
 * (protocols/private-collectives.md §6). No I/O, no clock: the same records in any order give the same epochs, so
 * every member can re-check who was wrapped which epoch and why.
 *
 * An issuance is the set of key records one admin signed for one epoch and cause (same issuer, epoch, reason,
 * cause, validFrom and parts). It counts once every part 0..parts-1 is held, the issuer was an admin at its
 * validFrom, the cause is what the reason says (the charter for epoch 0, an effective admission or removal, or the
 * rotation itself), and the wraps go to exactly the members at the cause's effective time. Of the counted issuances
 * of one epoch number the one whose part 0 has the smallest CID wins; the others are kept for the audit only.
 */
import type { Membership } from '../collectives/types.ts'
import { KEY_WRAPS_PER_RECORD } from '../records/constants.ts'
import type { KeyReason, KeySubject, KeyWrap, ValidRecord } from '../records/types.ts'
import { wrapEpochKey } from './epoch-keys.ts'
import { toKeyWrap } from './key-wraps.ts'

export type KeyRecord = ValidRecord<'key'>

/** One epoch that won its number */
export interface Epoch {
  epoch: number
  issuer: string
  reason: KeyReason
  /** the charter, admission or removal record named; for a rotation, the CID of the issuance's part 0 */
  cause: string
  /** the cause's effective time, epoch ms: the members at it are the ones wrapped */
  at: number
  /** the issuance's validFrom, epoch ms */
  issuedAt: number
  /** the members wrapped, sorted */
  members: string[]
  /** the part records, in part order */
  records: string[]
  /** each member's wrap */
  wraps: ReadonlyMap<string, KeyWrap>
}

/** Why a held key record does not count */
export type KeyIssue = 'incomplete' | 'not-admin' | 'unknown-cause' | 'wrong-members' | 'charter-epoch' | 'lost' | 'wrong-collective'

export interface Epochs {
  collective: string
  /** the winning epochs, by epoch number */
  epochs: Epoch[]
  /** the highest winning epoch */
  current?: Epoch
  /** every key record that does not count, and why (a `lost` issuance counted but a smaller CID won its number) */
  ignored: Array<{ cid: string, issue: KeyIssue }>
  /** the next epoch number an admin issues */
  next: number
}

/** An event that needs an epoch starting at or after `at` */
export interface EpochCause {
  reason: Exclude<KeyReason, 'rotation'>
  cause: string
  at: number
}

interface Issuance {
  parts: KeyRecord[]
  first: KeyRecord
}

const subjectOf = (r: KeyRecord): KeyRecord['credential']['credentialSubject'] => r.credential.credentialSubject
const compareCid = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

/** The causes an epoch must follow: the charter, and every effective admission or removal up to `nowMs` */
export function epochCauses (membership: Membership, nowMs: number = Infinity): EpochCause[] {
  const out: EpochCause[] = [{ reason: 'charter', cause: membership.charterCid, at: membership.since }]
  for (const change of membership.changes) {
    if (change.at > nowMs || change.records.length === 0) continue
    out.push({ reason: change.action === 'remove' ? 'removal' : 'admission', cause: [...change.records].sort(compareCid)[0]!, at: change.at })
  }
  return out
}

/** The effective time of the cause a key record names, or undefined when it names none that counts */
function causeTime (membership: Membership, record: KeyRecord): number | undefined {
  const s = subjectOf(record)
  switch (s.reason) {
    case 'charter': return s.epoch === 0 && s.cause === membership.charterCid ? membership.since : undefined
    case 'rotation': return record.time
    case 'admission':
    case 'removal': {
      const wanted = s.reason === 'removal' ? ['remove'] : ['admit', 'join']
      const change = membership.changes.find(c => wanted.includes(c.action) && c.records.includes(s.cause ?? ''))
      return change?.at
    }
  }
}

function issuanceKey (r: KeyRecord): string {
  const s = subjectOf(r)
  return JSON.stringify([r.author, s.epoch, s.reason, s.cause ?? '', r.time, s.parts])
}

/** The epochs of `membership`'s collective from `records` (other records and other collectives' are ignored) */
export function computeEpochs (membership: Membership, records: Iterable<ValidRecord>): Epochs {
  const collective = membership.charterCid
  const ignored: Epochs['ignored'] = []
  const groups = new Map<string, KeyRecord[]>()
  const seen = new Set<string>()
  for (const r of records) {
    if (r.kind !== 'key' || seen.has(r.cid)) continue
    seen.add(r.cid)
    if (r.collective !== collective) { ignored.push({ cid: r.cid, issue: 'wrong-collective' }); continue }
    const k = issuanceKey(r as KeyRecord)
    const list = groups.get(k)
    if (list == null) groups.set(k, [r as KeyRecord])
    else list.push(r as KeyRecord)
  }

  const counted = new Map<number, Issuance[]>()
  for (const list of groups.values()) {
    list.sort((a, b) => compareCid(a.cid, b.cid))
    const parts = subjectOf(list[0]!).parts
    // one record per part: of two for the same part (the same admin signing it twice) the smaller CID
    const byPart = new Map<number, KeyRecord>()
    for (const r of list) {
      const p = subjectOf(r).part
      if (byPart.has(p)) ignored.push({ cid: r.cid, issue: 'lost' })
      else byPart.set(p, r)
    }
    const ordered = [...byPart.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r)
    const issue = judge(membership, ordered, parts)
    if (issue !== undefined) { for (const r of ordered) ignored.push({ cid: r.cid, issue }); continue }
    const epoch = subjectOf(ordered[0]!).epoch
    const entry = counted.get(epoch)
    const issuance = { parts: ordered, first: ordered[0]! }
    if (entry == null) counted.set(epoch, [issuance])
    else entry.push(issuance)
  }

  const epochs: Epoch[] = []
  for (const [epoch, list] of [...counted.entries()].sort((a, b) => a[0] - b[0])) {
    list.sort((a, b) => compareCid(a.first.cid, b.first.cid))
    for (const loser of list.slice(1)) for (const r of loser.parts) ignored.push({ cid: r.cid, issue: 'lost' })
    const win = list[0]!
    const s = subjectOf(win.first)
    const wraps = new Map<string, KeyWrap>()
    for (const r of win.parts) for (const w of subjectOf(r).wraps) wraps.set(w.to, w)
    epochs.push({
      epoch,
      issuer: win.first.author,
      reason: s.reason,
      cause: s.cause ?? win.first.cid,
      at: causeTime(membership, win.first)!,
      issuedAt: win.first.time,
      members: [...wraps.keys()].sort(),
      records: win.parts.map(r => r.cid),
      wraps
    })
  }
  ignored.sort((a, b) => compareCid(a.cid, b.cid))
  const current = epochs.at(-1)
  return { collective, epochs, ...(current != null ? { current } : {}), ignored, next: current == null ? 0 : current.epoch + 1 }
}

/** Why an issuance (its parts, one per part number, in order) does not count, or undefined when it does */
function judge (membership: Membership, parts: KeyRecord[], count: number): KeyIssue | undefined {
  if (parts.length !== count || parts.some((r, i) => subjectOf(r).part !== i)) return 'incomplete'
  const first = parts[0]!
  const s = subjectOf(first)
  if ((s.reason === 'charter') !== (s.epoch === 0)) return 'charter-epoch'
  if (!membership.isAdminAt(first.author, first.time)) return 'not-admin'
  const at = causeTime(membership, first)
  if (at === undefined) return 'unknown-cause'
  const wrapped = new Set<string>()
  for (const r of parts) {
    for (const w of subjectOf(r).wraps) {
      if (wrapped.has(w.to)) return 'wrong-members'
      wrapped.add(w.to)
    }
  }
  const members = membership.members(at)
  if (members.length !== wrapped.size || members.some(m => !wrapped.has(m))) return 'wrong-members'
  return undefined
}

/**
 * The cause a new epoch must follow now, or undefined when the current epoch already follows every cause up to
 * `nowMs`: the latest charter, admission or removal in effect whose time is after the current epoch's cause.
 */
export function pendingCause (membership: Membership, epochs: Epochs, nowMs: number): EpochCause | undefined {
  const causes = epochCauses(membership, nowMs)
  // epoch 0 always follows the charter: a collective's first key is its founders'
  if (epochs.epochs.length === 0) return causes[0]
  const covered = epochs.epochs.reduce((max, e) => Math.max(max, e.at), -Infinity)
  let latest: EpochCause | undefined
  for (const c of causes) {
    if (c.at <= covered && epochs.epochs.length > 0) continue
    if (latest === undefined || c.at > latest.at || (c.at === latest.at && compareCid(c.cause, latest.cause) < 0)) latest = c
  }
  return latest
}

/**
 * The subjects of the key records that start `epoch` with `key`, wrapped to `members` (sorted, split in parts of
 * at most 256 wraps). A rotation names no cause: the issuance is its own.
 */
export function epochSubjects (collective: string, epoch: number, key: Uint8Array, members: readonly string[],
  cause: { reason: KeyReason, cause?: string }): KeySubject[] {
  const sorted = [...new Set(members)].sort()
  const wraps = wrapEpochKey(collective, epoch, key, sorted).map(toKeyWrap)
  const parts = Math.max(1, Math.ceil(wraps.length / KEY_WRAPS_PER_RECORD))
  const out: KeySubject[] = []
  for (let part = 0; part < parts; part++) {
    out.push({
      epoch,
      reason: cause.reason,
      ...(cause.reason !== 'rotation' && cause.cause !== undefined ? { cause: cause.cause } : {}),
      part,
      parts,
      wraps: wraps.slice(part * KEY_WRAPS_PER_RECORD, (part + 1) * KEY_WRAPS_PER_RECORD)
    })
  }
  return out
}
