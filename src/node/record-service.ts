/**
 * RecordService: the one door every record goes through, whatever brought it (HTTP, the node's own key,
 * gossip, sync, import): validate → store and index → announce.
 *
 * Records from one peer delivery may come as a group (`ingestMany`, record-group.ts): the same door, its stages run
 * for the group at once.
 *
 * Writes are group-committed (group-commit.ts): each record's body and index entries in one Level batch (the index is
 * the record store; there is no block file to write first), so a record is stored and indexed together or not at all.
 */
import { EventEmitter } from 'node:events'
import { NotReadyError, isAtelierError } from '../errors.ts'
import { checkRecord, issueRecord, recordCidString, signatureMismatch, validateRecord } from '../records/index.ts'
import type { RecordKind, SubjectByKind, ValidRecord } from '../records/types.ts'
import type { Logger } from 'pino'
import type { RecordSummary } from '../index/types.ts'
import { collectiveOf as scopeOf } from '../index/entries.ts'
import { recordDependency } from './parking.ts'
import type { ParkedRecord, ParkingLot } from './parking.ts'
import { GroupCommit } from './group-commit.ts'
import { ingestGroup } from './record-group.ts'
import { ACKNOWLEDGED, settleBatch, writeBatch } from './record-commit.ts'
import type { CommitContext } from './record-commit.ts'
import type { GroupDoor } from './record-group.ts'

/** The prefix of a dependency on a record */
const RECORD_DEP = recordDependency('')

import { OutOfScopeError, outOfScope } from './record-types.ts'
import type { RecordSource, IngestOutcome, Admission, AdmissionPolicy, IngestOptions, Retirement, RecordEvent, RecordServiceEvents, RecordServiceComponents, RecordServiceInit, IssueOptions } from './record-types.ts'
export { OutOfScopeError }
export type { RecordSource, IngestOutcome, Admission, AdmissionPolicy, IngestOptions, Retirement, RecordEvent, RecordServiceEvents, RecordServiceComponents, RecordServiceInit, IssueOptions }


/** Two verdicts that would write the same entry */
function sameVerdict (a: Admission, b: Admission): boolean {
  if (a.verdict !== b.verdict) return false
  if (a.verdict === 'accept' || b.verdict === 'accept') return true
  return a.rule === b.rule && a.deps.join('\n') === b.deps.join('\n')
}

export class RecordService extends EventEmitter<RecordServiceEvents> {
  private readonly components: RecordServiceComponents
  private readonly init: RecordServiceInit
  private readonly log: Logger
  /** records validated and waiting to be written, and the batch being written */
  private readonly commits: GroupCommit
  /** records from peers being taken in, by CID: a copy that arrives meanwhile shares the outcome (bounded by the
   * ingests in flight) */
  private readonly arriving = new Map<string, { run: Promise<IngestOutcome>, scope: string | undefined }>()
  /** releases started by committed batches, not awaited by the flush loop */
  private readonly releasing = new Set<Promise<unknown>>()
  private issuing: Promise<unknown> = Promise.resolve()
  /** serialises batch writes with exclusive work such as a reindex */
  private writeLock: Promise<unknown> = Promise.resolve()
  /** this node's chain head, known after the first issue */
  private ownHead: string | undefined
  private headLoaded = false
  private stopped = false

  constructor (components: RecordServiceComponents, init: RecordServiceInit) {
    super()
    this.components = components
    this.init = init
    this.log = components.logger.child({ component: 'records' })
    const commit: CommitContext = {
      components,
      syncAcknowledged: init.ingest.syncAcknowledged,
      log: this.log,
      counted: (event) => { this.emit('record', event) },
      release: async (dep) => { await this.release(dep) },
      releasing: this.releasing
    }
    this.commits = new GroupCommit({ queueLimit: init.ingest.queueLimit, batchSize: init.ingest.batchSize }, {
      write: async (batch) => await writeBatch(commit, batch),
      settle: async (batch, added) => { await settleBatch(commit, batch, added) },
      exclusive: async (fn) => { await this.exclusive(fn) }
    })
  }

  /** Validate and store a record from any source; resolves once it is stored and indexed (or held, parked), and, for
   * an acknowledged source with `ingest.syncAcknowledged`, synced to disk */
  async ingest (input: Uint8Array | string | object, options: IngestOptions): Promise<IngestOutcome> {
    const outcome = await this.take(input, options)
    if (outcome.status === 'duplicate') this.emit('duplicate', { source: options.source })
    if (this.init.ingest.syncAcknowledged && ACKNOWLEDGED.has(options.source)) {
      // 'added' was written by a synced batch (writeBatch); a duplicate may have been counted by an unsynced gossip
      // batch, and a held record was written to the lot, so those are synced here
      if (outcome.status === 'duplicate') await this.components.index.sync?.()
      else if (outcome.status === 'parked') await this.components.syncParking?.()
    }
    return outcome
  }

  private async take (input: Uint8Array | string | object, options: IngestOptions): Promise<IngestOutcome> {
    if (this.stopped) throw new NotReadyError('the node is shutting down')
    // records from peers are found by the hash of their bytes before any validation: a counted copy (knownCopy),
    // or a copy another delivery is taking in right now, whose outcome this one shares
    if (!(input instanceof Uint8Array) || (options.source !== 'gossip' && options.source !== 'sync') || input.byteLength > this.init.records.maxBytes) {
      return await this.ingestNew(input, options, false)
    }
    const cid = options.cid ?? recordCidString(input, this.components.crypto)
    const arriving = this.arriving.get(cid)
    if (arriving != null && arriving.scope === options.scope) {
      const first = await arriving.run.catch(() => undefined)
      if (first != null) return { cid, status: 'duplicate', get record (): ValidRecord { return first.record } }
      // the first delivery was refused: this one is judged on its own
    }
    const bytes = input
    const run = (async () => (await this.knownCopy(bytes, cid, options)) ?? await this.ingestNew(bytes, options, true))()
    if (arriving == null) {
      const entry = { run, scope: options.scope }
      this.arriving.set(cid, entry)
      const forget = (): void => { if (this.arriving.get(cid) === entry) this.arriving.delete(cid) }
      run.then(forget, forget)
    }
    return await run
  }

  /** The door itself: validate, check scope, judge; `looked`: the index was asked for a counted copy already */
  private async ingestNew (input: Uint8Array | string | object, options: IngestOptions, looked: boolean): Promise<IngestOutcome> {
    let record: ValidRecord
    try {
      record = await this.validate(input)
      if (options.scope != null && scopeOf(record) !== options.scope) {
        throw outOfScope(scopeOf(record), options.scope)
      }
    } catch (err: any) {
      this.emit('rejected', { source: options.source, error: err })
      throw err
    }
    const { admission, parking } = this.components
    if (admission == null || parking == null) return await this.commits.enqueue(record, options.source, false)
    // (a copy counted since, by a concurrent delivery, is found by the batch write, which skips it)
    if (!looked && !this.commits.has(record.cid) && await this.components.index.has(record.cid)) {
      return { cid: record.cid, status: 'duplicate', record }
    }
    return await this.judge(record, options, await parking.get(record.cid))
  }

  /**
   * A record the index counts already, found by the hash of its bytes before any parsing or signature work: the
   * bytes are the stored canonical bytes, so equal hashes are the same validated record. Several peers offering one
   * record at once (a partition healing, a gossip mesh) then cost a hash and a lookup each, not a validation.
   */
  private async knownCopy (bytes: Uint8Array, cid: string, options: IngestOptions): Promise<IngestOutcome | undefined> {
    if (this.commits.has(cid)) return undefined
    return this.countedCopy(bytes, cid, await this.components.index.get(cid), options.scope)
  }

  /** The outcome of a copy of a counted record (`summary`), or undefined when none is counted in `scope` */
  private countedCopy (bytes: Uint8Array, cid: string, summary: RecordSummary | undefined, scope: string | undefined): IngestOutcome | undefined {
    if (summary == null) return undefined
    // out of scope is the sender's fault whoever holds the record: the full path refuses it
    if (scope != null && scopeOf(summary) !== scope) return undefined
    const crypto = this.components.crypto
    const maxBytes = this.init.records.maxBytes
    let parsed: ValidRecord | undefined
    return {
      cid,
      status: 'duplicate',
      // parsed only if a caller looks (gossip and sync read the status alone); validated when it was stored
      get record (): ValidRecord { return (parsed ??= checkRecord(bytes, { crypto, maxBytes }).record) }
    }
  }

  /**
   * The door for a group of records one peer delivered (a sync session hands them over a group at a time): what
   * `ingest` does to each, with the stages that can serve the group at once doing so (one index read for the copies
   * counted already, one validation request, the admission verdicts, one queueing for the group commit), so a record
   * costs no chain of promises of its own. Each record is answered in place, with its outcome or its error.
   */
  async ingestMany (items: Array<{ bytes: Uint8Array, cid?: string }>, options: IngestOptions): Promise<Array<IngestOutcome | Error>> {
    if (this.stopped) throw new NotReadyError('the node is shutting down')
    return await ingestGroup(this.groupDoor(), items, options)
  }

  /** What the group door needs of this service */
  private groupDoor (): GroupDoor {
    return {
      components: this.components,
      commits: this.commits,
      arriving: this.arriving,
      maxBytes: this.init.records.maxBytes,
      ingest: async (bytes, options) => await this.ingest(bytes, options),
      countedCopy: (bytes, cid, summary, scope) => this.countedCopy(bytes, cid, summary, scope),
      validate: async (bytes) => await this.validate(bytes),
      judge: async (record, options, held) => await this.judge(record, options, held),
      emit: (event, value) => { (this.emit as (e: string, v: unknown) => boolean)(event, value) }
    }
  }

  /**
   * Ask the admission policy and act on its verdict. A held record (`held`) is judged again whenever it comes by:
   * a repeat delivery, a released dependency, the start-up sweep.
   */
  private async judge (record: ValidRecord, options: IngestOptions, held: ParkedRecord | undefined): Promise<IngestOutcome> {
    const admission = this.components.admission as AdmissionPolicy
    const parking = this.components.parking as ParkingLot
    let verdict: Admission
    try {
      verdict = await admission.admit(record, options.source)
      // what it waits for is being taken in right now (a license overtaking its asset inside one sync batch):
      // judged again once that settles, rather than held and released a moment later (5 lot writes and a second
      // validation). Only a new delivery waits: a held record is re-judged by the release of what it waits for,
      // whose ingest awaits that release, so its waiting would be a cycle; a new delivery is awaited by nothing
      // that it waits for, since links name CIDs.
      const settling = verdict.verdict === 'park' && held == null && options.source !== 'parked' ? this.settling(verdict.deps) : undefined
      if (settling != null) {
        await settling
        verdict = await admission.admit(record, options.source)
      }
    } catch (err: any) {
      // refused for good: a held copy goes too, with its stored body
      if (held != null && isAtelierError(err) && err.httpStatus < 500) await this.dropHeld(record)
      this.emit('rejected', { source: options.source, error: err })
      throw err
    }
    if (verdict.verdict === 'accept') return await this.commits.enqueue(record, options.source, held != null)
    if (verdict.verdict === 'outside' && !verdict.keep) {
      if (held != null) await this.dropHeld(record)
      this.emit('rejected', { source: options.source, error: verdict.error })
      throw verdict.error
    }
    // A dependency committed between a verdict and its write released nothing (the entry was not there yet):
    // judge once more after each write, and write again while the verdict moves, so no record waits for something
    // already counted or keeps a reason that no longer holds
    let current: Admission = verdict
    const keepBytes = held == null || held.bytes != null || !(await this.isStored(record.cid))
    for (let round = 0; round < 4 && current.verdict !== 'accept'; round++) {
      if (current.verdict === 'outside' && !current.keep) {
        await this.dropHeld(record)
        throw current.error
      }
      await parking.park(record, {
        status: current.verdict === 'park' ? 'waiting' : 'outside',
        deps: current.deps,
        reason: current.reason,
        rule: current.rule,
        source: options.source,
        ...(options.peer != null ? { peer: options.peer } : {}),
        keepBytes
      })
      this.emit('held', { record, rule: current.rule })
      let again: Admission
      try {
        again = await admission.admit(record, options.source)
      } catch (err: any) {
        if (!isAtelierError(err) || err.httpStatus >= 500) {
          this.log.debug({ err, cid: record.cid }, 'judging again after holding failed; the start-up sweep will')
          break
        }
        // refused for good now that what it named arrived
        await this.dropHeld(record)
        this.emit('rejected', { source: options.source, error: err })
        throw err
      }
      if (sameVerdict(again, current)) break
      current = again
    }
    if (current.verdict === 'accept') return await this.commits.enqueue(record, options.source, true)
    // what names this record may now be refused for good (a stranger's revocation of it): judge those again
    await this.release(recordDependency(record.cid))
    this.emit('parked', { record, source: options.source, reason: current.reason })
    return { cid: record.cid, status: 'parked', record, reason: current.reason, rule: current.rule }
  }

  /**
   * Resolves once every record `deps` names has settled (counted, held or refused), when each is being taken in
   * by this service right now; undefined when any is not (then waiting would not free the record)
   */
  private settling (deps: string[]): Promise<unknown> | undefined {
    const waits: Array<Promise<unknown>> = []
    for (const dep of deps) {
      const cid = dep.startsWith(RECORD_DEP) ? dep.slice(RECORD_DEP.length) : undefined
      if (cid == null) return undefined
      const arriving = this.arriving.get(cid)
      const written = arriving == null ? this.commits.written(cid) : undefined
      if (arriving != null) waits.push(arriving.run.catch(() => {}))
      else if (written != null) waits.push(written)
      else return undefined
    }
    return waits.length > 0 ? Promise.all(waits) : undefined
  }

  /** Judge again the records held for `dep` (a record CID, a membership); called when it moves */
  async release (dep: string): Promise<void> {
    const parking = this.components.parking
    if (parking == null || this.stopped) return
    for (const entry of await parking.waitingOn(dep)) await this.rejudge(entry)
  }

  /** Judge one held record again; its entry is replaced, dropped or kept by the verdict, never lost on an error */
  async rejudge (entry: ParkedRecord): Promise<void> {
    try {
      const bytes = entry.bytes != null ? Buffer.from(entry.bytes, 'base64') : await this.components.store.getRecord(entry.cid)
      const record = await this.validate(bytes)
      if (await this.components.index.has(record.cid) && !this.commits.has(record.cid)) {
        // counted and held at once (a crash between the two writes): the verdict decides which one stays
        const verdict = await (this.components.admission as AdmissionPolicy).admit(record, 'parked').catch(() => undefined)
        if (verdict?.verdict === 'accept') { await this.components.parking?.drop([record.cid]); return }
        await this.components.index.remove([record])
        this.emit('retired', { record, reason: entry.reason })
      }
      await this.judge(record, { source: 'parked' }, entry)
    } catch (err: any) {
      this.log.info({ cid: entry.cid, code: err.code, msg: err.message }, 'held record not counted on re-judging')
    }
  }

  /** Drop a held record refused for good, entry then stored body; what it gave standing to is judged again by
   * whoever listens */
  private async dropHeld (record: ValidRecord): Promise<void> {
    await (this.components.parking as ParkingLot).drop([record.cid])
    await this.components.index.dropHeld([record.cid])
    this.emit('dropped', { record })
  }

  private async isStored (cid: string): Promise<boolean> {
    try { await this.components.store.getRecord(cid); return true } catch { return false }
  }

  /** Judge every held record again: at start-up, so nothing waits for a dependency that arrived before a crash */
  async sweep (): Promise<{ judged: number, ms: number }> {
    const parking = this.components.parking
    if (parking == null) return { judged: 0, ms: 0 }
    const started = Date.now()
    const entries: ParkedRecord[] = []
    for await (const e of parking.all()) entries.push({ ...e, bytes: e.bytes })
    for (const e of entries) await this.rejudge(e)
    return { judged: entries.length, ms: Date.now() - started }
  }

  /**
   * Take counted records out of the index because the view no longer counts them. Each is held in the lot first,
   * then taken out of the index, whose batch keeps its body as a held body; so a crash between the two leaves it
   * counted and held, which the start-up sweep resolves; never neither.
   */
  async retire (items: Retirement[]): Promise<void> {
    const parking = this.components.parking
    if (parking == null || items.length === 0) return
    await this.exclusive(async () => {
      await parking.parkMany(items.map(it => ({
        record: it.record,
        options: { status: it.status, deps: it.deps, reason: it.reason, rule: it.rule, source: 'retired', keepBytes: false }
      })))
      await this.components.index.remove(items.map(it => it.record))
    })
    const rules: Record<string, number> = {}
    for (const it of items) {
      rules[it.rule] = (rules[it.rule] ?? 0) + 1
      this.log.debug({ cid: it.record.cid, rule: it.rule, reason: it.reason }, 'record retired: the view no longer counts it')
      this.emit('retired', { record: it.record, reason: it.reason })
    }
    this.log.info({ records: items.length, rules }, 'records retired: the view no longer counts them')
  }

  /** The full validation, with the signature checked on the verifier when there is one */
  private async validate (input: Uint8Array | string | object): Promise<ValidRecord> {
    const options = { crypto: this.components.crypto, maxBytes: this.init.records.maxBytes }
    const verifier = this.components.verifier
    if (verifier == null) return validateRecord(input, options)
    if (input instanceof Uint8Array && verifier.validate != null) return await verifier.validate(input)
    const { record, signature } = checkRecord(input, options)
    if (!(await verifier.verify(signature.signature, signature.data, signature.publicKey))) {
      throw signatureMismatch(signature.verificationMethod)
    }
    return record
  }

  /** Sign a new record with the node's creator key, chained to its previous record, and ingest it */
  async issue<K extends RecordKind> (kind: K, subject: SubjectByKind[K], options: IssueOptions = {}): Promise<IngestOutcome> {
    // Issues are serialised so each record's `previous` is the one issued just before it
    const run = this.issuing.then(async () => {
      if (!this.headLoaded) {
        this.ownHead = await this.components.index.head(this.components.signer.did)
        this.headLoaded = true
      }
      const record = issueRecord(kind, subject, {
        signer: this.components.signer,
        crypto: this.components.crypto,
        previous: this.ownHead,
        collective: options.collective,
        ...(options.validFrom != null ? { validFrom: options.validFrom } : {})
      })
      // a record issued here must pass the same door as any other
      const outcome = await this.ingest(record.bytes, { source: 'local' })
      this.ownHead = outcome.cid
      return outcome
    })
    this.issuing = run.catch(() => {})
    return await run
  }

  /** Records validated and waiting to be written, and those being written now (the metric atelier_ingest_queue_depth) */
  get queueDepth (): number { return this.commits.depth }

  /** Run `fn` with no batch being written meanwhile (ingests keep queueing and are written after) */
  async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.writeLock.then(fn)
    this.writeLock = run.catch(() => {})
    return await run
  }

  /** Wait for queued writes, then refuse new ones */
  async stop (): Promise<void> {
    await this.idle()
    this.stopped = true
    await this.commits.drained()
  }

  /** Resolves once nothing is queued, written or released (what a release brings in is waited for too) */
  async idle (): Promise<void> {
    while (this.commits.busy || this.releasing.size > 0) {
      await this.commits.drained()
      await Promise.all([...this.releasing])
    }
  }
}
