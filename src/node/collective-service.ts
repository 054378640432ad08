/**
 * CollectiveService: the node's part in its collectives. It
 * - decides, for RecordService, whether a record naming a collective is taken now, parked until what it depends on
 *   arrives (its charter, a parent, a membership), or refused (AdmissionPolicy);
 * - keeps each joined collective's membership, computed from the records held (a pure function of the set);
 * - subscribes to each collective's gossip topic with the one door as validator, publishes the records this node
 *   takes in from its own users, and reconciles history with peers over the sync protocol;
 * - creates collectives, invites, joins, admits and removes members.
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import { computeMembership, checkCollectiveRecord } from '../collectives/index.ts'
import type { Membership } from '../collectives/index.ts'
import { InvalidRequestError, NotFoundError, isAtelierError } from '../errors.ts'
import { validateRecord } from '../records/index.ts'
import type {
  AssetSubject, AttestationSubject, CharterSubject, GrantSubject, LicenseSubject, RecordCrypto, RevocationSubject, ValidRecord
} from '../records/types.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { PeerKeeper } from '../net/peers.ts'
import { decodeInvite, encodeInvite } from './invite.ts'
import { memberDependency, recordDependency } from './parking.ts'
import type { Admission, AdmissionPolicy, RecordEvent, RecordService, RecordSource } from './record-service.ts'
import type { NodeState } from './state.ts'

/** What the service needs of gossip (src/net/gossip GossipChannel) */
export interface GossipPort {
  join(collective: string, validate: (data: Uint8Array) => Promise<'accept' | 'reject' | 'ignore'>): void
  leave(collective: string): void
  publish(collective: string, data: Uint8Array): Promise<unknown>
}

/** What the service needs of history sync (src/net/sync) */
export interface SyncPort {
  syncWith(peerId: string, scope: string, options?: { signal?: AbortSignal }): Promise<unknown>
}

export interface CollectiveServiceComponents {
  records: RecordService
  index: RecordIndexApi
  store: Pick<ContentStore, 'getRecord'>
  state: NodeState
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
  /** fetch and pin an asset's content from peers (full replication) */
  replicate?: (contentCid: string) => Promise<void>
}

export interface CollectiveServiceInit {
  /** how often every joined collective is reconciled with every connected peer. @default 30000 */
  syncIntervalMs?: number
  /** default lifetime of an invite. @default 604800000 (7 days) */
  inviteTtlMs?: number
}

const DEFAULT_SYNC_INTERVAL_MS = 30_000
const DEFAULT_INVITE_TTL_MS = 7 * 24 * 3600 * 1000
/** Page size when reading a collective's records from the index */
const PAGE = 1000
/** Sources whose records this node publishes on gossip (gossip and sync records are already spread) */
const PUBLISHED_SOURCES: ReadonlySet<RecordSource> = new Set(['local', 'http', 'import', 'parked'])

/** A collective this node takes part in, as persisted */
export interface JoinedCollective {
  id: string
  joinedAt: number
}

interface Loaded {
  charter: ValidRecord<'charter'>
  memberships: Map<string, ValidRecord>
  membership: Membership
}

export interface CollectiveSummary {
  id: string
  name: string
  description?: string
  admins: string[]
  policy: 'quorum' | 'invite'
  quorum: number
  replication: 'full' | 'none'
  members: string[]
  joined: boolean
  /** whether this node's creator is a member now */
  member: boolean
}

export class CollectiveService implements AdmissionPolicy {
  private readonly c: CollectiveServiceComponents
  private readonly log: Logger
  private readonly syncIntervalMs: number
  private readonly inviteTtlMs: number
  private readonly joined = new Map<string, JoinedCollective>()
  private readonly loaded = new Map<string, Promise<Loaded | undefined>>()
  private timer?: NodeJS.Timeout
  private readonly onRecord = (e: RecordEvent): void => { this.recordIndexed(e) }
  // the dialling side reconciles on connect; both sides starting at once would move every record twice
  private readonly onPeer = (peerId: string, { outbound }: { outbound: boolean }): void => { if (outbound) this.syncPeer(peerId) }
  /** sessions in flight by peer and scope, so concurrent triggers share one */
  private readonly syncing = new Map<string, Promise<unknown>>()

  constructor (components: CollectiveServiceComponents, init: CollectiveServiceInit = {}) {
    this.c = components
    this.log = components.logger.child({ component: 'collectives' })
    this.syncIntervalMs = init.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS
    this.inviteTtlMs = init.inviteTtlMs ?? DEFAULT_INVITE_TTL_MS
  }

  async start (): Promise<void> {
    for (const [, j] of await this.c.state.allJson<JoinedCollective>(this.c.state.collectives)) {
      this.joined.set(j.id, j)
      this.subscribe(j.id)
    }
    this.c.records.on('record', this.onRecord)
    this.c.peers.on('connected', this.onPeer)
    this.timer = setInterval(() => { this.syncAll() }, this.syncIntervalMs)
    this.timer.unref()
    if (this.joined.size > 0) this.log.info({ collectives: [...this.joined.keys()] }, 'taking part in collectives')
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.c.records.off('record', this.onRecord)
    this.c.peers.off('connected', this.onPeer)
    for (const id of this.joined.keys()) this.c.gossip?.leave(id)
  }

  /** Forget the memberships read from the index (it was rebuilt); each is read again when next needed */
  reset (): void { this.loaded.clear() }

  /** The collectives this node takes part in */
  joinedIds (): string[] { return [...this.joined.keys()] }

  // ---- admission: the rules the one door applies to records naming a collective ----

  async admit (record: ValidRecord, source: RecordSource): Promise<Admission> {
    if (record.kind === 'charter' || record.collective == null) return { verdict: 'accept' }
    const collective = record.collective
    const missing = await this.missingRecords(record)
    if (missing.length > 0) {
      return { verdict: 'park', deps: missing.map(recordDependency), reason: `waiting for ${missing.join(', ')}` }
    }
    const state = await this.load(collective)
    if (state == null) return { verdict: 'park', deps: [recordDependency(collective)], reason: `charter ${collective} not held` }
    const check = checkCollectiveRecord(state.charter, state.membership, record)
    switch (check.status) {
      case 'ok':
      case 'ineffective':
        return { verdict: 'accept' }
      case 'missing':
        return { verdict: 'park', deps: check.missing.map(recordDependency), reason: check.error.message }
      case 'invalid':
        // a non-member's record may be followed by its admission: park it, unless this node's own user wrote it
        if (check.reason === 'not-member' && source !== 'local') {
          return { verdict: 'park', deps: [memberDependency(collective, record.author)], reason: check.error.message }
        }
        throw check.error
    }
  }

  /** Records a collective record links to that this node does not hold yet (they must come first) */
  private async missingRecords (record: ValidRecord): Promise<string[]> {
    const links: string[] = [record.collective as string]
    const s = record.credential.credentialSubject as any
    switch (record.kind) {
      case 'asset':
        for (const ing of (s as AssetSubject).ingredients ?? []) if (ing.record != null) links.push(ing.record)
        break
      case 'license': links.push((s as LicenseSubject).asset); break
      case 'grant': links.push((s as GrantSubject).license); break
      case 'attestation': links.push((s as AttestationSubject).record); break
      case 'revocation': links.push((s as RevocationSubject).record); break
    }
    const out: string[] = []
    for (const l of new Set(links)) if (l !== record.cid && !(await this.c.index.has(l))) out.push(l)
    return out
  }

  // ---- membership state ----

  /** The charter and membership of a collective, from the records held; undefined when its charter is not held */
  private async load (id: string): Promise<Loaded | undefined> {
    let p = this.loaded.get(id)
    if (p == null) {
      p = this.read(id)
      this.loaded.set(id, p)
      p.then(v => { if (v == null) this.loaded.delete(id) }, () => { this.loaded.delete(id) })
    }
    return await p
  }

  private async read (id: string): Promise<Loaded | undefined> {
    const summary = await this.c.index.get(id)
    if (summary == null || summary.kind !== 'charter') return undefined
    const charter = await this.recordOf(id) as ValidRecord<'charter'>
    const memberships = new Map<string, ValidRecord>()
    let cursor: string | undefined
    do {
      const page = await this.c.index.query({ kind: 'membership', collective: id, limit: PAGE, cursor, order: 'asc' })
      for (const s of page.items) memberships.set(s.cid, await this.recordOf(s.cid))
      cursor = page.cursor ?? undefined
    } while (cursor != null)
    return { charter, memberships, membership: computeMembership(charter, memberships.values()) }
  }

  private async recordOf (cid: string): Promise<ValidRecord> {
    return validateRecord(await this.c.store.getRecord(cid), { crypto: this.c.crypto })
  }

  /** Keep memberships current as records are indexed; release records that waited for them; spread local ones */
  private recordIndexed ({ record, source }: RecordEvent): void {
    const collective = record.kind === 'charter' ? record.cid : record.collective
    if (collective == null) return
    if (record.kind === 'membership') void this.membershipChanged(collective, record)
    if (this.joined.has(collective) && PUBLISHED_SOURCES.has(source)) {
      this.c.gossip?.publish(collective, record.bytes).catch(err => {
        this.log.debug({ err, cid: record.cid }, 'gossip publish failed; sync will carry the record')
      })
    }
    if (record.kind === 'asset' && this.c.replicate != null) void this.maybeReplicate(collective, record as ValidRecord<'asset'>)
  }

  private async membershipChanged (collective: string, record: ValidRecord): Promise<void> {
    try {
      const state = await this.load(collective)
      if (state == null) return
      state.memberships.set(record.cid, record)
      const before = new Set(state.membership.members())
      state.membership = computeMembership(state.charter, state.memberships.values())
      // anyone whose intervals may have changed gets their parked records judged again
      const touched = new Set([...before, ...state.membership.members(), ...state.membership.changes.map(ch => ch.member)])
      for (const did of touched) await this.c.records.release(memberDependency(collective, did))
    } catch (err) {
      this.log.error({ err, collective }, 'failed to update membership')
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

  // ---- gossip and sync ----

  private subscribe (id: string): void {
    this.c.gossip?.join(id, async (data) => {
      try {
        const outcome = await this.c.records.ingest(data, { source: 'gossip' })
        return outcome.status === 'parked' ? 'ignore' : 'accept'
      } catch (err) {
        // bad input is the sender's fault; anything else (busy, stopping) is ours
        return isAtelierError(err) && err.httpStatus >= 400 && err.httpStatus < 500 && err.httpStatus !== 424 ? 'reject' : 'ignore'
      }
    })
  }

  private syncPeer (peerId: string): void {
    for (const id of this.joined.keys()) {
      this.syncOnce(peerId, id).catch(err => {
        this.log.debug({ peer: peerId, collective: id, err: err.message }, 'sync did not complete')
      })
    }
  }

  /** Reconcile one collective with one peer; joins a session already running for the same pair */
  private async syncOnce (peerId: string, id: string, options: { signal?: AbortSignal } = {}): Promise<unknown> {
    const key = `${peerId} ${id}`
    let running = this.syncing.get(key)
    if (running == null) {
      if (this.c.sync == null) return
      running = this.c.sync.syncWith(peerId, id, options).finally(() => { this.syncing.delete(key) })
      this.syncing.set(key, running)
    }
    return await running
  }

  /** Periodic reconciliation: of each pair of peers only one side starts it (sync runs both ways), so rounds are not doubled */
  private syncAll (): void {
    for (const p of this.c.peers.list()) if (p.connected && this.c.localPeerId < p.peerId) this.syncPeer(p.peerId)
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
    if (state.charter.credential.credentialSubject.admission.policy === 'invite') {
      if (!state.membership.isAdmin(this.c.did)) throw new InvalidRequestError(`only an admin of ${id} can issue invites under its 'invite' policy`)
      const expiration = new Date(Date.now() + (options.expiresInMs ?? this.inviteTtlMs)).toISOString()
      const outcome = await this.c.records.issue('membership', { action: 'invite', expiration, ...(options.maxUses != null ? { maxUses: options.maxUses } : {}) }, { collective: id })
      inviteCid = outcome.cid
    }
    const addresses = this.c.addresses()
    if (addresses.length === 0) throw new InvalidRequestError('this node has no libp2p address to put in an invite')
    return { invite: encodeInvite({ collective: id, addresses, ...(inviteCid != null ? { invite: inviteCid } : {}) }), ...(inviteCid != null ? { record: inviteCid } : {}) }
  }

  /** Join with an invite: remember the inviter, subscribe, catch up history, and sign a join where the invite allows */
  async join (text: string, options: { signal?: AbortSignal } = {}): Promise<{ id: string, peers: string[], synced: boolean, joinRecord?: string, member: boolean }> {
    const invite = decodeInvite(text)
    const id = invite.collective
    await this.remember(id)
    const peers: string[] = []
    for (const a of invite.addresses) peers.push(await this.c.peers.add(a, 'invite'))
    let synced: string | undefined
    for (const peer of new Set(peers)) {
      try {
        await this.c.peers.connect(peer)
        await this.syncOnce(peer, id, options)
        synced = peer
        break
      } catch (err: any) {
        this.log.info({ peer, collective: id, err: err.message }, 'could not catch up from the inviter yet; sync will retry')
      }
    }
    let joinRecord: string | undefined
    if (invite.invite != null) {
      const outcome = await this.c.records.issue('membership', { action: 'join', invite: invite.invite }, { collective: id })
      joinRecord = outcome.cid
      // hand the join to the inviter now rather than waiting for gossip's mesh or the next sync round
      if (synced != null) await this.syncOnce(synced, id, options).catch(() => {})
    }
    const state = await this.load(id)
    const member = state?.membership.isMember(this.c.did, Date.now()) ?? false
    this.log.info({ collective: id, synced: synced != null, member }, 'joined collective')
    return { id, peers: [...new Set(peers)], synced: synced != null, ...(joinRecord != null ? { joinRecord } : {}), member }
  }

  /** Sign an admit or remove of `member` (effective once a quorum of admins signed the same change) */
  async changeMember (id: string, action: 'admit' | 'remove', member: string, options: { effectiveFrom?: string, reason?: string } = {}): Promise<{ cid: string, effective: boolean }> {
    const state = await this.require(id)
    if (!state.membership.isAdmin(this.c.did)) throw new InvalidRequestError(`only an admin of ${id} can ${action} members`)
    const effectiveFrom = options.effectiveFrom ?? new Date().toISOString()
    const subject = action === 'admit'
      ? { action, member, effectiveFrom }
      : { action, member, effectiveFrom, ...(options.reason != null ? { reason: options.reason } : {}) }
    const outcome = await this.c.records.issue('membership', subject as any, { collective: id })
    const after = await this.require(id)
    const at = Date.parse(effectiveFrom)
    const effective = action === 'admit' ? after.membership.isMember(member, Math.max(at, Date.now())) : !after.membership.isMember(member, Math.max(at, Date.now()))
    return { cid: outcome.cid, effective }
  }

  /** One collective: charter facts and current members */
  async describe (id: string): Promise<CollectiveSummary & { pending: unknown[], intervals: Record<string, Array<[number, number | null]>> }> {
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
      pending: [...state.membership.pending],
      intervals,
      ...(s.description != null ? { description: s.description } : {})
    }
  }

  /** Every collective this node takes part in, or holds a charter of */
  async list (): Promise<CollectiveSummary[]> {
    const out: CollectiveSummary[] = []
    for (const id of this.joined.keys()) {
      const state = await this.load(id)
      if (state != null) out.push(this.summaryOf(id, state))
      else out.push({ id, name: '(charter not received yet)', admins: [], policy: 'quorum', quorum: 0, replication: 'none', members: [], joined: true, member: false })
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
    return {
      id,
      name: s.name,
      admins: [...s.admins],
      policy: s.admission.policy,
      quorum: s.admission.quorum,
      replication: s.replication ?? 'none',
      members: state.membership.members(Date.now()),
      joined: this.joined.has(id),
      member: state.membership.isMember(this.c.did, Date.now())
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
    this.subscribe(id)
  }
}
