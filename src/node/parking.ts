/**
 * ParkingLot: the records a node holds but does not count (protocols/collectives.md §6), persisted.
 *
 * - `waiting`: valid, in scope, but naming something not counted yet (a charter, an invite, a licensed asset, a
 *   revoked record). Kept with its bytes, because no other store holds them: this is what an outsider can make a
 *   node store, so it is bounded in bytes overall, per author and per relaying peer, and the oldest entry of the
 *   bound that overflowed is evicted in O(log n) through an age-ordered key range (sync offers evicted records again).
 * - `outside`: a record the node counted once and the view no longer counts (its author's removal took effect
 *   before it, its join lost its invite's last use, what it names was retired). Its body stays stored in the index
 *   (as a held body, src/index/sublevels.ts), so the entry holds no bytes and costs a few hundred bytes of metadata;
 *   it is bounded by what the node counted.
 *
 * Each entry is keyed by what would change its verdict (`deps`): `record:<cid>` (that record counted),
 * `member:<collective>:<did>` (that member's intervals changed), `collective:<collective>` (any membership change),
 * `clock:<ms>` (the node's clock reaching a time: a future-dated record; `due()` finds them in time order).
 * Nothing here decides; the record service re-judges entries when a dependency moves and at start-up.
 */
import type { Logger } from 'pino'
import type { ParkingConfig } from '../config.ts'
import type { NodeState, StateSublevel } from './state.ts'

export type HeldStatus = 'waiting' | 'outside'

export interface ParkedRecord {
  cid: string
  status: HeldStatus
  /** what would change the verdict; see the file comment */
  deps: string[]
  /** why it is not counted, in words */
  reason: string
  /** the rule that keeps it out (stable code, e.g. `not-member`, `dependency-missing`) */
  rule: string
  kind: string
  author: string
  collective?: string
  /** encoded size, bytes */
  size: number
  /** epoch ms when it entered the lot */
  at: number
  source: string
  /** the libp2p peer that relayed it, when it came from the network */
  peer?: string
  /** record bytes, base64; absent when the index stores the record's body (a retired record) */
  bytes?: string
}

/** What the lot needs of a record to hold it */
export interface ParkInput {
  cid: string
  bytes: Uint8Array
  kind: string
  author: string
  collective?: string
}

export interface ParkOptions {
  status: HeldStatus
  deps: string[]
  reason: string
  rule: string
  source: string
  peer?: string
  /** false when the index stores the record's body (a retired record): keep no bytes */
  keepBytes: boolean
}

export interface ParkedPage {
  items: ParkedRecord[]
  cursor: string | null
}

/** Dependency key of a record CID */
export function recordDependency (cid: string): string { return `record:${cid}` }
/** Dependency key of a member's standing in a collective */
export function memberDependency (collective: string, did: string): string { return `member:${collective}:${did}` }
/** Dependency key of any membership change of a collective */
export function collectiveDependency (collective: string): string { return `collective:${collective}` }
/**
 * Rule of a record held because it is dated beyond the node's clock plus the skew bound (collective-admission.ts).
 * Unlike the other held records, a held membership record of this rule is left out of the membership computed
 * from the held set (membership-directory.ts): it is not ignored by computeMembership, it is not judged yet.
 */
export const FUTURE_RULE = 'future'

/** Dependency key of a time: the record may count once the node's clock reaches `ms` (a future-dated record) */
export function clockDependency (ms: number): string { return `${CLOCK_PREFIX}${pad(Math.max(0, Math.ceil(ms)))}` }
const CLOCK_PREFIX = 'clock:'

const SEP = '\u0000'
/** the character after SEP: `dep + SEP_AFTER` bounds every `dep \0 cid` key */
const SEP_AFTER = '\u0001'
const END = '\uffff'
const pad = (n: number): string => String(n).padStart(15, '0')

export class ParkingLot {
  private readonly state: NodeState
  private readonly log: Logger
  private readonly bounds: ParkingConfig
  private entries = 0
  private heldBytes = 0
  private readonly byAuthorBytes = new Map<string, number>()
  private readonly byPeerBytes = new Map<string, number>()
  /** every write is serialised, so the counters always match the database */
  private serial: Promise<unknown> = Promise.resolve()
  /**
   * 32-bit hashes of the held CIDs and of the deps they wait on, with counts: `get()` of a CID, or `waitingOn()` of
   * a dep, whose hash is absent answers at once. The door asks both of every record it takes and commits, and
   * reads the lot only for the few it may concern. At most `maxRecords` × (1 + deps) keys, about 40 bytes each; a
   * hash is added before its entry is written and removed after it is deleted, so it never says "not held" of a
   * held record.
   */
  private readonly heldHashes = new Map<number, number>()
  private readonly depHashes = new Map<number, number>()
  /** bytes of entries deleted since the last compaction of the state database, and the one running */
  private freedBytes = 0
  private compacting: Promise<void> | undefined

  constructor (components: { state: NodeState, logger: Logger }, bounds: ParkingConfig) {
    this.state = components.state
    this.log = components.logger.child({ component: 'parking' })
    this.bounds = bounds
  }

  /** Count what was held before a restart (and drop entries of the previous release's layout) */
  async open (): Promise<void> {
    const stale: string[] = []
    for await (const [cid, text] of this.state.parked.iterator()) {
      const e = JSON.parse(text) as Partial<ParkedRecord>
      this.mark(cid, e.deps ?? [], +1)
      if (e.status == null || e.author == null) { stale.push(cid); continue }
      this.account(e as ParkedRecord, +1)
    }
    if (stale.length > 0) await this.migrate(stale)
  }

  /** Entries the previous release parked (no status, no author): kept as waiting records for the sweep to judge */
  private async migrate (cids: string[]): Promise<void> {
    for (const cid of cids) {
      const old = await this.state.getJson<{ cid: string, bytes: string, deps: string[], reason: string, at: number, source: string }>(this.state.parked, cid)
      if (old == null) continue
      const batch = this.state.db.batch()
      for (const d of old.deps) batch.del(d + SEP + cid, { sublevel: this.state.waiting })
      batch.del(cid, { sublevel: this.state.parked })
      await batch.write()
      this.mark(cid, old.deps, -1)
      await this.park({ cid, bytes: Buffer.from(old.bytes, 'base64'), kind: 'unknown', author: 'unknown' },
        { status: 'waiting', deps: [], reason: old.reason, rule: 'migrated', source: old.source, keepBytes: true })
    }
    this.log.info({ entries: cids.length }, 'parked records of the previous layout kept for re-judging')
  }

  get count (): number { return this.entries }
  /** bytes held for waiting records (the bounded part) */
  get bytes (): number { return this.heldBytes }

  async has (cid: string): Promise<boolean> {
    return (await this.state.parked.get(cid)) !== undefined
  }

  async get (cid: string): Promise<ParkedRecord | undefined> {
    if (!this.heldHashes.has(cidHash(cid))) return undefined
    return await this.state.getJson<ParkedRecord>(this.state.parked, cid)
  }

  private mark (cid: string, deps: string[], by: 1 | -1): void {
    bump(this.heldHashes, cidHash(cid), by)
    for (const dep of deps) bump(this.depHashes, cidHash(dep), by)
  }

  /** Hold a record (or replace its entry: new deps, new status), then enforce the bounds */
  async park (record: ParkInput, options: ParkOptions): Promise<void> {
    await this.parkMany([{ record, options }])
  }

  /**
   * Hold many records in one batch (a removal retires thousands at once): one read of the entries they replace,
   * one write, then the bounds
   */
  async parkMany (items: Array<{ record: ParkInput, options: ParkOptions }>): Promise<void> {
    if (items.length === 0) return
    // one entry per record: the last options given for it win
    const byCid = new Map(items.map(it => [it.record.cid, it]))
    await this.run(async () => {
      const cids = [...byCid.keys()]
      const olds = await this.state.parked.getMany(cids)
      const batch = this.state.db.batch()
      const written: Array<{ entry: ParkedRecord, old?: ParkedRecord }> = []
      for (const [i, cid] of cids.entries()) {
        const { record, options } = byCid.get(cid) as { record: ParkInput, options: ParkOptions }
        const old = olds[i] != null ? JSON.parse(olds[i] as string) as ParkedRecord : undefined
        const keepBytes = options.keepBytes && (old == null || old.bytes != null)
        const entry: ParkedRecord = {
          cid,
          status: options.status,
          deps: [...new Set(options.deps)],
          reason: options.reason,
          rule: options.rule,
          kind: record.kind,
          author: record.author,
          size: record.bytes.length,
          at: old?.at ?? Date.now(),
          source: old?.source ?? options.source,
          ...(record.collective != null ? { collective: record.collective } : {}),
          ...((old?.peer ?? options.peer) != null ? { peer: old?.peer ?? options.peer } : {}),
          ...(keepBytes ? { bytes: Buffer.from(record.bytes).toString('base64') } : {})
        }
        if (old != null) this.unlink(batch, old)
        batch.put(cid, JSON.stringify(entry), { sublevel: this.state.parked })
        this.link(batch, entry)
        written.push({ entry, ...(old != null ? { old } : {}) })
        this.mark(cid, entry.deps, +1)
      }
      try {
        await batch.write()
      } catch (err) {
        for (const { entry } of written) this.mark(entry.cid, entry.deps, -1)
        throw err
      }
      for (const { entry, old } of written) {
        if (old != null) { this.account(old, -1); this.mark(old.cid, old.deps, -1) }
        this.account(entry, +1)
        this.log.debug({ cid: entry.cid, status: entry.status, deps: entry.deps, rule: entry.rule }, 'record held, not counted')
      }
      for (const { entry } of written) await this.enforce(entry)
    })
  }

  /** Forget entries: the record is counted now, or refused for good */
  async drop (cids: Iterable<string>): Promise<void> {
    const wanted = [...new Set(cids)].filter(cid => this.heldHashes.has(cidHash(cid)))
    if (wanted.length === 0) return
    await this.run(async () => {
      // one read and one write for all of them (a batch of commits drops the held copies of many records at once)
      const texts = await this.state.parked.getMany(wanted)
      const batch = this.state.db.batch()
      const gone: ParkedRecord[] = []
      texts.forEach((text, i) => {
        if (text == null) return
        const old = JSON.parse(text) as ParkedRecord
        this.unlink(batch, old)
        batch.del(wanted[i], { sublevel: this.state.parked })
        gone.push(old)
      })
      if (gone.length === 0) { await batch.close(); return }
      await batch.write()
      for (const old of gone) {
        this.account(old, -1)
        this.mark(old.cid, old.deps, -1)
      }
    })
  }

  /** The entries waiting on `dep`, left in place: the caller re-judges each, which replaces or drops it */
  async waitingOn (dep: string): Promise<ParkedRecord[]> {
    if (!this.depHashes.has(cidHash(dep))) return []
    const out: ParkedRecord[] = []
    for await (const key of this.state.waiting.keys({ gt: dep + SEP, lt: dep + SEP + END })) {
      const entry = await this.get(key.slice(dep.length + 1))
      if (entry != null) out.push(entry)
    }
    return out
  }

  /**
   * The entries waiting for a time at or before `now` (clockDependency), earliest first, at most `limit`: one key
   * range read, since the time is part of the dependency key and keys sort by it. Left in place, as by waitingOn.
   */
  async due (now: number, limit: number): Promise<ParkedRecord[]> {
    const out: ParkedRecord[] = []
    const upTo = clockDependency(now) + SEP_AFTER
    for await (const key of this.state.waiting.keys({ gt: CLOCK_PREFIX, lt: upTo, limit })) {
      const entry = await this.get(key.slice(key.indexOf(SEP) + 1))
      if (entry != null) out.push(entry)
    }
    return out
  }

  /** The earliest time an entry waits for (epoch ms), undefined when none waits for a time */
  async nextDue (): Promise<number | undefined> {
    for await (const key of this.state.waiting.keys({ gt: CLOCK_PREFIX, lt: CLOCK_PREFIX + END, limit: 1 })) {
      return Number(key.slice(CLOCK_PREFIX.length, key.indexOf(SEP)))
    }
    return undefined
  }

  /** Entries of one collective, optionally of one kind (a membership view reads its held membership records) */
  async ofCollective (collective: string, kind?: string): Promise<ParkedRecord[]> {
    const prefix = collective + SEP + (kind != null ? kind + SEP : '')
    const out: ParkedRecord[] = []
    for await (const key of this.state.parkedByCollective.keys({ gt: prefix, lt: prefix + END })) {
      const entry = await this.get(key.slice(key.lastIndexOf(SEP) + 1))
      if (entry != null) out.push(entry)
    }
    return out
  }

  /** Every entry, in CID order (the start-up sweep) */
  async * all (): AsyncGenerator<ParkedRecord> {
    for await (const [, text] of this.state.parked.iterator()) yield JSON.parse(text) as ParkedRecord
  }

  /** One page of entries in CID order, without their bytes (the API) */
  async list (options: { limit?: number, cursor?: string } = {}): Promise<ParkedPage> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000)
    const items: ParkedRecord[] = []
    const range = options.cursor != null ? { gt: options.cursor, limit: limit + 1 } : { limit: limit + 1 }
    for await (const [, text] of this.state.parked.iterator(range)) {
      const { bytes: _, ...rest } = JSON.parse(text) as ParkedRecord
      items.push(rest)
    }
    const more = items.length > limit
    if (more) items.length = limit
    return { items, cursor: more ? items[items.length - 1].cid : null }
  }

  private async run<T> (fn: () => Promise<T>): Promise<T> {
    const next = this.serial.then(fn)
    this.serial = next.catch(() => {})
    return await next
  }

  private link (batch: ReturnType<NodeState['db']['batch']>, e: ParkedRecord): void {
    for (const d of e.deps) batch.put(d + SEP + e.cid, '', { sublevel: this.state.waiting })
    if (e.collective != null) batch.put(e.collective + SEP + e.kind + SEP + e.cid, '', { sublevel: this.state.parkedByCollective })
    if (e.bytes == null) return
    const age = pad(e.at) + SEP + e.cid
    batch.put(age, '', { sublevel: this.state.parkedByAge })
    batch.put(e.author + SEP + age, '', { sublevel: this.state.parkedByAuthor })
    if (e.peer != null) batch.put(e.peer + SEP + age, '', { sublevel: this.state.parkedByPeer })
  }

  private unlink (batch: ReturnType<NodeState['db']['batch']>, e: ParkedRecord): void {
    for (const d of e.deps) batch.del(d + SEP + e.cid, { sublevel: this.state.waiting })
    if (e.collective != null) batch.del(e.collective + SEP + e.kind + SEP + e.cid, { sublevel: this.state.parkedByCollective })
    if (e.bytes == null) return
    const age = pad(e.at) + SEP + e.cid
    batch.del(age, { sublevel: this.state.parkedByAge })
    batch.del(e.author + SEP + age, { sublevel: this.state.parkedByAuthor })
    if (e.peer != null) batch.del(e.peer + SEP + age, { sublevel: this.state.parkedByPeer })
  }

  private account (e: ParkedRecord, sign: 1 | -1): void {
    this.entries += sign
    if (sign < 0) this.freed(e.size)
    if (e.bytes == null) return
    this.heldBytes += sign * e.size
    bump(this.byAuthorBytes, e.author, sign * e.size)
    if (e.peer != null) bump(this.byPeerBytes, e.peer, sign * e.size)
  }

  private freed (bytes: number): void {
    this.freedBytes += bytes
    if (this.compacting != null || this.freedBytes < this.bounds.maxBytes * COMPACT_AFTER_FRACTION) return
    this.freedBytes = 0
    const started = Date.now()
    this.compacting = this.state.compact()
      .then(() => { this.log.debug({ ms: Date.now() - started }, 'state database compacted after the lot let entries go') })
      .catch((err: Error) => { this.log.warn({ err }, 'could not compact the state database') })
      .finally(() => {
        this.compacting = undefined
        // what was freed while it ran starts the next one, so a flood faster than compaction is not left uncompacted
        this.freed(0)
      })
  }

  /** Wait for compactions in flight, and those they start (before the state database closes) */
  async idle (): Promise<void> {
    while (this.compacting != null) await this.compacting
  }

  /** Evict the oldest entries of whichever bound `entry` took over, one key range read each */
  private async enforce (entry: ParkedRecord): Promise<void> {
    if (entry.bytes == null) return
    const b = this.bounds
    while ((this.byAuthorBytes.get(entry.author) ?? 0) > b.perAuthorBytes) {
      if (!(await this.evictFirst(this.state.parkedByAuthor, entry.author + SEP, 'author'))) break
    }
    while (entry.peer != null && (this.byPeerBytes.get(entry.peer) ?? 0) > b.perPeerBytes) {
      if (!(await this.evictFirst(this.state.parkedByPeer, entry.peer + SEP, 'peer'))) break
    }
    while (this.heldBytes > b.maxBytes || this.entries > b.maxRecords) {
      if (!(await this.evictFirst(this.state.parkedByAge, '', 'lot'))) break
    }
  }

  private async evictFirst (sub: StateSublevel, prefix: string, bound: string): Promise<boolean> {
    let victim: string | undefined
    for await (const key of sub.keys({ gt: prefix, lt: prefix + END, limit: 1 })) victim = key.slice(key.lastIndexOf(SEP) + 1)
    if (victim == null) return false
    const old = await this.get(victim)
    if (old == null) return false
    const batch = this.state.db.batch()
    this.unlink(batch, old)
    batch.del(victim, { sublevel: this.state.parked })
    await batch.write()
    this.account(old, -1)
    this.mark(victim, old.deps, -1)
    this.log.warn({ cid: victim, author: old.author, peer: old.peer, bound }, 'parking bound reached: evicted the oldest waiting record; sync will offer it again')
    return true
  }
}

/** Deleted bytes, past a quarter of the lot's bound since the last compaction, start one in the background */
const COMPACT_AFTER_FRACTION = 0.25

/** FNV-1a over a key's characters (record CIDs share their first characters; the hash covers them all) */
function cidHash (cid: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < cid.length; i++) h = Math.imul(h ^ cid.charCodeAt(i), 0x01000193)
  return h >>> 0
}

function bump<K> (map: Map<K, number>, key: K, by: number): void {
  const v = (map.get(key) ?? 0) + by
  if (v <= 0) map.delete(key)
  else map.set(key, v)
}
