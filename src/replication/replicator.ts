/**
 * Replicator: keeps this node's share of each `{ copies: k }` collective's works pinned (protocols/collectives.md
 * §Replication). Every round (a timer, and soon after an asset or membership record) it computes each work's
 * holders over the current members that are live in this node's view (holders.ts, liveness.ts), pins the works it
 * holds (fetching their content over bitswap), and lets go of a `replication` pin only once it has not been a
 * holder for `releaseDelayMs`, the work's k holders are all live, and each of them answers that it holds the work
 * (holding.ts): nothing is removed before its replacements are stored. It never touches a pin of another source (an
 * add, a user pin, an import), nor the works of a collective with `replication: full`. Works it does not hold are
 * `releasable`: gc does not keep their content for the records naming them (src/gateway/routes/pins.ts).
 */
import type { Logger } from 'pino'
import { createHash } from 'node:crypto'
import { holdersOf, rankMembers } from './holders.ts'
import { Liveness } from './liveness.ts'
import type { MemberNode } from './liveness.ts'

export interface CollectiveFacts {
  /** the charter's replication: `{ copies }` is handled here; 'full' works are never released */
  replication?: 'full' | 'none' | { copies: number }
  /** current members' dids */
  members: string[]
}

export interface ReplicatorComponents {
  /** this node's creator did */
  self: string
  /** the collectives this node takes part in */
  collectives: () => string[]
  facts: (collective: string) => Promise<CollectiveFacts | undefined>
  /** the content CIDs of the collective's asset records this node holds */
  works: (collective: string) => AsyncIterable<string>
  /** the nodes (peer ids and card times) a member runs, as its member cards say */
  nodesOf: (collective: string, did: string) => MemberNode[]
  /** fetch (bitswap) and pin with source `replication` */
  pin: (cid: string, options: { signal: AbortSignal }) => Promise<void>
  /** which of `works` the member `did` holds, as one of its nodes answers now (holding.ts); absent: none confirmed */
  holds?: (collective: string, did: string, works: string[]) => Promise<Set<string>>
  /** remove a pin (called only for `replication` pins) */
  unpin: (cid: string) => Promise<void>
  pins: () => AsyncIterable<{ cid: string, source?: string }>
  clock: () => number
  logger: Logger
}

export interface ReplicatorInit {
  offlineMs: number
  intervalMs: number
  releaseDelayMs: number
  pinTimeoutMs: number
  /** peers whose last sighting is remembered. @default 10000 */
  maxPeers?: number
  /** member cards the node keeps per collective (config p2p.maxMemberCards): past it, liveness is a partial view */
  maxMemberCards?: number
}

/** One work of a collective as this node sees it (atelier collective health) */
export interface WorkHealth {
  work: string
  /** the first k live members of the work's rendezvous order: who should hold it now */
  holders: string[]
  /** members ranked above the last holder who are offline: their copies are not counted */
  offline: string[]
  /** this node's own copy, when it is a holder */
  self?: 'pinned' | 'fetching' | 'failed' | 'waiting'
}

export interface CollectiveHealth {
  collective: string
  copies: number
  members: number
  live: number
  works: number
  /** works with fewer than k live holders, each with its holders */
  below: WorkHealth[]
  /** more members than the node keeps member cards for (p2p.maxMemberCards): members without a kept card count as
   * offline, and nodes may compute different holders (present only then) */
  partialView?: { members: number, maxMemberCards: number }
}

/**
 * Ranks kept per work beyond k: a round takes the first k live members of the cached prefix and ranks every member
 * again only when fewer than k of the prefix are live or the membership changed. Ranking hashes every member, so
 * ranking every work every round cost works × members hashes (docs/scale-model.md); the cache makes a round
 * works × (k + slack) look-ups.
 */
const RANK_SLACK = 8

/** Quiet time after an asset or membership record before a round, so a burst of records makes one round */
const POKE_DELAY_MS = 500

export class Replicator {
  readonly liveness: Liveness
  private readonly c: ReplicatorComponents
  private readonly init: ReplicatorInit
  private readonly log: Logger
  /** works this node stopped holding, and since when (epoch ms) */
  private readonly releasing = new Map<string, number>()
  private readonly failed = new Set<string>()
  private readonly queue: string[] = []
  private readonly queued = new Set<string>()
  private fetching?: string
  private timer?: NodeJS.Timeout
  private pokeTimer?: NodeJS.Timeout
  private round?: Promise<void>
  private again = false
  private readonly shutdown = new AbortController()
  /** per work: the membership it was ranked over (a digest) and the first k + RANK_SLACK members of its order */
  private readonly ranks = new Map<string, { members: string, top: string[] }>()
  /** works of `{ copies: k }` collectives this node was not a holder of in the last round (and no `full` one has) */
  private notHeld = new Set<string>()
  /** collectives already warned about as larger than the member card cap */
  private readonly warnedPartial = new Set<string>()

  constructor (components: ReplicatorComponents, init: ReplicatorInit) {
    this.c = components
    this.init = init
    this.log = components.logger.child({ component: 'replication' })
    this.liveness = new Liveness({ startedAt: components.clock(), maxPeers: init.maxPeers ?? 10_000 })
  }

  start (): void {
    this.timer = setInterval(() => { this.poke(0) }, this.init.intervalMs)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    clearTimeout(this.pokeTimer)
    this.shutdown.abort()
    this.queue.length = 0
    await this.round?.catch(() => {})
  }

  /** Run a round soon (after an asset or membership record, a member card, a peer gone) */
  poke (delayMs = POKE_DELAY_MS): void {
    if (this.shutdown.signal.aborted) return
    clearTimeout(this.pokeTimer)
    this.pokeTimer = setTimeout(() => { this.runRound().catch(err => { this.log.warn({ err }, 'replication round failed') }) }, delayMs)
    this.pokeTimer.unref()
  }

  /** One round now; a round asked for while one runs runs once more after it */
  async runRound (): Promise<void> {
    if (this.round != null) { this.again = true; return await this.round }
    this.round = this.computeRound().finally(() => { this.round = undefined })
    await this.round
    if (this.again) { this.again = false; await this.runRound() }
  }

  private isLive (collective: string, now: number): (did: string) => boolean {
    return (did) => did === this.c.self || this.liveness.isLive(this.c.nodesOf(collective, did), now, this.init.offlineMs)
  }

  /** The holders of `work`, from its cached rank prefix when that prefix still has k live members */
  private holders (work: string, members: string[], membersKey: string, copies: number, live: (did: string) => boolean): string[] {
    let cached = this.ranks.get(work)
    if (cached == null || cached.members !== membersKey) {
      cached = { members: membersKey, top: rankMembers(work, members).slice(0, copies + RANK_SLACK) }
      this.ranks.set(work, cached)
    }
    const fromPrefix = holdersOf(work, cached.top, copies, live)
    if (fromPrefix.length === copies || cached.top.length === members.length) return fromPrefix
    return holdersOf(work, members, copies, live)
  }

  private async computeRound (): Promise<void> {
    const now = this.c.clock()
    const wanted = new Set<string>()
    const keep = new Set<string>()
    const seen = new Set<string>()
    /** works this node does not hold, and whether all k of their holders are live */
    const others = new Map<string, boolean>()
    /** the same works: per collective naming them, the holders that must confirm their copies before a release */
    const holdersElsewhere = new Map<string, Array<{ collective: string, holders: string[] }>>()
    for (const collective of this.c.collectives()) {
      const facts = await this.c.facts(collective)
      if (facts == null) continue
      const copies = typeof facts.replication === 'object' ? facts.replication.copies : undefined
      const membersKey = membershipDigest(facts.members)
      const partial = copies != null ? this.partialView(facts.members.length) : undefined
      if (partial != null && !this.warnedPartial.has(collective)) {
        this.warnedPartial.add(collective)
        this.log.warn({ collective, ...partial }, 'more members than member cards kept (p2p.maxMemberCards): members without a kept card count as offline, so their works get extra copies and nodes may disagree on holders; raise p2p.maxMemberCards')
      }
      // a collective that keeps no copies contributes nothing below (no pin wanted, kept or released by it): its
      // works are not walked, which every round did before, a page of the index per 1,000 assets
      if (facts.replication !== 'full' && copies == null) continue
      for await (const work of this.c.works(collective)) {
        seen.add(work)
        if (facts.replication === 'full') { keep.add(work); continue }
        if (copies == null) continue
        const holders = this.holders(work, facts.members, membersKey, copies, this.isLive(collective, now))
        if (holders.includes(this.c.self)) wanted.add(work)
        else {
          others.set(work, (others.get(work) ?? true) && holders.length >= Math.min(copies, facts.members.length))
          holdersElsewhere.set(work, [...(holdersElsewhere.get(work) ?? []), { collective, holders }])
        }
      }
    }
    this.notHeld = new Set([...others.keys()].filter(w => !wanted.has(w) && !keep.has(w)))
    const pinned = new Map<string, string | undefined>()
    for await (const p of this.c.pins()) pinned.set(p.cid, p.source)
    for (const work of wanted) {
      this.releasing.delete(work)
      if (!pinned.has(work)) this.enqueue(work)
    }
    const due: string[] = []
    for (const [work, source] of pinned) {
      if (source !== 'replication' || wanted.has(work) || keep.has(work) || !others.has(work)) continue
      const since = this.releasing.get(work) ?? now
      this.releasing.set(work, since)
      if (now - since < this.init.releaseDelayMs || others.get(work) !== true) continue
      due.push(work)
    }
    for (const work of await this.confirmed(due, holdersElsewhere)) {
      if (this.shutdown.signal.aborted) return
      await this.c.unpin(work)
      this.releasing.delete(work)
      this.log.info({ work }, 'no longer a holder, and every holder holds it: released the pin')
    }
    for (const work of this.releasing.keys()) if (!pinned.has(work)) this.releasing.delete(work)
    // bounded by the works the collectives hold now
    for (const work of this.ranks.keys()) if (!seen.has(work)) this.ranks.delete(work)
  }

  /** The works of `due` that every one of their holders says it holds (all of them, without a `holds` component) */
  private async confirmed (due: string[], holdersElsewhere: Map<string, Array<{ collective: string, holders: string[] }>>): Promise<string[]> {
    if (due.length === 0 || this.c.holds == null) return due
    // one question per (collective, holder) for all its due works
    const asks = new Map<string, { collective: string, did: string, works: string[] }>()
    for (const work of due) {
      for (const { collective, holders } of holdersElsewhere.get(work) ?? []) {
        for (const did of holders) {
          const key = `${collective}\n${did}`
          const ask = asks.get(key) ?? { collective, did, works: [] }
          ask.works.push(work)
          asks.set(key, ask)
        }
      }
    }
    const missing = new Set<string>()
    for (const { collective, did, works } of asks.values()) {
      const held = await this.c.holds(collective, did, works)
      for (const w of works) {
        if (held.has(w)) continue
        missing.add(w)
        this.log.debug({ work: w, holder: did }, 'not released: a holder does not hold the work yet')
      }
    }
    return due.filter(w => !missing.has(w))
  }

  /**
   * Whether `work` is a work of a `{ copies: k }` collective this node was not a holder of in its last round: its
   * content needs no keeping for the records naming it (a `replication` pin still keeps it until released)
   */
  releasable (work: string): boolean {
    return this.notHeld.has(work)
  }

  private enqueue (work: string): void {
    if (this.queued.has(work)) return
    this.queued.add(work)
    this.queue.push(work)
    if (this.fetching == null) this.drain().catch(err => { this.log.warn({ err }, 'replication fetch loop failed') })
  }

  /** Fetch one work at a time: each holds a bitswap session, and a node is rarely a holder of many new works at once */
  private async drain (): Promise<void> {
    while (this.queue.length > 0 && !this.shutdown.signal.aborted) {
      const work = this.queue.shift() as string
      this.fetching = work
      try {
        await this.c.pin(work, { signal: AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.init.pinTimeoutMs)]) })
        this.failed.delete(work)
        this.log.info({ work }, 'holder of a work: content fetched and pinned')
      } catch (err: any) {
        this.failed.add(work)
        this.log.info({ work, err: err?.message }, 'holder of a work: could not fetch its content yet; next round tries again')
      } finally {
        this.queued.delete(work)
        this.fetching = undefined
      }
    }
  }

  /** Works of a `{ copies: k }` collective with fewer than k live holders, in this node's view */
  async health (collective: string): Promise<CollectiveHealth | undefined> {
    const facts = await this.c.facts(collective)
    const copies = typeof facts?.replication === 'object' ? facts.replication.copies : undefined
    if (facts == null || copies == null) return undefined
    const now = this.c.clock()
    const live = this.isLive(collective, now)
    const pinned = new Set<string>()
    for await (const p of this.c.pins()) pinned.add(p.cid)
    const below: WorkHealth[] = []
    let works = 0
    const membersKey = membershipDigest(facts.members)
    for await (const work of this.c.works(collective)) {
      works++
      const holders = this.holders(work, facts.members, membersKey, copies, live)
      const ranked = this.ranks.get(work)?.top ?? []
      const last = holders.length > 0 ? ranked.indexOf(holders[holders.length - 1]) : ranked.length - 1
      const offline = (last >= 0 ? ranked.slice(0, last + 1) : ranked).filter(did => !live(did))
      const self = holders.includes(this.c.self) ? this.selfState(work, pinned) : undefined
      if (holders.length < copies || self === 'failed' || self === 'fetching' || self === 'waiting') {
        below.push({ work, holders, offline, ...(self != null ? { self } : {}) })
      }
    }
    const partialView = this.partialView(facts.members.length)
    return { collective, copies, members: facts.members.length, live: facts.members.filter(live).length, works, below, ...(partialView != null ? { partialView } : {}) }
  }

  private partialView (members: number): CollectiveHealth['partialView'] {
    const cap = this.init.maxMemberCards
    return cap != null && members > cap ? { members, maxMemberCards: cap } : undefined
  }

  private selfState (work: string, pinned: Set<string>): WorkHealth['self'] {
    if (pinned.has(work)) return 'pinned'
    if (this.fetching === work) return 'fetching'
    return this.failed.has(work) ? 'failed' : 'waiting'
  }
}

/** A digest of a member set, whatever its order: a cached ranking is reused only for the same set */
function membershipDigest (members: string[]): string {
  const hash = createHash('sha256')
  for (const did of [...members].sort()) hash.update(did + '\n')
  return hash.digest('base64')
}
