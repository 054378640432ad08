/**
 * MembershipDirectory: each collective's charter and membership, computed from the membership records the node
 * holds, counted (the index) or not (the parking lot), and from its counted governance records (proposals, votes,
 * receipts; protocols/governance.md §6: a passed amendment changes the terms from its close on), kept in memory.
 *
 * Why the held ones too: the view (protocols/collectives.md §6) counts a membership record unless
 * computeMembership ignores it, and an ignored record changes nothing for the others; computing over everything
 * held therefore gives the same membership as computing over the counted ones, and it tells which held records
 * the view would count now (a join that got its invite's use back). Records held for a future date (rule
 * `future`) are the exception: computeMembership would not ignore them, and they are not judged until their time.
 */
import type { Logger } from 'pino'
import type { Membership } from '../collectives/index.ts'
import { computeCollective } from '../governance/index.ts'
import type { CollectiveGovernance } from '../governance/index.ts'
import { validateRecord } from '../records/index.ts'
import type { RecordCrypto, ValidRecord } from '../records/types.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { ContentStore } from '../store/types.ts'
import { FUTURE_RULE } from './parking.ts'
import type { ParkingLot } from './parking.ts'

/** Page size when reading a collective's records from the index */
const PAGE = 1000

/**
 * The kinds the membership is computed from: membership records, and the governance records whose passed
 * amendments change the charter's terms (protocols/governance.md §6)
 */
export const STATE_KINDS: ReadonlySet<string> = new Set(['membership', 'proposal', 'vote', 'receipt'])

/** Whether the collective has a proposal weighted by contribution, whose tally reads the collective's works */
const needsWorks = (records: Iterable<ValidRecord>): boolean => {
  for (const r of records) if (r.kind === 'proposal' && (r as ValidRecord<'proposal'>).credential.credentialSubject.weighting === 'contribution') return true
  return false
}

export interface CollectiveState {
  charter: ValidRecord<'charter'>
  /** every held membership and governance record of the collective (STATE_KINDS), by CID */
  memberships: Map<string, ValidRecord>
  /**
   * the collective's counted works, read only once a proposal weighted by contribution is held (its tally needs
   * them); undefined until then
   */
  works?: Map<string, ValidRecord>
  membership: Membership
  /** the membership, charter timeline and every tally, computed together */
  governance: CollectiveGovernance
  /**
   * the DIDs some held membership record names (a join's author, an admit's or removal's member): the authors
   * with standing, whose records outside the membership are held rather than refused (protocols/collectives.md §6.3)
   */
  named: Map<string, string[]>
}

/** Outcomes of a membership record that records yet to come may still change: they give its member standing */
const STANDING_REASONS: ReadonlySet<string> = new Set(['invite-unknown', 'duplicate-join', 'invite-exhausted', 'joiner-removed'])

/**
 * Whether `did` has standing in the collective: an admin, or named by a held membership record that counts or whose
 * verdict records yet to come may change (not one refused for good), so the same held set gives the same answer
 */
export function hasStanding (state: CollectiveState, did: string): boolean {
  if (state.membership.isAdmin(did)) return true
  for (const cid of state.named.get(did) ?? []) {
    const status = state.membership.status(cid)
    if (status == null || status.outcome !== 'ignored' || STANDING_REASONS.has(status.reason)) return true
  }
  return false
}

function addNamed (named: Map<string, string[]>, record: ValidRecord): void {
  const did = namedBy(record)
  if (did == null) return
  const list = named.get(did)
  if (list == null) named.set(did, [record.cid])
  else list.push(record.cid)
}

/** The DID a membership record is about: its subject member, or the joiner (the author) */
export function namedBy (record: ValidRecord): string | undefined {
  if (record.kind !== 'membership') return undefined
  const s = record.credential.credentialSubject as { action: string, member?: string }
  if (s.action === 'join') return record.author
  return s.member
}

/** Compute the membership and governance of a state from what it holds */
export function recompute (state: CollectiveState, extra: ValidRecord[] = []): CollectiveGovernance {
  const records = [...state.memberships.values(), ...(state.works?.values() ?? []), ...extra]
  const governance = computeCollective(state.charter, records)
  if (extra.length === 0) {
    state.governance = governance
    state.membership = governance.membership
  }
  return governance
}

export interface MembershipDirectoryComponents {
  index: Pick<RecordIndexApi, 'get' | 'query'>
  store: Pick<ContentStore, 'getRecord'>
  parking: Pick<ParkingLot, 'ofCollective'>
  crypto: RecordCrypto
  logger: Logger
}

export class MembershipDirectory {
  private readonly c: MembershipDirectoryComponents
  private readonly loaded = new Map<string, Promise<CollectiveState | undefined>>()
  /** the states loaded so far, for the synchronous path */
  private readonly ready = new Map<string, CollectiveState>()

  constructor (components: MembershipDirectoryComponents) {
    this.c = components
  }

  /** The charter and membership of a collective; undefined when its charter is not counted here */
  async load (id: string): Promise<CollectiveState | undefined> {
    const ready = this.ready.get(id)
    if (ready != null) return ready
    // "no charter" is never cached nor shared: a read begun before the charter was committed would otherwise
    // answer "not held" to whoever asks after it was, and a record released by the charter would wait again
    if (!this.loaded.has(id)) {
      const summary = await this.c.index.get(id)
      if (summary == null || summary.kind !== 'charter') return undefined
    }
    let p = this.loaded.get(id)
    if (p == null) {
      p = this.read(id)
      this.loaded.set(id, p)
      const loading = p
      p.then(v => {
        if (this.loaded.get(id) !== loading) return
        if (v == null) this.loaded.delete(id)
        else this.ready.set(id, v)
      }, () => { this.loaded.delete(id) })
    }
    return await p
  }

  /** The state if it is in memory already (no I/O, no await) */
  now (id: string): CollectiveState | undefined {
    return this.ready.get(id)
  }

  /**
   * Add a held membership record and compute the membership again. Synchronous once loaded, so a verdict the
   * door gives after this returns already sees the change.
   */
  add (state: CollectiveState, record: ValidRecord): Membership {
    const before = state.membership
    if (state.memberships.has(record.cid)) {
      // held before (see hold) and not yet part of a computation: compute now
      if (before.status(record.cid) != null) return before
    } else {
      state.memberships.set(record.cid, record)
      addNamed(state.named, record)
    }
    recompute(state)
    return before
  }

  /** Add a counted work: it changes the membership only through a proposal weighted by contribution */
  addWork (state: CollectiveState, record: ValidRecord): Membership {
    const before = state.membership
    if (state.works == null || state.works.has(record.cid)) return before
    state.works.set(record.cid, record)
    recompute(state)
    return before
  }

  /**
   * Read the collective's works if a held proposal is weighted by contribution and they are not in memory yet, and
   * compute again; returns the membership before, or undefined when nothing was read
   */
  async ensureWorks (state: CollectiveState): Promise<Membership | undefined> {
    if (state.works != null || !needsWorks(state.memberships.values())) return undefined
    const before = state.membership
    state.works = await this.readWorks(state.charter.cid)
    recompute(state)
    return before
  }

  private async readWorks (id: string): Promise<Map<string, ValidRecord>> {
    const works = new Map<string, ValidRecord>()
    let cursor: string | undefined
    do {
      const page = await this.c.index.query({ kind: 'asset', collective: id, limit: PAGE, cursor, order: 'asc' })
      for (const s of page.items) works.set(s.cid, await this.recordOf(s.cid))
      cursor = page.cursor ?? undefined
    } while (cursor != null)
    return works
  }

  /**
   * Add a membership record the node holds without counting (waiting for its invite, or ignored for now). Such a
   * record changes nobody's membership, so the membership is not computed again (a flood of held joins must not
   * cost a computation each); its member has standing at once, and the next computation gives its status.
   */
  hold (state: CollectiveState, record: ValidRecord): void {
    if (state.memberships.has(record.cid)) return
    state.memberships.set(record.cid, record)
    addNamed(state.named, record)
  }

  /**
   * Take out a held membership record dropped for good, as a read from disk would no longer find it. An ignored
   * record changes nobody's membership, so the membership stays; its member loses the standing it gave.
   */
  forget (state: CollectiveState, record: ValidRecord): void {
    if (!state.memberships.delete(record.cid)) return
    const did = namedBy(record)
    if (did == null) return
    const left = (state.named.get(did) ?? []).filter(cid => cid !== record.cid)
    if (left.length > 0) state.named.set(did, left)
    else state.named.delete(did)
  }

  /** Forget everything (after a reindex): states load again on first use */
  reset (): void {
    this.loaded.clear()
    this.ready.clear()
  }

  private async read (id: string): Promise<CollectiveState | undefined> {
    const summary = await this.c.index.get(id)
    if (summary == null || summary.kind !== 'charter') return undefined
    const charter = await this.recordOf(id) as ValidRecord<'charter'>
    const memberships = new Map<string, ValidRecord>()
    for (const kind of STATE_KINDS) {
      let cursor: string | undefined
      do {
        const page = await this.c.index.query({ kind: kind as 'membership', collective: id, limit: PAGE, cursor, order: 'asc' })
        for (const s of page.items) memberships.set(s.cid, await this.recordOf(s.cid))
        cursor = page.cursor ?? undefined
      } while (cursor != null)
    }
    for (const entry of await this.c.parking.ofCollective(id, 'membership')) {
      // held for its future date: not judged yet, so no part of the membership (parking.ts FUTURE_RULE)
      if (entry.rule === FUTURE_RULE) continue
      try {
        const bytes = entry.bytes != null ? Buffer.from(entry.bytes, 'base64') : await this.c.store.getRecord(entry.cid)
        memberships.set(entry.cid, validateRecord(bytes, { crypto: this.c.crypto }))
      } catch (err) {
        this.c.logger.warn({ err, cid: entry.cid }, 'held membership record unreadable; left out of the membership')
      }
    }
    const named = new Map<string, string[]>()
    for (const r of memberships.values()) addNamed(named, r)
    const works = needsWorks(memberships.values()) ? await this.readWorks(id) : undefined
    const state = { charter, memberships, named, ...(works != null ? { works } : {}) } as CollectiveState
    recompute(state)
    return state
  }

  private async recordOf (cid: string): Promise<ValidRecord> {
    return validateRecord(await this.c.store.getRecord(cid), { crypto: this.c.crypto })
  }
}
