/**
 * The reconciliation engine: range-based set reconciliation in the manner of negentropy (NIP-77), written for
 * Atelier. Pure: no I/O, no clock, no randomness; the session (session.ts) moves its messages.
 *
 * Both sides run the same `Reconciler`. A message is a partition of the item order into ranges, each with a mode:
 *   - SKIP: nothing to do here;
 *   - FINGERPRINT: "here is the fingerprint of my items in this range". The receiver compares it with its own; on a
 *     match it answers SKIP, otherwise it answers with its ids when it holds few items there (IDLIST), or splits the
 *     range into `buckets` sub-ranges with their fingerprints;
 *   - IDLIST: "here are all my ids in this range". The receiver now knows the difference in that range: it sends the
 *     records the other lacks straight away (no id list needed: they travel as RECORD frames), asks for the ones it
 *     lacks (WANT), and answers SKIP. An empty IDLIST means "I have nothing here": the other side sends everything.
 * A reply with nothing but SKIP is empty, and ends the reconciliation. Work per round is proportional to the ranges
 * that differ, so the whole exchange costs in proportion to the difference, in about log_buckets(n) rounds.
 */
import { DEFAULT_BUCKETS, DEFAULT_IDLIST_THRESHOLD, DEFAULT_MESSAGE_BUDGET, FINGERPRINT_BYTES, ID_BYTES, MAX_CONTROL_FRAME_BYTES, MAX_IDS_PER_IDLIST, MAX_IDS_PER_WANT } from './constants.ts'
import { MAX_BOUND_BYTES, decodeMessage, encodeFrame } from './codec.ts'
import { ItemSet, MAX_BOUND, MIN_BOUND, compareBounds, idKey } from './items.ts'
import { readVarint } from './varint.ts'
import type { OpenMessage, Range, ReconcileMessage, SyncMessage, WantMessage } from './codec.ts'
import type { Bound, SyncItems } from './items.ts'

export interface ReconcileOptions {
  /** Sub-ranges a differing range is split into. @default 16 */
  buckets?: number
  /** A differing range where we hold at most this many items is answered with their ids. @default 32 */
  idListThreshold?: number
  /** Bytes our reconcile messages aim to stay under; what does not fit is deferred to the next round. @default 131072 */
  messageBudget?: number
}

/** Items [start, end) of our set */
export interface IndexRun {
  start: number
  end: number
}

/** What processing one message yields */
export interface ReconcileStep {
  /** The ranges to answer with; empty means the reconciliation is complete */
  reply: Range[]
  /** Our items the peer lacks: send their records */
  send: IndexRun[]
  /** Ids the peer holds and we lack: ask for them (WANT) */
  want: Uint8Array[]
}

// what one range of a reply can cost at most, for the budget: a bound, a mode byte and a payload
const SKIP_COST = MAX_BOUND_BYTES + 1
const FINGERPRINT_COST = MAX_BOUND_BYTES + 1 + FINGERPRINT_BYTES

/** One side of a reconciliation over a fixed snapshot of its items */
export class Reconciler {
  readonly items: ItemSet
  private readonly buckets: number
  private readonly idListThreshold: number
  private readonly budget: number
  /** ids we have listed in an IDLIST: the only ids the peer may WANT from us */
  private readonly offered = new Set<string>()
  /** ids we asked the peer for in WANT frames and have not received yet */
  private readonly asked = new Set<string>()
  /**
   * The ranges we described with an IDLIST, merged, sorted and disjoint: the peer owes us its items there that our
   * list lacks (protocols/sync.md §3.3 (a)). Bounded by the ranges of our own messages.
   */
  private readonly listed: Array<{ lower: Bound, upper: Bound }> = []
  /** ids of the records received and accepted as solicited: a second copy is not */
  private readonly received = new Set<string>()

  constructor (items: SyncItems | ItemSet, options: ReconcileOptions = {}) {
    this.items = items instanceof ItemSet ? items : new ItemSet(items)
    this.buckets = options.buckets ?? DEFAULT_BUCKETS
    this.idListThreshold = options.idListThreshold ?? DEFAULT_IDLIST_THRESHOLD
    this.budget = options.messageBudget ?? DEFAULT_MESSAGE_BUDGET
    if (!Number.isInteger(this.buckets) || this.buckets < 2) throw new RangeError('buckets must be an integer ≥ 2')
    if (!Number.isInteger(this.idListThreshold) || this.idListThreshold < 0 || this.idListThreshold > MAX_IDS_PER_IDLIST) {
      throw new RangeError(`idListThreshold must be an integer in 0 … ${MAX_IDS_PER_IDLIST}`)
    }
    // the budget must leave room for at least one answered range plus the deferred rest
    const minimum = this.worstRangeCost() + SKIP_COST + FINGERPRINT_COST + 1
    if (!Number.isInteger(this.budget) || this.budget < minimum || this.budget > MAX_CONTROL_FRAME_BYTES - 512) {
      throw new RangeError(`messageBudget must be an integer in ${minimum} … ${MAX_CONTROL_FRAME_BYTES - 512}`)
    }
  }

  /** The first message: our whole set, described as one differing range would be */
  initiate (): Range[] {
    const out: Range[] = []
    this.describe(0, this.items.length, MIN_BOUND, MAX_BOUND, out)
    return out
  }

  /** Process the peer's ranges (validated by the codec: bounds increase) and produce our answer */
  reconcile (ranges: Range[]): ReconcileStep {
    const items = this.items
    const reply: Range[] = []
    const send: IndexRun[] = []
    const want: Uint8Array[] = []
    let cost = 0
    let answered = 0
    let start = 0
    let lower = MIN_BOUND
    for (const range of ranges) {
      if (range.mode !== 'skip' && answered > 0 && cost + this.worstRangeCost() + FINGERPRINT_COST > this.budget) {
        // no room to answer this range: hand the whole rest back as one fingerprint, to be split next round
        reply.push({ upper: MAX_BOUND, mode: 'fingerprint', fingerprint: items.fingerprint(start, items.length) })
        return { reply: trimSkips(reply), send, want }
      }
      const end = items.lowerBound(range.upper, start)
      const before = reply.length
      if (range.mode === 'skip') {
        pushSkip(reply, range.upper)
      } else if (range.mode === 'fingerprint') {
        answered++
        if (equalBytes(range.fingerprint, items.fingerprint(start, end))) pushSkip(reply, range.upper)
        else this.describe(start, end, lower, range.upper, reply)
      } else {
        answered++
        this.compare(range.ids, start, end, send, want)
        pushSkip(reply, range.upper)
      }
      for (let k = before; k < reply.length; k++) cost += costOf(reply[k])
      start = end
      lower = range.upper
    }
    for (const id of want) this.asked.add(idKey(id))
    return { reply: trimSkips(reply), send, want }
  }

  /**
   * True when the peer may send us the record with item `(timestamp, id)`, and then only once: an id we asked for
   * in a WANT, or an item in a range we described with an IDLIST that does not list it (protocols/sync.md §3.3).
   * `timestamp` is undefined when the record gives none (it can then only be one we asked for by id).
   */
  solicits (id: Uint8Array, timestamp: number | undefined): boolean {
    const key = idKey(id)
    if (this.received.has(key)) return false
    let ok = this.asked.delete(key)
    if (!ok && timestamp != null && !this.offered.has(key)) ok = this.inListed(timestamp, id)
    if (ok) this.received.add(key)
    return ok
  }

  /** True when item (timestamp, id) lies in one of the ranges we described with an IDLIST */
  private inListed (timestamp: number, id: Uint8Array): boolean {
    const item: Bound = { timestamp, prefix: id }
    // the last range whose lower bound is at or below the item (ranges are disjoint and sorted)
    let lo = 0
    let hi = this.listed.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareBounds(this.listed[mid].lower, item) <= 0) lo = mid + 1
      else hi = mid
    }
    return lo > 0 && compareBounds(item, this.listed[lo - 1].upper) < 0
  }

  /** Remember [lower, upper) as described by an IDLIST, merged with any range it touches */
  private addListed (lower: Bound, upper: Bound): void {
    const list = this.listed
    let i = 0
    while (i < list.length && compareBounds(list[i].upper, lower) < 0) i++
    let j = i
    let lo = lower
    let up = upper
    while (j < list.length && compareBounds(list[j].lower, up) <= 0) {
      if (compareBounds(list[j].lower, lo) < 0) lo = list[j].lower
      if (compareBounds(list[j].upper, up) > 0) up = list[j].upper
      j++
    }
    list.splice(i, j - i, { lower: lo, upper: up })
  }

  /** True when `id` was offered to the peer in one of our IDLISTs (so the peer may ask for it) */
  wasOffered (id: Uint8Array): boolean {
    return this.offered.has(idKey(id))
  }

  /** Our items [start, end) up to `upper`, as a peer that disagrees about them needs to see them */
  private describe (start: number, end: number, lower: Bound, upper: Bound, out: Range[]): void {
    const n = end - start
    const last = out[out.length - 1]
    if (n === 0 && last?.mode === 'idlist' && last.ids.length === 0) {
      // "I have nothing here" twice in a row is said once, over both ranges
      this.addListed(last.upper, upper)
      last.upper = upper
      return
    }
    if (n <= this.idListThreshold) {
      const ids: Uint8Array[] = []
      for (let i = start; i < end; i++) {
        const id = this.items.id(i)
        ids.push(id)
        this.offered.add(idKey(id))
      }
      this.addListed(lower, upper)
      out.push({ upper, mode: 'idlist', ids })
      return
    }
    const k = Math.min(this.buckets, n)
    let from = start
    for (let b = 1; b <= k; b++) {
      const to = b === k ? end : start + Math.floor(b * n / k)
      const bound = b === k ? upper : this.items.boundBefore(to)
      out.push({ upper: bound, mode: 'fingerprint', fingerprint: this.items.fingerprint(from, to) })
      from = to
    }
  }

  /** The peer listed all its ids in our items [start, end): record what each side lacks */
  private compare (theirs: Uint8Array[], start: number, end: number, send: IndexRun[], want: Uint8Array[]): void {
    if (theirs.length === 0) {
      // they hold none of the range (a new member's first session): all of it goes, without a key per item
      if (start === end) return
      const last = send[send.length - 1]
      if (last != null && last.end === start) last.end = end
      else send.push({ start, end })
      return
    }
    const theirKeys = new Map<string, boolean>()
    for (const id of theirs) theirKeys.set(idKey(id), false)
    for (let i = start; i < end; i++) {
      const key = idKey(this.items.id(i))
      if (theirKeys.has(key)) {
        theirKeys.set(key, true)
      } else {
        const last = send[send.length - 1]
        if (last != null && last.end === i) last.end = i + 1
        else send.push({ start: i, end: i + 1 })
      }
    }
    for (const id of theirs) {
      const key = idKey(id)
      if (theirKeys.get(key) === false) {
        want.push(id)
        theirKeys.set(key, true)
      }
    }
  }

  /** The most one answered range can add to a reply */
  private worstRangeCost (): number {
    return Math.max(this.buckets * FINGERPRINT_COST, MAX_BOUND_BYTES + 1 + 2 + this.idListThreshold * ID_BYTES)
  }
}

function costOf (r: Range): number {
  if (r.mode === 'skip') return SKIP_COST
  if (r.mode === 'fingerprint') return FINGERPRINT_COST
  return MAX_BOUND_BYTES + 3 + r.ids.length * ID_BYTES
}

/** Append a SKIP up to `upper`, merged with a SKIP just before it */
function pushSkip (out: Range[], upper: Bound): void {
  const last = out[out.length - 1]
  if (last?.mode === 'skip') last.upper = upper
  else out.push({ upper, mode: 'skip' })
}

/** Without trailing SKIP ranges (the message implicitly ends with one) */
function trimSkips (ranges: Range[]): Range[] {
  while (ranges.length > 0 && ranges[ranges.length - 1].mode === 'skip') ranges.pop()
  return ranges
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** One frame of an in-memory exchange */
export interface SimulatedFrame {
  from: 'a' | 'b'
  /** the whole frame (length prefix included) */
  frame: Uint8Array
}

/** The outcome of `simulate` */
export interface SimulatedExchange {
  /** OPEN / RECONCILE / WANT frames in the order they were sent (RECORD, DONE frames omitted) */
  frames: SimulatedFrame[]
  /** reconcile messages `a` sent (OPEN included): the round trips */
  rounds: number
  /** ids of the records `a` sends `b` (pushed or wanted), in the order they are sent */
  aSends: Uint8Array[]
  /** ids of the records `b` sends `a` */
  bSends: Uint8Array[]
  /** bytes of all the frames above */
  controlBytes: number
}

/**
 * Run a whole reconciliation between two item sets in memory, through the real codec, with `a` as initiator.
 * For tests, test vectors and capacity planning; the network session follows the same steps.
 */
export function simulate (a: SyncItems, b: SyncItems, options: ReconcileOptions & { scope?: string, maxRounds?: number } = {}): SimulatedExchange {
  const sides = { a: new Reconciler(a, options), b: new Reconciler(b, options) }
  const sends: Record<'a' | 'b', Uint8Array[]> = { a: [], b: [] }
  const frames: SimulatedFrame[] = []
  const maxRounds = options.maxRounds ?? 64
  const emit = (from: 'a' | 'b', msg: SyncMessage): SyncMessage => {
    const bytes = encodeFrame(msg)
    frames.push({ from, frame: bytes })
    // decode what was sent, so the simulation exercises the same validation a peer applies
    return decodeMessage(bytes.subarray(bytes.length - frameBodyLength(bytes)))
  }
  let incoming = emit('a', { type: 'open', scope: options.scope ?? 'scope', ranges: sides.a.initiate() })
  let rounds = 1
  let from: 'a' | 'b' = 'a'
  for (;;) {
    const to: 'a' | 'b' = from === 'a' ? 'b' : 'a'
    const ranges = (incoming as OpenMessage | ReconcileMessage).ranges
    const step = sides[to].reconcile(ranges)
    for (const run of step.send) {
      for (let i = run.start; i < run.end; i++) sends[to].push(sides[to].items.id(i))
    }
    for (let k = 0; k < step.want.length; k += MAX_IDS_PER_WANT) {
      const want = emit(to, { type: 'want', ids: step.want.slice(k, k + MAX_IDS_PER_WANT) }) as WantMessage
      for (const id of want.ids) {
        if (!sides[from].wasOffered(id)) throw new Error('simulation: a WANT names an id that was never offered')
        sends[from].push(id)
      }
    }
    incoming = emit(to, { type: 'reconcile', ranges: step.reply })
    if (to === 'a') rounds++
    if (step.reply.length === 0) break
    if (rounds > maxRounds) throw new Error(`simulation: no convergence after ${maxRounds} rounds`)
    from = to
  }
  return { frames, rounds, aSends: sends.a, bSends: sends.b, controlBytes: frames.reduce((n, f) => n + f.frame.length, 0) }
}

/** Length of the body of a whole frame */
function frameBodyLength (frameBytes: Uint8Array): number {
  const v = readVarint(frameBytes, 0)
  if (v == null) throw new Error('truncated frame')
  return v.value
}
