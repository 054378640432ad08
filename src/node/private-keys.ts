/**
 * PrivateKeys: the node's epoch keys of its private collectives (protocols/private-collectives.md §6), and the
 * EpochKeySource content encryption reads them through (src/private/epoch-source.ts).
 *
 * The epochs are computeEpochs over the collective's membership and held key records (a pure function); this
 * service keeps the result per collective, opens the wraps addressed to this node's creator, and, when the creator
 * is an admin and an admission, a removal or the charter has no epoch yet, issues the key records that start one.
 * Two admins doing that at once is harmless: the smaller CID wins the epoch number and the other node sees the
 * cause covered. Everything kept in memory is rebuilt from the records at start, so a restart changes nothing.
 */
import type { Logger } from 'pino'
import { InvalidRequestError, NotFoundError } from '../errors.ts'
import { nativeCrypto } from '../identity/ed25519-native.ts'
import { validateRecord } from '../records/index.ts'
import type { RecordCrypto, ValidRecord } from '../records/types.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { ContentStore } from '../store/types.ts'
import { computeEpochs, epochSubjects, pendingCause } from '../private/epochs.ts'
import type { Epochs } from '../private/epochs.ts'
import { newEpochKey, unwrapEpochKeyWith } from '../private/epoch-keys.ts'
import type { EpochKeySource } from '../private/epoch-source.ts'
import { fromKeyWrap } from '../private/key-wraps.ts'
import type { CollectiveState } from './membership-directory.ts'
import { EpochTimers, nextChangeAt } from './epoch-timers.ts'
import type { RecordEvent, RecordService } from './record-service.ts'

export interface PrivateKeysComponents {
  records: Pick<RecordService, 'issue' | 'on' | 'off'>
  index: Pick<RecordIndexApi, 'query'>
  store: Pick<ContentStore, 'getRecord'>
  /** the collective's charter and membership (MembershipDirectory.load) */
  load: (collective: string) => Promise<CollectiveState | undefined>
  crypto: RecordCrypto
  /** this node's creator */
  did: string
  /** its X25519 secret (Identity.encryptionSecret) */
  encryptionSecret: Uint8Array
  /** the collectives this node takes part in */
  joined: () => string[]
  logger: Logger
  /** epoch ms. @default Date.now */
  clock?: () => number
}

/** One epoch as `atelier collective keys` shows it */
export interface EpochAudit {
  epoch: number
  reason: string
  cause: string
  /** when the cause took effect (RFC 3339) */
  at: string
  /** when the key records were signed (RFC 3339) */
  issuedAt: string
  issuer: string
  /** the members wrapped, sorted */
  holders: string[]
  records: string[]
  /** whether this node's creator holds it */
  held: boolean
}

export interface KeysAudit {
  collective: string
  private: boolean
  current?: number
  epochs: EpochAudit[]
  /** key records that do not count, and why */
  ignored: Array<{ cid: string, issue: string }>
}

/** What the node knows of one collective */
interface Known {
  private: boolean
  keyRecords: Map<string, ValidRecord>
  epochs?: Epochs
  /** opened epoch keys, by epoch number, with the part-0 CID they came from (a winner may change) */
  keys: Map<number, { from: string, key: Uint8Array }>
}

const PAGE = 1000
/** Coalesces the record events of one burst (a sync session) into one computation */
const REFRESH_DELAY_MS = 50
const ISO = (ms: number): string => new Date(ms).toISOString()

export class PrivateKeys implements EpochKeySource {
  private readonly c: PrivateKeysComponents
  private readonly log: Logger
  private readonly known = new Map<string, Known>()
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>()
  private chain: Promise<void> = Promise.resolve()
  private stopped = false
  private readonly onRecord = ({ record }: RecordEvent): void => { this.recordIndexed(record) }
  /** wake a collective when an admission or removal dated ahead of the clock takes effect (epoch-timers.ts) */
  private readonly changeTimers: EpochTimers

  constructor (components: PrivateKeysComponents) {
    this.c = components
    this.log = components.logger.child({ component: 'private-keys' })
    this.changeTimers = new EpochTimers({
      clock: () => this.now(),
      wake: (collective) => {
        this.refresh(collective).catch(err => { this.log.warn({ err, collective }, 'could not start the epoch of a change that took effect') })
      }
    })
  }

  async start (): Promise<void> {
    this.c.records.on('record', this.onRecord)
    for (const id of this.c.joined()) await this.refresh(id)
  }

  async stop (): Promise<void> {
    this.stopped = true
    this.c.records.off('record', this.onRecord)
    this.changeTimers.stop()
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    await this.chain
  }

  /** Wait until every scheduled computation ran (tests, audit) */
  async idle (): Promise<void> {
    while (this.timers.size > 0) await new Promise(resolve => setTimeout(resolve, REFRESH_DELAY_MS))
    await this.chain
  }

  // ---- EpochKeySource ----

  isPrivate (collective: string): boolean { return this.known.get(collective)?.private ?? false }

  /** The private collectives this node keeps keys of (the gateway hides their records from strangers) */
  privateCollectives (): string[] { return [...this.known].filter(([, k]) => k.private).map(([id]) => id) }

  current (collective: string): { epoch: number, key: Uint8Array } | undefined {
    const k = this.known.get(collective)
    const epoch = k?.epochs?.current?.epoch
    if (k == null || epoch == null) return undefined
    const key = this.key(collective, epoch)
    return key == null ? undefined : { epoch, key }
  }

  key (collective: string, epoch: number): Uint8Array | undefined {
    return this.known.get(collective)?.keys.get(epoch)?.key
  }

  /** The members the current epoch is wrapped to (every admission and removal starts an epoch): the members now */
  holders (collective: string): readonly string[] {
    return this.known.get(collective)?.epochs?.current?.members ?? []
  }

  // ---- operations ----

  /** Start a new epoch now (an admin's rotation); the key records' part 0 CID and the epoch number */
  async rotate (collective: string): Promise<{ epoch: number, records: string[] }> {
    const state = await this.c.load(collective)
    if (state == null) throw new NotFoundError(`collective ${collective} is not known to this node`)
    if (state.charter.credential.credentialSubject.visibility !== 'private') throw new InvalidRequestError(`collective ${collective} is not private: it has no keys to rotate`)
    const now = this.now()
    if (!state.membership.isAdminAt(this.c.did, now)) throw new InvalidRequestError(`only an admin of ${collective} can rotate its key`)
    return await this.serial(async () => {
      const known = await this.compute(collective, state)
      const out = await this.issueEpoch(collective, known, state.membership.members(now), { reason: 'rotation' }, now)
      await this.compute(collective, state)
      return out
    })
  }

  /** The epochs of a collective, who holds each, when and why it started */
  async audit (collective: string): Promise<KeysAudit> {
    await this.idle()
    const state = await this.c.load(collective)
    if (state == null) throw new NotFoundError(`collective ${collective} is not known to this node`)
    const isPrivate = state.charter.credential.credentialSubject.visibility === 'private'
    if (!isPrivate) return { collective, private: false, epochs: [], ignored: [] }
    const known = await this.serial(async () => await this.compute(collective, state))
    const epochs = known.epochs!
    return {
      collective,
      private: true,
      ...(epochs.current != null ? { current: epochs.current.epoch } : {}),
      epochs: epochs.epochs.map(e => ({
        epoch: e.epoch,
        reason: e.reason,
        cause: e.cause,
        at: ISO(e.at),
        issuedAt: ISO(e.issuedAt),
        issuer: e.issuer,
        holders: e.members,
        records: e.records,
        held: known.keys.has(e.epoch)
      })),
      ignored: epochs.ignored
    }
  }

  // ---- internals ----

  private now (): number { return (this.c.clock ?? Date.now)() }

  private recordIndexed (record: ValidRecord): void {
    if (this.stopped) return
    const collective = record.kind === 'charter' ? record.cid : record.collective
    if (collective == null) return
    const known = this.known.get(collective)
    if (record.kind === 'key' && known != null) known.keyRecords.set(record.cid, record)
    if (record.kind === 'charter' || record.kind === 'key' || record.kind === 'membership' || known?.private === true) this.schedule(collective)
  }

  private schedule (collective: string): void {
    if (this.timers.has(collective)) return
    this.timers.set(collective, setTimeout(() => {
      this.timers.delete(collective)
      this.refresh(collective).catch(err => { this.log.warn({ err, collective }, 'could not compute the epochs') })
    }, REFRESH_DELAY_MS))
  }

  private async serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn)
    this.chain = run.then(() => {}, () => {})
    return await run
  }

  /** Compute the epochs again, open this node's wraps, and start an epoch if one is due and this node is an admin */
  async refresh (collective: string): Promise<void> {
    const state = await this.c.load(collective)
    if (state == null) return
    if (state.charter.credential.credentialSubject.visibility !== 'private') {
      this.known.set(collective, { private: false, keyRecords: new Map(), keys: new Map() })
      return
    }
    const mine = state.charter.credential.credentialSubject.admins.includes(this.c.did) || this.c.joined().includes(collective)
    if (!mine) return
    await this.serial(async () => {
      const known = await this.compute(collective, state)
      const now = this.now()
      if (this.stopped) return
      // a change dated ahead of the clock is in the membership already but causes no epoch until its time
      this.changeTimers.set(collective, nextChangeAt(state.membership, now))
      if (!state.membership.isAdminAt(this.c.did, now)) return
      const cause = pendingCause(state.membership, known.epochs!, now)
      if (cause == null) return
      await this.issueEpoch(collective, known, state.membership.members(cause.at), cause, now)
      await this.compute(collective, state)
    })
  }

  private async compute (collective: string, state: CollectiveState): Promise<Known> {
    let known = this.known.get(collective)
    if (known == null || !known.private) {
      known = { private: true, keyRecords: await this.readKeyRecords(collective), keys: new Map() }
      this.known.set(collective, known)
    }
    const epochs = computeEpochs(state.membership, known.keyRecords.values())
    known.epochs = epochs
    for (const e of epochs.epochs) {
      const wrap = e.wraps.get(this.c.did)
      const have = known.keys.get(e.epoch)
      if (have?.from === e.records[0]) continue
      if (wrap == null) { known.keys.delete(e.epoch); continue }
      try {
        known.keys.set(e.epoch, { from: e.records[0]!, key: unwrapEpochKeyWith(collective, e.epoch, fromKeyWrap(wrap), this.c.encryptionSecret) })
      } catch (err) {
        known.keys.delete(e.epoch)
        this.log.warn({ err, collective, epoch: e.epoch }, 'the wrap addressed to this node does not open')
      }
    }
    return known
  }

  private async issueEpoch (collective: string, known: Known, members: string[], cause: { reason: 'charter' | 'admission' | 'removal' | 'rotation', cause?: string }, now: number): Promise<{ epoch: number, records: string[] }> {
    const epoch = known.epochs?.next ?? 0
    const key = newEpochKey()
    const validFrom = new Date(now)
    const records: string[] = []
    const started = performance.now()
    for (const subject of epochSubjects(collective, epoch, key, members, cause)) {
      const outcome = await this.c.records.issue('key', subject, { collective, validFrom })
      known.keyRecords.set(outcome.cid, outcome.record)
      records.push(outcome.cid)
    }
    this.log.info({ collective, epoch, reason: cause.reason, members: members.length, ms: Math.round(performance.now() - started) }, 'started an epoch')
    return { epoch, records }
  }

  private async readKeyRecords (collective: string): Promise<Map<string, ValidRecord>> {
    const out = new Map<string, ValidRecord>()
    let cursor: string | undefined
    do {
      const page = await this.c.index.query({ kind: 'key', collective, limit: PAGE, cursor, order: 'asc' })
      for (const s of page.items) out.set(s.cid, validateRecord(await this.c.store.getRecord(s.cid), { crypto: this.c.crypto }))
      cursor = page.cursor ?? undefined
    } while (cursor != null)
    return out
  }
}

/** The node's PrivateKeys, from the parts atelier-node.ts has at hand */
export function wirePrivateKeys (parts: {
  records: PrivateKeysComponents['records'] & Pick<RecordService, 'on'>
  index: PrivateKeysComponents['index']
  store: PrivateKeysComponents['store']
  collectives: { directory: { load: (id: string) => Promise<CollectiveState | undefined> }, joinedIds: () => string[] }
  identity: { did: string, encryptionSecret: Uint8Array }
  logger: Logger
  clock?: () => number
}): PrivateKeys {
  return new PrivateKeys({
    records: parts.records,
    index: parts.index,
    store: parts.store,
    load: async (id) => await parts.collectives.directory.load(id),
    crypto: nativeCrypto,
    did: parts.identity.did,
    encryptionSecret: parts.identity.encryptionSecret,
    joined: () => parts.collectives.joinedIds(),
    logger: parts.logger,
    ...(parts.clock != null ? { clock: parts.clock } : {})
  })
}
