/**
 * CollectiveView: keeps what the node counts equal to what the record set says it should count
 * (protocols/collectives.md §6), whatever order records came in.
 *
 * The door judges a record against the membership it knows at that moment. Once a record is committed, this
 * judges again what it can change:
 * - a membership record: the membership is computed again; every member whose intervals moved has its counted
 *   records of the collective judged again (those now outside are retired) and its held ones released; held
 *   membership records are released too (a join may have got its invite's use back);
 * - any other record: judged again against the membership now (a removal may have been committed meanwhile), and
 *   what it is about must still be counted.
 * A retired record takes with it what is about it (licenses of an asset, grants of a license, attestations and
 * revocations of a record), which then wait for it. Every step is serialised, so two changes never interleave.
 *
 * `settle()` runs the same judgement over a whole collective: after a reindex, and as the reference in tests.
 */
import type { Logger } from 'pino'
import { checkRecord } from '../records/index.ts'
import type { RecordCrypto, ValidRecord } from '../records/types.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { Membership } from '../collectives/index.ts'
import { namedBy, recompute, STATE_KINDS } from './membership-directory.ts'
import type { CollectiveState, MembershipDirectory } from './membership-directory.ts'
import { collectiveDependency, FUTURE_RULE, memberDependency, recordDependency } from './parking.ts'
import type { ParkingLot } from './parking.ts'
import type { RecordEvent, RecordService, Retirement } from './record-service.ts'
import { subjectLinkOf } from './collective-admission.ts'

const PAGE = 1000
/** dependents looked up at once while retiring: Level serves concurrent range reads from its thread pool */
const DEPENDENT_LOOKUPS = 16

/** `fn` over `items` with at most `limit` in flight, results in order */
async function mapLimited<T, R> (items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i]) }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

export interface CollectiveViewComponents {
  records: Pick<RecordService, 'retire' | 'release' | 'rejudge'>
  index: Pick<RecordIndexApi, 'has' | 'query' | 'body' | 'get'>
  parking: Pick<ParkingLot, 'ofCollective' | 'waitingOn'>
  directory: MembershipDirectory
  crypto: RecordCrypto
  logger: Logger
}

export class CollectiveView {
  private readonly c: CollectiveViewComponents
  private readonly log: Logger
  private serial: Promise<unknown> = Promise.resolve()

  constructor (components: CollectiveViewComponents) {
    this.c = components
    this.log = components.logger.child({ component: 'collective-view' })
  }

  /** Call with every committed record */
  readonly onRecord = ({ record }: RecordEvent): void => {
    if (record.kind === 'charter' || record.collective == null) return
    // a membership or governance record changes the membership the door reads at once (a work only through a
    // proposal weighted by contribution); what follows from it is queued
    const state = STATE_KINDS.has(record.kind) || record.kind === 'asset' ? this.c.directory.now(record.collective) : undefined
    const before = state == null ? undefined : record.kind === 'asset' ? this.c.directory.addWork(state, record) : this.c.directory.add(state, record)
    void this.run(async () => { await this.committed(record, before) })
  }

  /**
   * Call with every record written to the lot: a held membership record belongs to the membership in memory as it
   * does to one read from disk (membership-directory.ts), so the standing it gives does not wait for a restart
   */
  readonly onHeld = ({ record, rule }: { record: ValidRecord, rule?: string }): void => {
    // a record held for its future date is not judged yet: it gives no standing and joins no computation
    if (record.kind !== 'membership' || record.collective == null || rule === FUTURE_RULE) return
    const state = this.c.directory.now(record.collective)
    if (state != null) this.c.directory.hold(state, record)
  }

  /**
   * Call with every held record dropped for good: a membership record that named an author gave it standing, and
   * its records held outside the membership are judged again without it
   */
  readonly onDropped = ({ record }: { record: ValidRecord }): void => {
    const did = namedBy(record)
    if (did == null || record.collective == null) return
    const state = this.c.directory.now(record.collective)
    if (state != null) this.c.directory.forget(state, record)
    const dep = memberDependency(record.collective, did)
    void this.run(async () => { await this.c.records.release(dep) })
  }

  /** Resolves once every change queued so far has been applied (tests, shutdown) */
  async idle (): Promise<void> {
    let seen: Promise<unknown> | undefined
    while (seen !== this.serial) { seen = this.serial; await seen }
  }

  private async run (fn: () => Promise<void>): Promise<void> {
    const next = this.serial.then(fn).catch(err => { this.log.error({ err }, 'failed to apply a change of the collective view') })
    this.serial = next
    await next
  }

  private async committed (record: ValidRecord, applied: Membership | undefined): Promise<void> {
    const collective = record.collective as string
    const state = await this.c.directory.load(collective)
    if (state == null) return
    if (record.kind === 'membership') {
      // loaded after the commit, the state may hold the record already: judge against the membership without it
      const before = applied ?? this.membershipWithout(state, record)
      if (before !== state.membership) await this.membershipMoved(collective, state, before)
      else {
        // the membership knew the record already (held before, or read from disk): the record itself may be one the
        // view does not count, decided by a record committed while this one was on its way to the index
        const status = state.membership.status(record.cid)
        if (status?.outcome === 'ignored' && status.reason !== 'invite-unknown' && await this.c.index.has(record.cid)) {
          await this.retireWithDependents([{ record, status: 'outside', deps: [collectiveDependency(collective)], rule: status.reason, reason: `membership record not counted: ${status.reason}` }])
        }
      }
      return
    }
    const out = await this.judgeCounted(collective, state.membership, [record])
    if (out.length > 0) await this.retireWithDependents(out)
    if (STATE_KINDS.has(record.kind) || record.kind === 'asset') {
      // a governance record (or a work) may pass or fail an amendment, which moves the membership from its close on
      const before = applied ?? (record.kind === 'asset' ? this.c.directory.addWork(state, record) : this.membershipWithout(state, record))
      await this.c.directory.ensureWorks(state)
      if (before !== state.membership) await this.membershipMoved(collective, state, before)
    }
  }

  /**
   * The membership before `record` counted: loaded after the commit, the state may hold the record already, so it
   * is computed without it; otherwise the record is added now and the membership before is returned
   */
  private membershipWithout (state: CollectiveState, record: ValidRecord): Membership {
    if (!state.memberships.has(record.cid)) return this.c.directory.add(state, record)
    const without = new Map([...state.memberships].filter(([cid]) => cid !== record.cid))
    // recompute on a copy: the state itself keeps the membership with the record
    return recompute({ ...state, memberships: without }).membership
  }

  private async membershipMoved (collective: string, state: CollectiveState, before: Membership): Promise<void> {
    const after = state.membership
    // membership records the view no longer counts; held ones it counts now come back through the release below
    const retire: Retirement[] = []
    for (const [cid, record] of state.memberships) {
      const status = after.status(cid)
      if (status?.outcome !== 'ignored' || status.reason === 'invite-unknown') continue
      if (await this.c.index.has(cid)) {
        retire.push({ record, status: 'outside', deps: [collectiveDependency(collective)], rule: status.reason, reason: `membership record no longer counted: ${status.reason}` })
      }
    }
    const moved = movedMembers(before, after)
    for (const did of moved) {
      for await (const page of this.pages({ author: did, collective })) {
        retire.push(...await this.judgeCounted(collective, after, page.filter(r => r.kind !== 'membership')))
      }
    }
    // held records first, judged against the membership now; then the retirements, whose entries carry the verdict
    // of that same membership and so need no judging again
    await this.c.records.release(collectiveDependency(collective))
    for (const did of moved) await this.c.records.release(memberDependency(collective, did))
    if (retire.length > 0) await this.retireWithDependents(retire)
    if (moved.length > 0 || retire.length > 0) this.log.info({ collective, moved: moved.length, retired: retire.length }, 'membership changed; records judged again')
  }

  /** Of counted non-membership records, those the view would not count now */
  private async judgeCounted (collective: string, membership: Membership, records: ValidRecord[]): Promise<Retirement[]> {
    const out: Retirement[] = []
    for (const record of records) {
      // in the door's order: what the record names first, then its author's membership
      const link = subjectLinkOf(record)
      if (link != null && link !== record.cid && !(await this.c.index.has(link))) {
        out.push(waitingFor(record, link))
        continue
      }
      if (!membership.isMember(record.author, record.time)) {
        const deps = [memberDependency(collective, record.author), ...(link != null && link !== record.cid ? [recordDependency(link)] : [])]
        out.push({ record, status: 'outside', deps, rule: 'not-member', reason: `the author was not a member of ${collective} at the record's validFrom` })
      }
    }
    return out
  }

  /**
   * Retire records and whatever is about them, until nothing more depends on a retired record, in one write.
   * A retired record whose subject is retired too waits for it, whatever else kept it out: the door judges what a
   * record names before its author's membership, and a fresh node must find the same entry.
   */
  private async retireWithDependents (first: Retirement[]): Promise<void> {
    const all = new Map<string, Retirement>()
    let wave = first
    while (wave.length > 0) {
      wave = wave.filter(r => !all.has(r.record.cid))
      for (const r of wave) all.set(r.record.cid, r)
      if (wave.length === 0) break
      const found = await mapLimited(wave, DEPENDENT_LOOKUPS, async r => await this.dependentsOf(r.record))
      const next: Retirement[] = []
      for (const [i, r] of wave.entries()) {
        for (const dependent of found[i]) if (!all.has(dependent.cid)) next.push(waitingFor(dependent, r.record.cid))
      }
      wave = next
    }
    const items = [...all.values()].map(r => {
      const link = subjectLinkOf(r.record)
      return link != null && link !== r.record.cid && all.has(link) ? waitingFor(r.record, link) : r
    })
    await this.c.records.retire(items)
    // held records about a retired one (outside for another reason, so not found above) now wait for it
    const retired = new Set(items.map(r => r.record.cid))
    for (const cid of retired) {
      for (const entry of await this.c.parking.waitingOn(recordDependency(cid))) {
        if (!retired.has(entry.cid)) await this.c.records.rejudge(entry)
      }
    }
  }

  /** Counted records about `record` (their subject link names it) */
  private async dependentsOf (record: ValidRecord): Promise<ValidRecord[]> {
    const out: ValidRecord[] = []
    const asks = [{ target: record.cid }, { asset: record.cid }]
    // a grant names its license and that license's asset; find grants through the asset, keep those of this license
    if (record.kind === 'license') asks.push({ asset: subjectLinkOf(record) as string })
    for (const ask of asks) {
      for await (const page of this.pages(ask)) {
        for (const r of page) if (subjectLinkOf(r) === record.cid) out.push(r)
      }
    }
    return out
  }

  /**
   * Judge a whole collective again: counted membership records the view ignores, counted records whose author had
   * no standing or whose subject is not counted, then every held record of the collective. Idempotent.
   */
  async settle (collective: string): Promise<void> {
    await this.run(async () => {
      this.c.directory.reset()
      const state = await this.c.directory.load(collective)
      if (state == null) return
      const retire: Retirement[] = []
      for (const [cid, record] of state.memberships) {
        const status = state.membership.status(cid)
        if (status?.outcome === 'ignored' && status.reason !== 'invite-unknown' && await this.c.index.has(cid)) {
          retire.push({ record, status: 'outside', deps: [collectiveDependency(collective)], rule: status.reason, reason: `membership record not counted: ${status.reason}` })
        }
      }
      for await (const page of this.pages({ collective })) {
        retire.push(...await this.judgeCounted(collective, state.membership, page.filter(r => r.kind !== 'membership' && r.kind !== 'charter')))
      }
      if (retire.length > 0) await this.retireWithDependents(retire)
      for (const entry of await this.c.parking.ofCollective(collective)) await this.c.records.rejudge(entry)
    })
  }

  /** Counted records matching a query, a page at a time */
  private async * pages (q: { author?: string, collective?: string, target?: string, asset?: string }): AsyncGenerator<ValidRecord[]> {
    let cursor: string | undefined
    do {
      const page = await this.c.index.query({ ...q, limit: PAGE, cursor, order: 'asc' })
      const records: ValidRecord[] = []
      for (const s of page.items) {
        const body = await this.c.index.body(s.cid)
        // bodies in the index were validated on the way in: parse them, do not verify them again
        if (body != null) records.push(checkRecord(body, { crypto: this.c.crypto }).record)
      }
      yield records
      cursor = page.cursor ?? undefined
    } while (cursor != null)
  }
}

/** The retirement of a record whose subject `link` is not counted */
function waitingFor (record: ValidRecord, link: string): Retirement {
  return { record, status: 'waiting', deps: [recordDependency(link)], rule: 'dependency-missing', reason: `waiting for ${link}` }
}

/** Members whose intervals differ between two memberships of one collective */
function movedMembers (before: Membership, after: Membership): string[] {
  const dids = new Set<string>()
  for (const m of [before, after]) for (const ch of m.changes) dids.add(ch.member)
  const out: string[] = []
  for (const did of dids) {
    const a = before.intervals(did)
    const b = after.intervals(did)
    if (a.length !== b.length || a.some(([f, t], i) => f !== b[i][0] || t !== b[i][1])) out.push(did)
  }
  return out.sort()
}
