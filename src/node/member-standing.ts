/**
 * Where a did stands in a collective now, in words a person can act on: a member (since when), removed (when, by
 * which admins, why), waiting for admin signatures, or not a member. `collective list`, `collective show` and
 * `join` answer with it, so a removed member is told it was removed rather than "not a member yet".
 */
import type { Membership } from '../collectives/index.ts'
import type { ValidRecord } from '../records/types.ts'

export type MemberStanding =
  | { status: 'member', since: number }
  | { status: 'removed', at: number, by: string[], reason?: string }
  | { status: 'pending' }
  | { status: 'not-member' }

/** The standing of `did` at `now`, from a collective's membership and its held membership records */
export function memberStanding (membership: Membership, records: ReadonlyMap<string, ValidRecord>, did: string, now: number): MemberStanding {
  const intervals = membership.intervals(did)
  const current = intervals.find(([from, to]) => from <= now && now < to)
  if (current != null) return { status: 'member', since: current[0] }
  const ended = intervals.filter(([, to]) => to <= now).at(-1)
  if (ended != null) {
    const removal = [...membership.changes].reverse().find(ch => ch.action === 'remove' && ch.member === did && ch.at === ended[1])
    // the first signer's reason (by time, then CID): admins may word it differently, every node picks the same
    const signed = (removal?.records ?? []).map(cid => records.get(cid)).filter(r => r != null)
      .sort((a, b) => a.time - b.time || (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0))
    const reason = signed.map(r => (r.credential.credentialSubject as { reason?: unknown }).reason).find(x => typeof x === 'string') as string | undefined
    return { status: 'removed', at: ended[1], by: [...new Set(signed.map(r => r.author))].sort(), ...(reason != null ? { reason } : {}) }
  }
  if (membership.pending.some(p => p.action === 'admit' && p.member === did)) return { status: 'pending' }
  return { status: 'not-member' }
}
