/**
 * GovernanceService: the node's part in its collectives' governance (protocols/governance.md). It
 * - issues proposals and votes for the node's creator (HTTP, CLI);
 * - answers tallies, computed by src/governance from the records the membership directory holds, with the node's
 *   clock deciding only whether a proposal is still open;
 * - witnesses votes (§5): a vote on an open proposal of a collective whose member this node's creator is, taken in
 *   before the close by this node's clock, is named in a receipt this node signs, batched, before the close;
 * - announces proposals, votes, receipts and outcomes (at each close) to listeners (SSE).
 * Proposals, votes and receipts are records of their collective: the collective door admits them, gossip and sync
 * carry them, and the collective view re-judges what a passed amendment changes.
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { NotFoundError, InvalidRequestError } from '../errors.ts'
import { ballotIssue, DEFAULT_CHOICES, DEFAULT_CREDITS, InvalidBallotError, ProposalClosedError, WORK_WEIGHT } from '../governance/index.ts'
import type { Tally } from '../governance/index.ts'
import type { ProposalSubject, ValidRecord, VoteSubject } from '../records/types.ts'
import { LIMITS } from '../records/constants.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { MembershipDirectory, CollectiveState } from './membership-directory.ts'
import type { RecordEvent, RecordService } from './record-service.ts'

export interface GovernanceServiceComponents {
  records: Pick<RecordService, 'issue' | 'on' | 'off'>
  index: Pick<RecordIndexApi, 'get'>
  directory: MembershipDirectory
  /** the collectives this node takes part in */
  joinedIds: () => string[]
  did: string
  logger: Logger
  /** @default Date.now */
  clock?: () => number
}

export interface GovernanceServiceInit {
  /** how long votes are gathered before one receipt names them all, ms. @default governance.receiptDelayMs */
  receiptDelayMs?: number
}

/** A tally as the node shows it: open while its clock is before the close */
export type TallyView = Tally & { status: 'open' | 'closed' }

/** What a user asks to propose; the node fills in the defaults of governance.md §1 */
export type ProposalInput = Omit<ProposalSubject, 'method' | 'weighting' | 'turnout' | 'threshold' | 'closes'> & Partial<Pick<ProposalSubject, 'method' | 'weighting' | 'turnout' | 'threshold' | 'closes'>> & {
  /** the window's length from now, ms, when `closes` is not given */
  closesInMs?: number
}

/** A ballot as a user gives it: choices by label or index */
export interface BallotInput {
  choice?: string | number
  approve?: Array<string | number>
  ranking?: Array<string | number>
  allocation?: number[]
  abstain?: boolean
}

/** Defaults of a proposal a user gives only a title and changes for */
export const PROPOSAL_DEFAULTS = Object.freeze({
  method: 'single' as const,
  weighting: 'equal' as const,
  /** half the electorate must vote */
  turnout: Object.freeze({ numerator: 1, denominator: 2 }),
  /** more than half is not expressible as `≥`: a simple majority is `≥ 1/2` of the votes cast, ties are `tied` */
  threshold: Object.freeze({ numerator: 1, denominator: 2 }),
  /** one week */
  closesInMs: 7 * 24 * 3600 * 1000
})

export class GovernanceService extends EventEmitter {
  private readonly c: GovernanceServiceComponents
  private readonly log: Logger
  private readonly clock: () => number
  private readonly receiptDelayMs: number
  /** votes waiting for this node's receipt, by proposal */
  private readonly toWitness = new Map<string, { collective: string, closes: number, votes: Set<string> }>()
  /**
   * Votes this node's receipts name, by proposal, for open proposals only: read from the node's own stored receipts
   * (so a restart does not sign a second receipt for a vote) the first time a collective is seen, then kept current
   * from the receipts this node signs; an entry goes when its proposal closes, so it is bounded by the open ones.
   */
  private readonly witnessed = new Map<string, Set<string>>()
  private readonly witnessedLoaded = new Set<string>()
  private resuming: Promise<void> | undefined
  private flushTimer: NodeJS.Timeout | undefined
  /** outcome timers, by proposal */
  private readonly closeTimers = new Map<string, NodeJS.Timeout>()
  private readonly onRecord = (e: RecordEvent): void => { this.recordIndexed(e) }

  constructor (components: GovernanceServiceComponents, init: GovernanceServiceInit = {}) {
    super()
    this.c = components
    this.log = components.logger.child({ component: 'governance' })
    this.clock = components.clock ?? Date.now
    this.receiptDelayMs = init.receiptDelayMs ?? 1000
  }

  start (): void {
    this.c.records.on('record', this.onRecord)
    this.resuming = this.resume().catch(err => { this.log.warn({ err }, 'could not resume governance after start') })
  }

  async stop (): Promise<void> {
    this.c.records.off('record', this.onRecord)
    await this.resuming
    if (this.flushTimer != null) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    for (const t of this.closeTimers.values()) clearTimeout(t)
    this.closeTimers.clear()
    await this.flush()
  }

  /** Sign a proposal of collective `id` for this node's creator */
  async propose (id: string, input: ProposalInput): Promise<{ id: string, record: ValidRecord }> {
    const state = await this.require(id)
    const now = this.clock()
    if (!state.membership.isMember(this.c.did, now)) throw new InvalidRequestError(`only a member of ${id} can propose`)
    const { closesInMs, ...rest } = input
    const closes = input.closes ?? new Date(now + (closesInMs ?? PROPOSAL_DEFAULTS.closesInMs)).toISOString()
    const subject: ProposalSubject = {
      ...rest,
      method: input.method ?? PROPOSAL_DEFAULTS.method,
      weighting: input.weighting ?? PROPOSAL_DEFAULTS.weighting,
      turnout: input.turnout ?? { ...PROPOSAL_DEFAULTS.turnout },
      threshold: input.threshold ?? { ...PROPOSAL_DEFAULTS.threshold },
      closes
    }
    const outcome = await this.c.records.issue('proposal', subject, { collective: id })
    this.log.info({ collective: id, proposal: outcome.cid, closes }, 'proposal signed')
    return { id: outcome.cid, record: outcome.record }
  }

  /** Sign this node's creator's vote on `proposalCid` */
  async vote (proposalCid: string, input: BallotInput): Promise<{ id: string, record: ValidRecord, tally: TallyView }> {
    const { state, proposal } = await this.proposalState(proposalCid)
    const subject = proposal.credential.credentialSubject
    if (this.clock() >= Date.parse(subject.closes)) {
      throw new ProposalClosedError(`proposal ${proposalCid} closed at ${subject.closes}: a vote now could not be witnessed before the close and would not count`, { details: { proposal: proposalCid, closes: subject.closes } })
    }
    const ballot = ballotOf(proposalCid, input, subject.choices ?? [...DEFAULT_CHOICES])
    const weight = state.governance.tallies.get(proposalCid)?.electorate.find(e => e.did === this.c.did)?.weight ?? 1
    const credits = subject.credits ?? DEFAULT_CREDITS
    const budget = subject.weighting === 'equal' ? credits * weight : Math.floor(credits * weight / WORK_WEIGHT)
    const bad = ballotIssue(subject.method, (subject.choices ?? DEFAULT_CHOICES).length, ballot, budget)
    if (bad !== undefined) throw new InvalidBallotError(`${bad} (proposal ${proposalCid}, method ${subject.method})`, { details: { proposal: proposalCid, method: subject.method } })
    const outcome = await this.c.records.issue('vote', ballot, { collective: proposal.collective as string })
    this.log.info({ proposal: proposalCid, vote: outcome.cid }, 'vote signed')
    return { id: outcome.cid, record: outcome.record, tally: (await this.show(proposalCid)) }
  }

  /** Every proposal of collective `id`, newest close first */
  async list (id: string): Promise<TallyView[]> {
    const state = await this.require(id)
    await this.c.directory.ensureWorks(state)
    return [...state.governance.tallies.values()].map(t => this.view(t)).sort((a, b) => b.closes - a.closes || (a.proposal < b.proposal ? -1 : 1))
  }

  /** One proposal's tally, explained line by line */
  async show (proposalCid: string): Promise<TallyView> {
    const { state } = await this.proposalState(proposalCid)
    await this.c.directory.ensureWorks(state)
    const tally = state.governance.tallies.get(proposalCid)
    if (tally == null) throw new NotFoundError(`proposal ${proposalCid} is not counted by this node yet`)
    return this.view(tally)
  }

  /** The collective defaults in effect now (governance.md §7.3) */
  async defaults (id: string): Promise<ReturnType<CollectiveState['governance']['timeline']['defaultsAt']>> {
    const state = await this.require(id)
    return state.governance.timeline.defaultsAt(this.clock())
  }

  private view (tally: Tally): TallyView {
    return { ...tally, status: this.clock() < tally.closes ? 'open' : 'closed' }
  }

  private async proposalState (proposalCid: string): Promise<{ state: CollectiveState, proposal: ValidRecord<'proposal'> }> {
    const summary = await this.c.index.get(proposalCid)
    if (summary == null || summary.kind !== 'proposal' || summary.collective == null) throw new NotFoundError(`no proposal ${proposalCid} is counted by this node`)
    const state = await this.require(summary.collective)
    const proposal = state.memberships.get(proposalCid) as ValidRecord<'proposal'> | undefined
    if (proposal == null) throw new NotFoundError(`proposal ${proposalCid} is not counted by this node yet`)
    return { state, proposal }
  }

  private async require (id: string): Promise<CollectiveState> {
    const state = await this.c.directory.load(id)
    if (state == null) throw new NotFoundError(`collective ${id}: its charter is not held by this node`)
    return state
  }

  // ---- receipts and announcements ----

  /**
   * What a restart (or a crash) would otherwise forget: the outcome timers of the open proposals held, and the votes
   * on them that arrived while this node's receipt for them was not yet signed (a receipt is signed up to
   * receiptDelayMs after the vote; a crash in between lost it). Both are found again from the stored records.
   */
  private async resume (): Promise<void> {
    const now = this.clock()
    let proposals = 0
    let votes = 0
    for (const collective of this.c.joinedIds()) {
      const state = await this.c.directory.load(collective)
      if (state == null) continue
      const open = new Set<string>()
      for (const record of state.memberships.values()) {
        if (record.kind !== 'proposal') continue
        if (Date.parse((record as ValidRecord<'proposal'>).credential.credentialSubject.closes) <= now) continue
        open.add(record.cid)
        this.scheduleOutcome(record as ValidRecord<'proposal'>)
      }
      if (open.size === 0) continue
      proposals += open.size
      for (const record of state.memberships.values()) {
        if (record.kind !== 'vote' || !open.has((record as ValidRecord<'vote'>).credential.credentialSubject.proposal)) continue
        if (await this.witnessLater(record as ValidRecord<'vote'>)) votes++
      }
    }
    if (proposals > 0) this.log.info({ proposals, votesToWitness: votes }, 'governance resumed: open proposals found again')
  }

  /** The votes this node's own stored receipts name, by proposal (open proposals of `state` only) */
  private loadWitnessed (collective: string, state: CollectiveState): void {
    if (this.witnessedLoaded.has(collective)) return
    this.witnessedLoaded.add(collective)
    const now = this.clock()
    for (const record of state.memberships.values()) {
      if (record.kind !== 'receipt' || record.author !== this.c.did) continue
      const subject = (record as ValidRecord<'receipt'>).credential.credentialSubject
      const proposal = state.memberships.get(subject.proposal) as ValidRecord<'proposal'> | undefined
      if (proposal == null || Date.parse(proposal.credential.credentialSubject.closes) <= now) continue
      this.markWitnessed(subject.proposal, subject.votes)
    }
  }

  private markWitnessed (proposal: string, votes: Iterable<string>): void {
    let set = this.witnessed.get(proposal)
    if (set == null) { set = new Set(); this.witnessed.set(proposal, set) }
    for (const v of votes) set.add(v)
  }

  private recordIndexed ({ record }: RecordEvent): void {
    if (record.collective == null) return
    if (record.kind === 'proposal') {
      this.emit('governance', { type: 'proposal', proposal: record.cid, collective: record.collective, author: record.author })
      this.scheduleOutcome(record as ValidRecord<'proposal'>)
    } else if (record.kind === 'vote') {
      const proposal = (record as ValidRecord<'vote'>).credential.credentialSubject.proposal
      this.emit('governance', { type: 'vote', proposal, vote: record.cid, collective: record.collective, author: record.author })
      this.witnessLater(record as ValidRecord<'vote'>).catch(err => { this.log.warn({ err, vote: record.cid }, 'could not witness a vote') })
    } else if (record.kind === 'receipt') {
      this.emit('governance', { type: 'receipt', proposal: (record as ValidRecord<'receipt'>).credential.credentialSubject.proposal, receipt: record.cid, collective: record.collective, author: record.author })
    }
  }

  /** At the close, announce the outcome (computed then from the records held) */
  private scheduleOutcome (proposal: ValidRecord<'proposal'>): void {
    const closes = Date.parse(proposal.credential.credentialSubject.closes)
    const wait = closes - this.clock()
    // timers are bounded (setTimeout's 24.8-day limit): a longer window announces when the node next sees it
    if (wait < 0 || wait > 2 ** 31 - 1 || this.closeTimers.has(proposal.cid)) return
    const timer = setTimeout(() => {
      this.closeTimers.delete(proposal.cid)
      this.witnessed.delete(proposal.cid)
      this.show(proposal.cid).then(t => {
        this.emit('governance', { type: 'outcome', proposal: proposal.cid, collective: proposal.collective, outcome: t.outcome })
        this.log.info({ proposal: proposal.cid, outcome: t.outcome }, 'proposal closed')
      }, err => { this.log.warn({ err, proposal: proposal.cid }, 'could not tally a closed proposal') })
    }, wait + 1)
    timer.unref()
    this.closeTimers.set(proposal.cid, timer)
  }

  /** Queue `vote` for this node's next receipt; whether it was queued */
  private async witnessLater (vote: ValidRecord<'vote'>): Promise<boolean> {
    const collective = vote.collective as string
    const proposalCid = vote.credential.credentialSubject.proposal
    if (vote.author === this.c.did || this.witnessed.get(proposalCid)?.has(vote.cid) === true || !this.c.joinedIds().includes(collective)) return false
    const state = await this.c.directory.load(collective)
    const proposal = state?.memberships.get(proposalCid) as ValidRecord<'proposal'> | undefined
    if (state == null || proposal == null) return false
    this.loadWitnessed(collective, state)
    if (this.witnessed.get(proposalCid)?.has(vote.cid) === true || this.toWitness.get(proposalCid)?.votes.has(vote.cid) === true) return false
    const closes = Date.parse(proposal.credential.credentialSubject.closes)
    const now = this.clock()
    // only what this node holds before the close, by its own clock, and only as a member (governance.md §5)
    if (now >= closes || !state.membership.isMember(this.c.did, now)) return false
    // the outcome timer, for a proposal that arrived before this node joined or before a restart
    this.scheduleOutcome(proposal)
    let batch = this.toWitness.get(proposalCid)
    if (batch == null) { batch = { collective, closes, votes: new Set() }; this.toWitness.set(proposalCid, batch) }
    batch.votes.add(vote.cid)
    // sign before the close even if the delay would run past it
    const delay = Math.max(0, Math.min(this.receiptDelayMs, closes - now - 1000))
    if (this.flushTimer == null) {
      this.flushTimer = setTimeout(() => { this.flushTimer = undefined; this.flush().catch(err => { this.log.warn({ err }, 'could not sign receipts') }) }, delay)
      this.flushTimer.unref()
    }
    return true
  }

  /** Sign one receipt per proposal for the votes gathered, at most LIMITS.receiptVotes per receipt, before the close */
  private async flush (): Promise<void> {
    const batches = [...this.toWitness]
    this.toWitness.clear()
    for (const [proposal, { collective, closes, votes }] of batches) {
      if (this.clock() >= closes) continue
      const all = [...votes].sort()
      for (let i = 0; i < all.length; i += LIMITS.receiptVotes) {
        const chunk = all.slice(i, i + LIMITS.receiptVotes)
        await this.c.records.issue('receipt', { proposal, votes: chunk }, { collective })
        this.markWitnessed(proposal, chunk)
      }
      this.log.info({ proposal, votes: all.length }, 'votes witnessed')
    }
  }
}

/** A vote subject from a user's ballot: labels become indices */
function ballotOf (proposal: string, input: BallotInput, choices: readonly string[]): VoteSubject {
  const index = (value: string | number): number => {
    if (typeof value === 'number') return value
    const i = choices.indexOf(value)
    if (i >= 0) return i
    if (/^\d+$/.test(value)) return Number(value)
    throw new InvalidBallotError(`"${value}" is not one of the choices: ${choices.join(', ')}`, { details: { proposal, choices: [...choices] } })
  }
  const given = (['choice', 'approve', 'ranking', 'allocation', 'abstain'] as const).filter(k => input[k] !== undefined && input[k] !== false)
  if (given.length !== 1) throw new InvalidBallotError(`give exactly one of choice, approve, ranking, allocation, abstain (got ${given.length})`, { details: { proposal } })
  if (input.choice !== undefined) return { proposal, choice: index(input.choice) }
  if (input.approve !== undefined) return { proposal, approve: [...new Set(input.approve.map(index))] }
  if (input.ranking !== undefined) return { proposal, ranking: input.ranking.map(index) }
  if (input.allocation !== undefined) return { proposal, allocation: [...input.allocation] }
  return { proposal, abstain: true }
}
