/**
 * An exact Hamming-radius search over fixed-length codes by multi-index hashing (plan.ts): the codes live in one
 * Uint32Array, each string id gets a numeric slot, and m substring tables (table.ts) map substring values to slots.
 * A query probes every table with every key within that table's radius, verifies each slot found once with its
 * full distance, and checks the codes added since the last build one by one. Answers equal a linear scan's.
 *
 * Updates, log-structured in two levels so no add re-sorts everything: an add appends a slot to the unindexed
 * tail (at most DELTA_MAX, checked one by one); a full tail is folded into the "recent" segment, whose tables are
 * rebuilt over its slots alone (O(recent·m)); when the recent segment passes RECENT_FRACTION of the base, or removed
 * slots pass REMOVED_REBUILD_FRACTION of the live ones, everything is compacted and rebuilt (O(n·m)). An add thus
 * costs amortised O(m·(recent/DELTA_MAX + 1/RECENT_FRACTION)), and a query probes two sets of tables plus the tail.
 */
import { FingerprintInputError } from '../errors.ts'
import { distanceWithin, extractBits, flipMasks, packWords, unpackWords } from './bits.ts'
import { DEFAULT_MAX_CANDIDATES, DELTA_MAX, RECENT_FRACTION, REMOVED_REBUILD_FRACTION } from './constants.ts'
import { chooseSubstrings, estimateCost, linearCost, substrings, tableRadii } from './plan.ts'
import { SubstringTable } from './table.ts'

export interface NearDupIndexOptions {
  /** Code length in bits, a multiple of 32 (PDQ 256, ISCC 64) */
  bits: number
  /** The radius most queries use; the table layout is chosen for it (any radius can be queried) */
  radius: number
  /** Force the number of substrings (default: the cheapest by plan.ts's estimate for the current size) */
  substrings?: number
  /** @default DEFAULT_MAX_CANDIDATES */
  maxCandidates?: number
  /** @default DELTA_MAX */
  deltaMax?: number
  /**
   * Scan a segment one by one when that is estimated cheaper than probing its tables (small segments, wide radii).
   * Off only to exercise the tables on small sets in tests.
   * @default true
   */
  linearFallback?: boolean
}

export interface NearDupQueryOptions {
  /** Return at most this many matches (the nearest, ties by id) */
  limit?: number
  /** Verify at most this many codes; the index's own cap by default */
  maxCandidates?: number
}

export interface NearDupMatch {
  id: string
  distance: number
}

export interface NearDupResult {
  /** Sorted by distance, then id (code-unit order) */
  matches: NearDupMatch[]
  /** The candidate cap was hit: matches is then a subset of the answer (never presented as whole) */
  truncated: boolean
  /** Codes whose full distance was computed */
  candidates: number
  /** How the query ran: through the substring tables, or one by one (small index, or a radius too wide for tables) */
  via: 'tables' | 'linear'
}

const REMOVED = 1
const SEEN = 2

export class NearDupIndex {
  readonly bits: number
  readonly words: number
  readonly radius: number
  private readonly forcedM: number | undefined
  private readonly maxCandidates: number
  private readonly deltaMax: number
  private readonly linearFallback: boolean
  /** Codes, `words` words a slot */
  private codes: Uint32Array
  /** Slot → id (undefined once removed) */
  private names: Array<string | undefined> = []
  /** Slot → REMOVED | SEEN (SEEN only during a query) */
  private flags: Uint8Array
  private readonly slotOf = new Map<string, number>()
  /** Slots in use (live and removed) */
  private used = 0
  /** Slots below this are in the tables (base, then recent); the rest are the unindexed tail */
  private indexed = 0
  private removedCount = 0
  /** Slots 0 … baseEnd − 1 and their tables; slots baseEnd … indexed − 1 and theirs */
  private baseEnd = 0
  private base: SubstringTable[] = []
  private recent: SubstringTable[] = []
  private readonly query32: Uint32Array
  private touched = new Uint32Array(1024)

  constructor (options: NearDupIndexOptions) {
    const { bits, radius } = options
    if (!Number.isInteger(bits) || bits <= 0 || bits % 32 !== 0) throw new RangeError(`bits must be a positive multiple of 32, not ${bits}`)
    if (!Number.isInteger(radius) || radius < 0 || radius > bits) throw new RangeError(`radius must be 0…${bits}`)
    this.bits = bits
    this.words = bits / 32
    this.radius = radius
    this.forcedM = options.substrings
    this.maxCandidates = options.maxCandidates ?? DEFAULT_MAX_CANDIDATES
    this.deltaMax = options.deltaMax ?? DELTA_MAX
    this.linearFallback = options.linearFallback ?? true
    this.codes = new Uint32Array(64 * this.words)
    this.flags = new Uint8Array(64)
    this.query32 = new Uint32Array(this.words)
  }

  /** An index over `entries` built once (the loading path: no rebuilds on the way) */
  static build (options: NearDupIndexOptions, entries: Iterable<readonly [string, Uint8Array]>): NearDupIndex {
    const index = new NearDupIndex(options)
    for (const [id, code] of entries) index.stage(id, code)
    index.rebuild()
    return index
  }

  /** Live codes */
  get size (): number {
    return this.slotOf.size
  }

  has (id: string): boolean {
    return this.slotOf.has(id)
  }

  /** The code held for `id` */
  get (id: string): Uint8Array | undefined {
    const slot = this.slotOf.get(id)
    if (slot === undefined) return undefined
    return unpackWords(this.codes, slot * this.words, this.words)
  }

  /** Adds or replaces the code of `id` */
  add (id: string, code: Uint8Array): void {
    this.stage(id, code)
    if (this.used - this.indexed < this.deltaMax) return
    if (this.used - this.baseEnd > this.baseEnd * RECENT_FRACTION) this.rebuild()
    else this.rebuildRecent()
  }

  /** Removes `id`; false when it was not there */
  remove (id: string): boolean {
    const slot = this.slotOf.get(id)
    if (slot === undefined) return false
    this.drop(slot)
    this.slotOf.delete(id)
    if (this.removedCount >= Math.max(this.deltaMax, this.slotOf.size * REMOVED_REBUILD_FRACTION)) this.rebuild()
    return true
  }

  /** Every id within `radius` of `code` (inclusive), nearest first */
  query (code: Uint8Array, radius: number, options: NearDupQueryOptions = {}): NearDupResult {
    this.checkCode(code)
    if (!Number.isInteger(radius) || radius < 0 || radius > this.bits) {
      throw new FingerprintInputError(`radius must be an integer 0…${this.bits}`, { details: { radius } })
    }
    const cap = options.maxCandidates ?? this.maxCandidates
    const q = this.query32
    packWords(code, q, 0)
    const found: NearDupMatch[] = []
    // each table segment is probed when that costs less than checking its slots one by one, else scanned
    let candidates = 0
    let probed = 0
    for (const [tables, from, to] of [[this.base, 0, this.baseEnd], [this.recent, this.baseEnd, this.indexed]] as const) {
      if (this.worthProbing(tables, radius, to - from)) {
        candidates = this.probeTables(tables, q, radius, cap, candidates, found)
        probed += tables.length
      } else candidates = this.scan(from, to, q, radius, cap, candidates, found)
    }
    candidates = this.scan(this.indexed, this.used, q, radius, cap, candidates, found) // the unindexed tail
    const truncated = candidates > cap
    found.sort(byDistanceThenId)
    const matches = options.limit !== undefined && options.limit < found.length ? found.slice(0, Math.max(0, options.limit)) : found
    return { matches, truncated, candidates: Math.min(cap, candidates), via: probed > 0 ? 'tables' : 'linear' }
  }

  /** Typed-array bytes held (codes, flags, tables), the string ids and their map not counted */
  get byteLength (): number {
    return this.codes.byteLength + this.flags.byteLength + this.touched.byteLength +
      [...this.base, ...this.recent].reduce((s, t) => s + t.byteLength, 0)
  }

  /** Layout and fill, for benchmarks and diagnostics */
  stats (): { size: number, substrings: number, substringBits: number[], recent: number, recentSubstrings: number, unindexed: number, removed: number, byteLength: number } {
    return {
      size: this.size,
      substrings: this.base.length,
      substringBits: this.base.map(t => t.len),
      recent: this.indexed - this.baseEnd,
      recentSubstrings: this.recent.length,
      unindexed: this.used - this.indexed,
      removed: this.removedCount,
      byteLength: this.byteLength
    }
  }

  /** Compacts the slots (removed ones dropped) and builds the tables over all of them */
  rebuild (): void {
    const words = this.words
    if (this.removedCount > 0) {
      const live = this.used - this.removedCount
      const codes = new Uint32Array(Math.max(64, live) * words)
      const names: Array<string | undefined> = []
      let n = 0
      for (let s = 0; s < this.used; s++) {
        if ((this.flags[s] & REMOVED) !== 0) continue
        for (let w = 0, from = s * words, to = n * words; w < words; w++) codes[to + w] = this.codes[from + w]
        const id = this.names[s] as string
        names.push(id)
        this.slotOf.set(id, n)
        n++
      }
      this.codes = codes
      this.names = names
      this.flags = new Uint8Array(Math.max(64, live))
      this.used = live
      this.removedCount = 0
    }
    this.indexed = this.baseEnd = this.used
    this.base = this.tablesOver(0, this.used)
    this.recent = []
  }

  /** Folds the tail into the recent segment: its tables rebuilt over its own slots only */
  private rebuildRecent (): void {
    this.indexed = this.used
    this.recent = this.tablesOver(this.baseEnd, this.used - this.baseEnd)
  }

  private tablesOver (from: number, count: number): SubstringTable[] {
    const m = this.forcedM ?? chooseSubstrings(this.bits, this.radius, count)
    return m === null || count === 0 ? [] : substrings(this.bits, m).map(p => SubstringTable.build(this.codes, this.words, from, count, p))
  }

  /** Whether a segment's tables cost less than a scan of its `count` slots at this radius (an empty segment: yes) */
  private worthProbing (tables: SubstringTable[], radius: number, count: number): boolean {
    if (count === 0) return true
    if (tables.length > 0 && !this.linearFallback) return true
    return tables.length > 0 && estimateCost(tables, radius, count, this.words).cost < linearCost(count, this.words)
  }

  /** Checks slots from … to − 1 one by one; counts on from `counted` and returns the count (cap + 1: the cap stopped it) */
  private scan (from: number, to: number, q: Uint32Array, radius: number, cap: number, counted: number, found: NearDupMatch[]): number {
    const { codes, words, flags, names } = this
    let candidates = counted
    for (let s = from; s < to && candidates <= cap; s++) {
      if ((flags[s] & REMOVED) !== 0) continue
      if (candidates === cap) return cap + 1
      candidates++
      const d = distanceWithin(codes, s * words, q, words, radius)
      if (d <= radius) found.push({ id: names[s] as string, distance: d })
    }
    return candidates
  }

  /** Probes one segment's tables, verifying each slot found once; counts as `scan` does */
  private probeTables (tables: SubstringTable[], q: Uint32Array, radius: number, cap: number, counted: number, found: NearDupMatch[]): number {
    const { codes, words, flags, names } = this
    const radii = tableRadii(tables.length, radius)
    let touched = this.touched
    let candidates = counted
    let truncated = false
    if (candidates > cap) return candidates
    outer:
    for (let t = 0; t < tables.length; t++) {
      if (radii[t] < 0) continue
      const table = tables[t]
      const key = extractBits(q, 0, table.start, table.len)
      const masks = flipMasks(table.len, radii[t])
      const slots = table.slots
      for (let k = 0; k < masks.length; k++) {
        table.find((key ^ masks[k]) >>> 0)
        for (let i = table.lo; i < table.hi; i++) {
          const s = slots[i]
          if (flags[s] !== 0) continue // removed, or already verified by an earlier table
          if (candidates >= cap) { truncated = true; break outer }
          flags[s] = SEEN
          if (candidates === touched.length) {
            const grown = new Uint32Array(touched.length * 2)
            grown.set(touched)
            touched = this.touched = grown
          }
          touched[candidates++] = s
          const d = distanceWithin(codes, s * words, q, words, radius)
          if (d <= radius) found.push({ id: names[s] as string, distance: d })
        }
      }
    }
    for (let i = counted; i < candidates; i++) flags[touched[i]] = 0
    return truncated ? cap + 1 : candidates
  }

  /** Adds or replaces a code without any rebuild (a bulk load: call rebuild() after the batch; queries stay exact meanwhile, scanning the tail) */
  stage (id: string, code: Uint8Array): void {
    this.checkCode(code)
    const old = this.slotOf.get(id)
    if (old !== undefined) this.drop(old)
    if (this.used === this.flags.length) this.grow()
    const slot = this.used++
    packWords(code, this.codes, slot * this.words)
    this.names[slot] = id
    this.flags[slot] = 0
    this.slotOf.set(id, slot)
  }

  private drop (slot: number): void {
    this.flags[slot] = REMOVED
    this.names[slot] = undefined
    this.removedCount++
  }

  private grow (): void {
    const capacity = this.flags.length * 2
    const codes = new Uint32Array(capacity * this.words)
    codes.set(this.codes)
    this.codes = codes
    const flags = new Uint8Array(capacity)
    flags.set(this.flags)
    this.flags = flags
  }

  private checkCode (code: Uint8Array): void {
    if (!(code instanceof Uint8Array) || code.length !== this.bits / 8) {
      throw new FingerprintInputError(`a code of this index has ${this.bits / 8} bytes`, { details: { bits: this.bits } })
    }
  }
}

function byDistanceThenId (a: NearDupMatch, b: NearDupMatch): number {
  return a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
