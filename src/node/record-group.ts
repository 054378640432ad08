/**
 * The record service's door for a group of records from one peer delivery (RecordService.ingestMany): the stages of
 * `ingest` run for the whole group at once where they can, in the same order and with the same verdicts as the
 * single door.
 *
 * Why: a late joiner takes in a sync session's records a thousand at a time. Through the single door each record
 * went through about twenty async calls (hash lookup, validation, lot, admission, queueing), whose promises and
 * frames were most of the ~38 KB a record the joiner's main thread allocated, and the garbage collector's work that
 * followed. Here a group costs a few promises, and a record only what is its own.
 */
import { outOfScope } from './record-types.ts'
import type { Admission, IngestOptions, IngestOutcome, RecordServiceComponents } from './record-types.ts'
import type { GroupCommit } from './group-commit.ts'
import type { ParkedRecord } from './parking.ts'
import type { RecordSummary } from '../index/types.ts'
import type { ValidRecord } from '../records/types.ts'
import { collectiveOf as scopeOf } from '../index/entries.ts'
import { recordCidString } from '../records/index.ts'
import { NotReadyError } from '../errors.ts'

/** One record of a group, registered as being taken in; `answer` settles it (once: later calls do nothing) */
export interface Arrival {
  cid: string
  bytes: Uint8Array
  answer: (o: IngestOutcome | Error) => void
}

/** What the group door needs of the record service */
export interface GroupDoor {
  components: RecordServiceComponents
  commits: GroupCommit
  /** records from peers being taken in, by CID (the service's: copies arriving meanwhile share the outcome) */
  arriving: Map<string, { run: Promise<IngestOutcome>, scope: string | undefined }>
  /** largest record accepted, bytes */
  maxBytes: number
  /** the single door */
  ingest: (bytes: Uint8Array, options: IngestOptions) => Promise<IngestOutcome>
  /** the outcome of a copy of a counted record, undefined when none is counted in the scope */
  countedCopy: (bytes: Uint8Array, cid: string, summary: RecordSummary | undefined, scope: string | undefined) => IngestOutcome | undefined
  /** the full validation of one record, for a node without a validation pool */
  validate: (bytes: Uint8Array) => Promise<ValidRecord>
  /** the single door's judging of one valid record (admission, lot, queueing), for verdicts other than accept */
  judge: (record: ValidRecord, options: IngestOptions, held: ParkedRecord | undefined) => Promise<IngestOutcome>
  emit: (event: 'rejected' | 'duplicate', value: { source: IngestOptions['source'], error?: Error }) => void
}

/**
 * Take in records one peer delivered as a group, each answered in place with its outcome or its error. A record the
 * group cannot take (too large, or already being taken in by another delivery or earlier in this group) goes through
 * the single door, which refuses it or shares that outcome.
 */
export async function ingestGroup (door: GroupDoor, items: Array<{ bytes: Uint8Array, cid?: string }>, options: IngestOptions): Promise<Array<IngestOutcome | Error>> {
  const out = new Array<IngestOutcome | Error>(items.length)
  const alone: Array<Promise<void>> = []
  const group: Arrival[] = []
  const peers = options.source === 'gossip' || options.source === 'sync'
  for (let i = 0; i < items.length; i++) {
    const { bytes } = items[i]
    const cid = bytes.byteLength > door.maxBytes || !peers ? undefined : items[i].cid ?? recordCidString(bytes, door.components.crypto)
    if (cid == null || door.arriving.has(cid)) {
      alone.push(door.ingest(bytes, { ...options, ...(cid != null ? { cid } : {}) }).then(o => { out[i] = o }, (err: Error) => { out[i] = err }))
      continue
    }
    group.push(arrive(door, i, cid, bytes, options.scope, out))
  }
  try {
    await takeGroup(door, group, options)
  } finally {
    // what an unexpected failure left unanswered is answered with it (a no-op for the answered)
    const failed = new NotReadyError('the group of records was not taken in')
    for (const a of group) a.answer(failed)
  }
  await Promise.all(alone)
  return out
}

/** Register a record of a group as being taken in (so copies arriving meanwhile share its outcome) */
function arrive (door: GroupDoor, i: number, cid: string, bytes: Uint8Array, scope: string | undefined, out: Array<IngestOutcome | Error>): Arrival {
  let settle!: (o: IngestOutcome | Error) => void
  const run = new Promise<IngestOutcome>((resolve, reject) => {
    settle = o => { if (o instanceof Error) reject(o); else resolve(o) }
  })
  run.catch(() => {}) // the group's caller reads the outcome from `out`; waiting copies handle their own
  const entry = { run, scope }
  door.arriving.set(cid, entry)
  let answered = false
  return {
    cid,
    bytes,
    answer: (o) => {
      if (answered) return
      answered = true
      out[i] = o
      if (door.arriving.get(cid) === entry) door.arriving.delete(cid)
      settle(o)
    }
  }
}

/** The full validation of many records' bytes, each answered with its record or its error */
async function validateMany (door: GroupDoor, inputs: Uint8Array[]): Promise<Array<ValidRecord | Error>> {
  const verifier = door.components.verifier
  if (verifier?.validateMany != null) return await verifier.validateMany(inputs)
  return await Promise.all(inputs.map(async bytes => await door.validate(bytes).catch((err: Error) => err)))
}

/**
 * Take in `group` (distinct CIDs, none being taken in elsewhere), answering each record:
 * 1. copies the index counts already, by one read for the group: duplicates, no validation;
 * 2. the rest validated as one request, and checked against the scope;
 * 3. admission verdicts for all; the accepted queued for the group commit together, answered once written;
 * 4. the others (held, parked, refused) judged one by one by the single door, after the accepted are written, so a
 *    record that names one of them (a license overtaking its asset) finds it counted, not held.
 */
async function takeGroup (door: GroupDoor, group: Arrival[], options: IngestOptions): Promise<void> {
  const { components, commits } = door
  const source = options.source
  // refusals are counted as the single door counts them: validation and scope, not a full queue or a failed write
  const answer = (a: Arrival, o: IngestOutcome | Error, refusal = true): void => {
    if (o instanceof Error) { if (refusal) door.emit('rejected', { source, error: o }) }
    else if (o.status === 'duplicate') door.emit('duplicate', { source })
    a.answer(o)
  }

  // 1. counted copies (a record queued or being written meanwhile is validated and merged by the group commit)
  const ask = group.filter(a => !commits.has(a.cid))
  const index = components.index
  const summaries = ask.length === 0
    ? []
    : index.getMany != null ? await index.getMany(ask.map(a => a.cid)) : await Promise.all(ask.map(async a => await index.get(a.cid)))
  const counted = new Set<Arrival>()
  ask.forEach((a, k) => {
    const copy = door.countedCopy(a.bytes, a.cid, summaries[k], options.scope)
    if (copy == null) return
    counted.add(a)
    answer(a, copy)
  })
  const rest = counted.size === 0 ? group : group.filter(a => !counted.has(a))
  if (rest.length === 0) return

  // 2. validation and scope
  const results = await validateMany(door, rest.map(a => a.bytes))
  const valid: Array<{ arrival: Arrival, record: ValidRecord }> = []
  rest.forEach((arrival, k) => {
    const r = results[k]
    if (r instanceof Error) { answer(arrival, r); return }
    if (options.scope != null && scopeOf(r) !== options.scope) {
      answer(arrival, outOfScope(scopeOf(r), options.scope))
      return
    }
    valid.push({ arrival, record: r })
  })
  if (valid.length === 0) return

  // 3. verdicts; the accepted written together
  const { admission, parking } = components
  if (admission == null || parking == null) {
    const outcomes = await commits.enqueueMany(valid.map(v => ({ record: v.record, held: false })), source)
    valid.forEach((v, k) => { answer(v.arrival, outcomes[k], false) })
    return
  }
  const [held, verdicts] = await Promise.all([
    Promise.all(valid.map(async v => await parking.get(v.record.cid))),
    Promise.all(valid.map(async v => await admission.admit(v.record, source).catch((err: Error) => err)))
  ])
  const accepted: number[] = []
  const others: number[] = []
  verdicts.forEach((verdict: Admission | Error, k) => {
    if (!(verdict instanceof Error) && verdict.verdict === 'accept') accepted.push(k)
    else others.push(k)
  })
  if (accepted.length > 0) {
    const outcomes = await commits.enqueueMany(accepted.map(k => ({ record: valid[k].record, held: held[k] != null })), source)
    accepted.forEach((k, j) => { answer(valid[k].arrival, outcomes[j], false) })
  }

  // 4. the rest as the single door judges them (it emits its own refusals)
  await Promise.all(others.map(async k => {
    const { arrival, record } = valid[k]
    try {
      const o = await door.judge(record, options, held[k])
      if (o.status === 'duplicate') door.emit('duplicate', { source })
      arrival.answer(o)
    } catch (err: any) {
      arrival.answer(err)
    }
  }))
}
