/**
 * CollectiveService: the node's part in its collectives, composed of
 * - CollectiveAdmission (collective-admission.ts): the rules the one door applies to records naming a collective;
 * - MembershipDirectory (membership-directory.ts): each collective's membership, from the records held;
 * - CollectiveView (collective-view.ts): re-judges what a committed record can change, so what the node counts
 *   is a function of the record set, not of arrival order;
 * - CollectiveNetwork (collective-network.ts): gossip topics, publishing and history sync.
 * This file holds the operations users call (create, invite, join, admit, remove, describe, digest) and full
 * replication of assets.
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type { PendingChange } from '../collectives/index.ts'
import { InvalidRequestError, NotFoundError } from '../errors.ts'
import type { CharterSubject, RecordCrypto, Replication, ValidRecord } from '../records/types.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { PeerKeeper } from '../net/peers.ts'
import { decodeInvite, encodeInvite } from './invite.ts'
import { memberChangeResult, planMemberChange } from './member-change.ts'
import type { MemberChangeOptions, MemberChangeResult } from './member-change.ts'
import { CollectiveAdmission } from './collective-admission.ts'
import { CollectiveNetwork } from './collective-network.ts'
import type { CollectiveNetworkComponents, GossipPort, SyncPort } from './collective-network.ts'
import { CollectiveView } from './collective-view.ts'
import { MembershipDirectory, recompute } from './membership-directory.ts'
import type { CollectiveState } from './membership-directory.ts'
import type { ParkingLot } from './parking.ts'
import type { Admission, AdmissionPolicy, RecordEvent, RecordService, RecordSource } from './record-service.ts'
import type { NodeState } from './state.ts'
import type { SyncProgressView } from './sync-progress.ts'
import { memberStanding } from './member-standing.ts'
import type { MemberStanding } from './member-standing.ts'

export type { GossipPort, SyncPort } from './collective-network.ts'

export interface CollectiveServiceComponents {
  records: RecordService
  index: RecordIndexApi
  store: Pick<ContentStore, 'getRecord'>
  state: NodeState
  parking: ParkingLot
  crypto: RecordCrypto
  logger: Logger
  did: string
  peers: PeerKeeper
  /** this node's libp2p peer id */
  localPeerId: string
  /** this node's libp2p addresses (with /p2p/<id>), for invites */
  addresses: () => string[]
  gossip?: GossipPort
  sync?: SyncPort
  /** a private collective's gossip: sealed out, opened in (private-traffic.ts) */
  traffic?: CollectiveNetworkComponents['traffic']
  /** fetch and pin an asset's content from peers (full replication) */
  replicate?: (contentCid: string) => Promise<void>
  /** told the peers an invite named, so the member exchange (src/net/members) asks them for the other members */
  invited?: (collective: string, peerIds: string[]) => Promise<void>
  /** how the collective's sync sessions are going (in flight and the last one) */
  syncProgress?: (collective: string) => SyncProgressView
  /** the node's clock, epoch ms (admission holds records dated beyond it). @default Date.now */
  clock?: () => number
}

export interface CollectiveServiceInit {
  /** how often every joined collective is reconciled with every connected peer. @default 30000 */
  syncIntervalMs?: number
  /** default lifetime of an invite. @default 604800000 (7 days) */
  inviteTtlMs?: number
  /** how far past the clock a record's validFrom may lie and count now, ms. @default records.clockSkewMs */
  clockSkewMs?: number
}

const DEFAULT_SYNC_INTERVAL_MS = 30_000
const DEFAULT_INVITE_TTL_MS = 7 * 24 * 3600 * 1000
/** Page size when reading a collective's records from the index */
const PAGE = 1000

/** What a join's catch-up from the inviter brought */
export interface CatchUp {
  recordsReceived: number
  recordsAdded: number
  recordsParked: number
  bytesReceived: number
  ms: number
}

/** A collective this node takes part in, as persisted */
export interface JoinedCollective {
  id: string
  joinedAt: number
}

type Loaded = CollectiveState

export interface CollectiveSummary {
  id: string
  name: string
  description?: string
  admins: string[]
  policy: 'quorum' | 'invite'
  quorum: number
  replication: Replication
  members: string[]
  joined: boolean
  /** whether this node's creator is a member now */
  member: boolean
  /** where this node's creator stands: member since, removed (when, by whom), pending admission, not a member */
  standing: MemberStanding
}

export class CollectiveService implements AdmissionPolicy {
  private readonly c: CollectiveServiceComponents
  private readonly log: Logger
  private readonly syncIntervalMs: number
  private readonly inviteTtlMs: number
  private readonly joined = new Map<string, JoinedCollective>()
  readonly directory: MembershipDirectory
  readonly view: CollectiveView
  private readonly admission: CollectiveAdmission
  private readonly network: CollectiveNetwork
  private readonly onRecord = (e: RecordEvent): void => { this.recordIndexed(e) }

  constructor (components: CollectiveServiceComponents, init: CollectiveServiceInit = {}) {
    this.c = components
    this.log = components.logger.child({ component: 'collectives' })
    this.syncIntervalMs = init.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS
    this.inviteTtlMs = init.inviteTtlMs ?? DEFAULT_INVITE_TTL_MS
    const { index, store, parking, crypto, logger, records } = components
    this.directory = new MembershipDirectory({ index, store, parking, crypto, logger })
    this.admission = new CollectiveAdmission({ index, parking, directory: this.directory, ...(components.clock != null ? { clock: components.clock } : {}) },
      init.clockSkewMs != null ? { clockSkewMs: init.clockSkewMs } : {})
    this.view = new CollectiveView({ records, index, parking, directory: this.directory, crypto, logger })
    this.network = new CollectiveNetwork({
      records,
      peers: components.peers,
      logger,
      localPeerId: components.localPeerId,
      joined: (id) => this.joined.has(id),
      joinedIds: () => this.joinedIds(),
      ...(components.gossip != null ? { gossip: components.gossip } : {}),
      ...(components.sync != null ? { sync: components.sync } : {}),
      ...(components.traffic != null ? { traffic: components.traffic } : {})
    })
  }

  async start (): Promise<void> {
    for (const [, j] of await this.c.state.allJson<JoinedCollective>(this.c.state.collectives)) {
      this.joined.set(j.id, j)
      this.network.subscribe(j.id)
    }
    this.c.records.on('record', this.view.onRecord)
    this.c.records.on('dropped', this.view.onDropped)
    this.c.records.on('held', this.view.onHeld)
    this.c.records.on('record', this.onRecord)
    this.network.start(this.syncIntervalMs)
    if (this.joined.size > 0) this.log.info({ collectives: [...this.joined.keys()] }, 'taking part in collectives')
  }

  async stop (): Promise<void> {
    this.network.stop()
    this.c.records.off('record', this.onRecord)
    this.c.records.off('record', this.view.onRecord)
    this.c.records.off('dropped', this.view.onDropped)
    this.c.records.off('held', this.view.onHeld)
    await this.view.idle()
  }

  /** Forget the memberships read from the index (it was rebuilt); each is read again when next needed */
  reset (): void { this.directory.reset() }

  /** The collectives this node takes part in */
  joinedIds (): string[] { return [...this.joined.keys()] }

  /** The door's rules for records naming a collective (RecordService's admission policy) */
  async admit (record: ValidRecord, source: RecordSource): Promise<Admission> {
    return await this.admission.admit(record, source)
  }

  /** Forget cached memberships (after a reindex) and judge every joined collective again */
  async settle (): Promise<void> {
    this.directory.reset()
    for (const id of this.joined.keys()) await this.view.settle(id)
  }

  private load (id: string): Promise<Loaded | undefined> { return this.directory.load(id) }

  private syncOnce (peerId: string, id: string, options: { signal?: AbortSignal } = {}): Promise<unknown> {
    return this.network.syncOnce(peerId, id, options)
  }

  /** Replicate assets; after a membership change, reconcile with peers: they may hold records it lets in */
  private recordIndexed ({ record }: RecordEvent): void {
    const collective = record.collective
    if (collective == null || !this.joined.has(collective)) return
    if (record.kind === 'membership') this.network.syncCollectiveSoon(collective)
    if (record.kind === 'asset' && this.c.replicate != null) {
      this.maybeReplicate(collective, record as ValidRecord<'asset'>).catch(err => { this.log.warn({ err }, 'replication failed') })
    }
  }

  private async maybeReplicate (collective: string, record: ValidRecord<'asset'>): Promise<void> {
    const state = await this.load(collective)
    if (state?.charter.credential.credentialSubject.replication !== 'full' || !this.joined.has(collective)) return
    const content = record.credential.credentialSubject.id.replace(/^ipfs:\/\//, '').split('/')[0]
    try {
      await this.c.replicate?.(content)
      this.log.info({ collective, content }, 'replicated asset content')
    } catch (err) {
      this.log.warn({ err, content }, 'could not replicate asset content yet')
    }
  }

  // ---- operations (HTTP and CLI) ----

  /** Found a collective with this node's creator as (first) admin, and take part in it */
  async create (subject: Omit<CharterSubject, 'admins'> & { admins?: string[] }): Promise<{ id: string, record: ValidRecord }> {
    const admins = subject.admins ?? [this.c.did]
    if (!admins.includes(this.c.did)) admins.unshift(this.c.did)
    const outcome = await this.c.records.issue('charter', { ...subject, admins })
    await this.remember(outcome.cid)
    this.log.info({ collective: outcome.cid, name: subject.name }, 'collective created')
    return { id: outcome.cid, record: outcome.record }
  }

  /** An invite string; under policy 'invite' it carries a fresh admin-signed invite record */
  async invite (id: string, options: { expiresInMs?: number, maxUses?: number } = {}): Promise<{ invite: string, record?: string }> {
    const state = await this.require(id)
    let inviteCid: string | undefined
    const terms = state.membership.termsAt(Date.now())
    if (terms.policy === 'invite') {
      if (!terms.admins.includes(this.c.did)) throw new InvalidRequestError(`only an admin of ${id} can issue invites under its 'invite' policy`)
      const expiration = new Date(Date.now() + (options.expiresInMs ?? this.inviteTtlMs)).toISOString()
      const outcome = await this.c.records.issue('membership', { action: 'invite', expiration, ...(options.maxUses != null ? { maxUses: options.maxUses } : {}) }, { collective: id })
      inviteCid = outcome.cid
    }
    const addresses = this.c.addresses()
    if (addresses.length === 0) throw new InvalidRequestError('this node has no libp2p address to put in an invite')
    return { invite: encodeInvite({ collective: id, addresses, ...(inviteCid != null ? { invite: inviteCid } : {}) }), ...(inviteCid != null ? { record: inviteCid } : {}) }
  }

  /** Join with an invite: remember the inviter, subscribe, catch up history, and sign a join where the invite allows */
  async join (text: string, options: { signal?: AbortSignal } = {}): Promise<{ id: string, peers: string[], synced: boolean, joinRecord?: string, member: boolean, standing: MemberStanding, catchUp?: CatchUp }> {
    const invite = decodeInvite(text)
    const id = invite.collective
    await this.remember(id)
    const peers: string[] = []
    for (const a of invite.addresses) peers.push(await this.c.peers.add(a, 'invite'))
    await this.c.invited?.(id, [...new Set(peers)])
    let synced: string | undefined
    let catchUp: CatchUp | undefined
    for (const peer of new Set(peers)) {
      try {
        await this.c.peers.connect(peer)
        const stats = await this.syncOnce(peer, id, options) as Partial<CatchUp> | undefined
        if (stats?.recordsReceived != null) {
          catchUp = { recordsReceived: stats.recordsReceived, recordsAdded: stats.recordsAdded ?? 0, recordsParked: stats.recordsParked ?? 0, bytesReceived: stats.bytesReceived ?? 0, ms: stats.ms ?? 0 }
        }
        synced = peer
        break
      } catch (err: any) {
        this.log.info({ peer, collective: id, err: err.message }, 'could not catch up from the inviter yet; sync will retry')
      }
    }
    let joined: ValidRecord | undefined
    if (invite.invite != null) {
      const outcome = await this.c.records.issue('membership', { action: 'join', invite: invite.invite }, { collective: id })
      joined = outcome.record
      // hand the join to the inviter now rather than waiting for gossip's mesh or the next sync round
      if (synced != null) await this.syncOnce(synced, id, options).catch(() => {})
    }
    const state = await this.load(id)
    // judged with the join in the set, whether or not the cached membership has caught up with it yet (it said
    // "not a member yet" while every node's member list had the joiner)
    const records = new Map(state?.memberships ?? [])
    if (joined != null) records.set(joined.cid, joined)
    const now = Date.now()
    const standing: MemberStanding = state == null
      ? { status: 'not-member' }
      : memberStanding(joined != null ? recompute(state, [joined]).membership : state.membership, records, this.c.did, now)
    const member = standing.status === 'member'
    this.log.info({ collective: id, synced: synced != null, member }, 'joined collective')
    return { id, peers: [...new Set(peers)], synced: synced != null, ...(joined != null ? { joinRecord: joined.cid } : {}), member, standing, ...(catchUp != null ? { catchUp } : {}) }
  }

  /**
   * Sign an admit or remove of `member` (effective once a quorum of admins signed the same change). Without an
   * explicit effectiveFrom the signature joins the earliest pending change of the same action and member that this
   * admin has not signed, so admins using the defaults agree; `cosign` names that change by one of its records
   * (src/collectives/cosign.ts). Signing a change this admin already signed is refused (AlreadySignedError).
   */
  async changeMember (id: string, action: 'admit' | 'remove', member: string | undefined, options: MemberChangeOptions = {}): Promise<MemberChangeResult> {
    const state = await this.require(id)
    if (!state.membership.isAdminAt(this.c.did, Date.now())) throw new InvalidRequestError(`only an admin of ${id} can ${action} members`)
    const plan = planMemberChange(state.membership, action, member, this.c.did, options, Date.now())
    const effectiveFrom = options.effectiveFrom ?? new Date(plan.effectiveFrom).toISOString()
    const subject = action === 'admit'
      ? { action, member: plan.member, effectiveFrom }
      : { action, member: plan.member, effectiveFrom, ...(options.reason != null ? { reason: options.reason } : {}) }
    const outcome = await this.c.records.issue('membership', subject as any, { collective: id })
    // judged with the new record in the set, whether or not the cached membership has caught up with it yet
    const after = recompute(state, [outcome.record]).membership
    const result = memberChangeResult(after, plan, outcome.cid)
    this.log.info({ collective: id, action, member: plan.member, effectiveFrom, cosigned: result.cosigned, signers: result.signers.length, quorum: result.quorum }, 'membership change signed')
    return result
  }

  /** How catching up a joined collective is going; NotFoundError for one this node did not join */
  async syncProgress (id: string): Promise<SyncProgressView & { id: string, charter: boolean }> {
    if (!this.joined.has(id)) throw new NotFoundError(`this node has not joined collective ${id}`)
    const none: SyncProgressView = { active: 0, recordsReceived: 0, recordsAdded: 0, bytesReceived: 0 }
    return { id, charter: (await this.load(id)) != null, ...(this.c.syncProgress?.(id) ?? none) }
  }

  /** One collective: charter facts, current members, pending changes (with their records and signers), sync */
  async describe (id: string): Promise<CollectiveSummary & { pending: PendingChange[], intervals: Record<string, Array<[number, number | null]>>, sync?: SyncProgressView }> {
    const state = await this.require(id)
    const s = state.charter.credential.credentialSubject
    const members = state.membership.members(Date.now())
    const intervals: Record<string, Array<[number, number | null]>> = {}
    for (const d of new Set([...state.membership.admins, ...state.membership.changes.map(ch => ch.member)])) {
      intervals[d] = state.membership.intervals(d).map(([a, b]) => [a, Number.isFinite(b) ? b : null])
    }
    return {
      ...this.summaryOf(id, state),
      members,
      pending: state.membership.pending.map(p => ({ ...p, signers: [...p.signers], records: [...p.records] })),
      intervals,
      ...(s.description != null ? { description: s.description } : {}),
      ...(this.joined.has(id) && this.c.syncProgress != null ? { sync: this.c.syncProgress(id) } : {})
    }
  }

  /** Every collective this node takes part in, or holds a charter of */
  async list (): Promise<CollectiveSummary[]> {
    const out: CollectiveSummary[] = []
    for (const id of this.joined.keys()) {
      const state = await this.load(id)
      if (state != null) out.push(this.summaryOf(id, state))
      else out.push({ id, name: '(charter not received yet)', admins: [], policy: 'quorum', quorum: 0, replication: 'none', members: [], joined: true, member: false, standing: { status: 'not-member' } })
    }
    return out
  }

  /** Whether `did` was a member of `collective` at `timeMs`; undefined when this node does not hold its charter */
  async isMember (collective: string, did: string, timeMs: number): Promise<boolean | undefined> {
    const state = await this.load(collective)
    return state?.membership.isMember(did, timeMs)
  }

  /** `{ count, digest }` over the sorted CIDs of the records held for a collective (its charter included) */
  async digest (id: string): Promise<{ count: number, digest: string }> {
    const cids: string[] = []
    let cursor: string | undefined
    do {
      const page = await this.c.index.query({ collective: id, limit: PAGE, cursor, order: 'asc' })
      for (const s of page.items) cids.push(s.cid)
      cursor = page.cursor ?? undefined
    } while (cursor != null)
    cids.sort()
    const hash = createHash('sha256')
    for (const c of cids) hash.update(c + '\n')
    return { count: cids.length, digest: hash.digest('hex') }
  }

  private summaryOf (id: string, state: Loaded): CollectiveSummary {
    const s = state.charter.credential.credentialSubject
    // the charter's terms as amended by the proposals passed so far (protocols/governance.md §7)
    const terms = state.membership.termsAt(Date.now())
    return {
      id,
      name: s.name,
      admins: terms.admins,
      policy: terms.policy,
      quorum: terms.quorum,
      replication: typeof s.replication === 'string' ? s.replication : 'none',
      members: state.membership.members(Date.now()),
      joined: this.joined.has(id),
      member: state.membership.isMember(this.c.did, Date.now()),
      standing: memberStanding(state.membership, state.memberships, this.c.did, Date.now())
    }
  }

  private async require (id: string): Promise<Loaded> {
    const state = await this.load(id)
    if (state == null) throw new NotFoundError(`collective ${id}: its charter is not held by this node`)
    return state
  }

  private async remember (id: string): Promise<void> {
    if (this.joined.has(id)) return
    const j: JoinedCollective = { id, joinedAt: Date.now() }
    await this.c.state.collectives.put(id, JSON.stringify(j))
    this.joined.set(id, j)
    this.network.subscribe(id)
  }
}
