/**
 * One near-duplicate index per fingerprint algorithm, loaded from the persisted fingerprint entries (the index's
 * `fingerprints` sublevel, read through an iterable shaped like `iterateFingerprints`). Ids are record CIDs: a
 * record carries each algorithm at most once (protocols/records.md), so (alg, cid) names one code.
 */
import { FingerprintInputError } from '../errors.ts'
import { NEAR_DUP_ALGORITHMS, type NearDupAlgorithm } from './constants.ts'
import { NearDupIndex, type NearDupQueryOptions, type NearDupResult } from './near-dup-index.ts'

/** One persisted fingerprint, as the index's reader yields it (defined here so this folder does not import src/index) */
export interface FingerprintEntry {
  alg: string
  /** The raw code bits (ISCC: the 64-bit body, not the ISCC string) */
  code: Uint8Array
  /** The asset record's CID */
  cid: string
  content?: string
  issuer?: string
  validFrom?: string
  quality?: number
}

/** Why an entry was not indexed */
export type SkipReason = 'unknown-alg' | 'bad-length' | 'low-quality'

export interface NearDupSetOptions {
  /** Per-algorithm parameters; NEAR_DUP_ALGORITHMS by default */
  algorithms?: Readonly<Record<string, NearDupAlgorithm>>
  maxCandidates?: number
}

export interface LoadSummary {
  indexed: Record<string, number>
  skipped: Record<SkipReason, number>
}

export class NearDupSet {
  readonly algorithms: Readonly<Record<string, NearDupAlgorithm>>
  private readonly indexes = new Map<string, NearDupIndex>()

  constructor (options: NearDupSetOptions = {}) {
    this.algorithms = options.algorithms ?? NEAR_DUP_ALGORITHMS
    for (const [alg, p] of Object.entries(this.algorithms)) {
      this.indexes.set(alg, new NearDupIndex({ bits: p.bits, radius: p.radius, maxCandidates: options.maxCandidates }))
    }
  }

  /**
   * A set holding every indexable entry of `entries`, each index built once at the end (no rebuilds on the way).
   * Entries of unknown algorithms, wrong lengths or PDQ quality at or below the floor are counted, not indexed.
   */
  static async load (entries: AsyncIterable<FingerprintEntry> | Iterable<FingerprintEntry>, options: NearDupSetOptions = {}): Promise<{ set: NearDupSet, summary: LoadSummary }> {
    const set = new NearDupSet(options)
    const skipped: Record<SkipReason, number> = { 'unknown-alg': 0, 'bad-length': 0, 'low-quality': 0 }
    for await (const e of entries) {
      const why = set.skipReason(e)
      if (why !== null) { skipped[why]++; continue }
      set.index(e.alg).stage(e.cid, e.code) // a later entry for the same record replaces the earlier
    }
    const indexed: Record<string, number> = {}
    for (const [alg, index] of set.indexes) {
      index.rebuild()
      indexed[alg] = index.size
    }
    return { set, summary: { indexed, skipped } }
  }

  /** Indexes one entry (replacing the record's earlier code of that algorithm); the reason when it is not indexed */
  add (entry: FingerprintEntry): SkipReason | null {
    const why = this.skipReason(entry)
    if (why === null) this.indexes.get(entry.alg)?.add(entry.cid, entry.code)
    return why
  }

  /** Drops a record's code of `alg` (all algorithms when omitted); true when something was removed */
  remove (cid: string, alg?: string): boolean {
    let removed = false
    for (const [a, index] of this.indexes) {
      if (alg === undefined || a === alg) removed = index.remove(cid) || removed
    }
    return removed
  }

  /** Records whose `alg` code is within `radius` (the algorithm's match radius by default) of `code` */
  query (alg: string, code: Uint8Array, options: NearDupQueryOptions & { radius?: number } = {}): NearDupResult {
    const index = this.index(alg)
    return index.query(code, options.radius ?? this.algorithms[alg].radius, options)
  }

  /** The index of one algorithm (for the PDQ dihedral query, stats) */
  index (alg: string): NearDupIndex {
    const index = this.indexes.get(alg)
    if (index === undefined) throw new FingerprintInputError(`no near-duplicate index for algorithm ${alg}`, { details: { alg } })
    return index
  }

  private skipReason (e: FingerprintEntry): SkipReason | null {
    const p = this.algorithms[e.alg]
    if (p === undefined || !Object.hasOwn(this.algorithms, e.alg)) return 'unknown-alg'
    if (!(e.code instanceof Uint8Array) || e.code.length * 8 !== p.bits) return 'bad-length'
    if (p.discardQualityAtOrBelow !== undefined && e.quality !== undefined && e.quality <= p.discardQualityAtOrBelow) return 'low-quality'
    return null
  }
}
