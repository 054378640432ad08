/**
 * ParkingLot: records that arrived before what they depend on (a child before its parent, a member's record
 * before its membership) wait here, persisted, and are released when the dependency arrives, never dropped.
 *
 * A dependency is a string key: a record CID (`record:<cid>`) or a membership (`member:<collective>:<did>`).
 * The lot is bounded: past `maxRecords`, the oldest parked record is evicted and logged (sync offers it again later).
 */
import type { Logger } from 'pino'
import type { NodeState } from './state.ts'

export interface ParkedRecord {
  cid: string
  /** record bytes, base64 */
  bytes: string
  deps: string[]
  reason: string
  /** epoch ms when parked */
  at: number
  source: string
}

export interface ParkingLotInit {
  /** @default 100000 */
  maxRecords?: number
}

const DEFAULT_MAX_PARKED = 100_000
/** waiting keys: dependency \0 parked cid */
const SEP = '\u0000'

/** Dependency key of a record CID */
export function recordDependency (cid: string): string { return `record:${cid}` }
/** Dependency key of a member's admission to a collective */
export function memberDependency (collective: string, did: string): string { return `member:${collective}:${did}` }

export class ParkingLot {
  private readonly state: NodeState
  private readonly log: Logger
  private readonly max: number
  private countValue = 0
  private readonly parking = new Set<string>()

  constructor (components: { state: NodeState, logger: Logger }, init: ParkingLotInit = {}) {
    this.state = components.state
    this.log = components.logger.child({ component: 'parking' })
    this.max = init.maxRecords ?? DEFAULT_MAX_PARKED
  }

  /** Count what was parked before a restart */
  async open (): Promise<void> {
    let n = 0
    for await (const _ of this.state.parked.keys()) n++
    this.countValue = n
  }

  get count (): number { return this.countValue }

  async has (cid: string): Promise<boolean> {
    return (await this.state.parked.get(cid)) !== undefined
  }

  /** Park a record until every one of `deps` is released */
  async park (cid: string, bytes: Uint8Array, deps: string[], reason: string, source: string): Promise<void> {
    // the same record may be parked by two deliveries at once: count and write it once
    if (this.parking.has(cid)) return
    this.parking.add(cid)
    try {
      await this.parkOnce(cid, bytes, deps, reason, source)
    } finally {
      this.parking.delete(cid)
    }
  }

  private async parkOnce (cid: string, bytes: Uint8Array, deps: string[], reason: string, source: string): Promise<void> {
    if (await this.has(cid)) return
    const entry: ParkedRecord = { cid, bytes: Buffer.from(bytes).toString('base64'), deps, reason, at: Date.now(), source }
    const batch = this.state.db.batch()
    batch.put(cid, JSON.stringify(entry), { sublevel: this.state.parked })
    for (const d of deps) batch.put(d + SEP + cid, '', { sublevel: this.state.waiting })
    await batch.write()
    this.countValue++
    this.log.debug({ cid, deps, reason }, 'record parked')
    if (this.countValue > this.max) await this.evictOldest()
  }

  /**
   * Records waiting on `dep`, removed from the lot: the caller ingests them again (and they may park again on
   * another dependency still missing).
   */
  async release (dep: string): Promise<ParkedRecord[]> {
    const out: ParkedRecord[] = []
    const batch = this.state.db.batch()
    for await (const key of this.state.waiting.keys({ gt: dep + SEP, lt: dep + SEP + '\uffff' })) {
      const cid = key.slice(dep.length + 1)
      batch.del(key, { sublevel: this.state.waiting })
      const entry = await this.state.getJson<ParkedRecord>(this.state.parked, cid)
      if (entry == null) continue
      for (const d of entry.deps) batch.del(d + SEP + cid, { sublevel: this.state.waiting })
      batch.del(cid, { sublevel: this.state.parked })
      out.push(entry)
    }
    if (out.length > 0 || batch.length > 0) await batch.write()
    this.countValue -= out.length
    return out
  }

  /** The parked records, oldest first (for the API and tests) */
  async list (limit = 100): Promise<ParkedRecord[]> {
    const all = (await this.state.allJson<ParkedRecord>(this.state.parked)).map(([, v]) => v)
    return all.sort((a, b) => a.at - b.at).slice(0, limit)
  }

  private async evictOldest (): Promise<void> {
    const [oldest] = await this.list(1)
    if (oldest == null) return
    const batch = this.state.db.batch()
    batch.del(oldest.cid, { sublevel: this.state.parked })
    for (const d of oldest.deps) batch.del(d + SEP + oldest.cid, { sublevel: this.state.waiting })
    await batch.write()
    this.countValue--
    this.log.warn({ cid: oldest.cid, deps: oldest.deps }, 'parking lot full: evicted the oldest parked record; sync will offer it again')
  }
}
