/**
 * `SimilarWorks`: every work's fingerprints the node holds, searchable. Candidates come from one exact Hamming
 * search per algorithm (multi-index hashing, src/fingerprints/near-dup/), every turn of either side probed; each
 * candidate is then decided by the match rule of protocols/fingerprints.md §6 (`matchImages` / `matchTexts`), read
 * from both works' codes. The search holds bits and ids only; a candidate's codes are read through `codesOf`, since
 * candidates are few and a copy of every work's codes in memory is not.
 */
import { ALG_ISCC_TEXT, ALG_MINHASH_TEXT, ALG_PDQ, PDQ_VARIANTS, matchImages, matchTexts } from '../fingerprints/index.ts'
import type { Verdict } from '../fingerprints/index.ts'
import { searchKeys, STRAIGHTENED } from './codes.ts'
import { MAX_RADIUS, MAX_SIMILAR, MIN_PDQ_QUALITY, RULE_BY_ALG, SEARCH_RULES } from './rules.ts'
import type { HammingSearch, HammingSearchFactory, SimilarWork, WorkCodes } from './types.ts'

export interface SimilarWorksInit {
  search: HammingSearchFactory
  /** a work's codes (its record's claims, with the turns computed here), or undefined when not held */
  codesOf: (cid: string) => Promise<WorkCodes | undefined>
}

export interface SimilarQuery {
  codes: WorkCodes
  /**
   * Instead of the match rule: every work with a code within this many bits under any algorithm (bounded per code
   * length by MAX_RADIUS), nearest first
   */
  radius?: number
  /** a record not to report (the work itself) */
  exclude?: string
  limit?: number
}

export interface SimilarAnswer {
  works: SimilarWork[]
  /** a search's candidate cap cut it short: the answer may miss works (never presented as whole) */
  truncated: boolean
}

const VARIANT_SEP = '#'

/** The search id of one code: the record and, for a turn, the variant */
function idOf (cid: string, variant?: string): string {
  return variant == null ? cid : cid + VARIANT_SEP + variant
}

function share (w: SimilarWork): number {
  return w.distance / (RULE_BY_ALG.get(w.alg)?.bits ?? 1)
}

const byNearness = (a: SimilarWork, b: SimilarWork): number => share(a) - share(b) || (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0)

/** The found work of a verdict that matched */
function found (cid: string, v: Verdict): SimilarWork {
  if (v.algorithm === ALG_MINHASH_TEXT || v.algorithm === ALG_ISCC_TEXT) {
    const w: SimilarWork = { cid, alg: ALG_ISCC_TEXT, distance: v.distances.iscc ?? 0 }
    if (v.distances.similarity != null) w.similarity = v.distances.similarity
    return w
  }
  const w: SimilarWork = { cid, alg: v.algorithm ?? ALG_PDQ, distance: v.distance ?? 0 }
  if (v.algorithm === ALG_PDQ && v.distances.pdqVariant != null && v.distances.pdqVariant !== 'original') w.variant = v.distances.pdqVariant
  return w
}

export class SimilarWorks {
  private readonly searches = new Map<string, HammingSearch>()
  private readonly codesOf: SimilarWorksInit['codesOf']

  constructor (init: SimilarWorksInit) {
    this.codesOf = init.codesOf
    for (const rule of SEARCH_RULES) this.searches.set(rule.alg, init.search(rule.bits, rule.radius))
  }

  /** Codes held, all algorithms and turns */
  get size (): number {
    let n = 0
    for (const s of this.searches.values()) n += s.size
    return n
  }

  /** Replace the searchable codes of asset record `cid` */
  add (cid: string, codes: WorkCodes): void {
    this.remove(cid)
    this.addKeys(cid, searchKeys(codes, MIN_PDQ_QUALITY))
  }

  /** Add codes of `cid` beside those it has (the index's entries load one code at a time) */
  addKeys (cid: string, keys: ReadonlyArray<{ alg: string, code: Uint8Array, variant?: string, quality?: number }>): void {
    for (const k of keys) {
      const rule = RULE_BY_ALG.get(k.alg)
      if (rule == null || k.code.length * 8 !== rule.bits) continue
      if (k.alg === ALG_PDQ && k.quality != null && k.quality < MIN_PDQ_QUALITY) continue
      this.searches.get(k.alg)?.add(idOf(cid, k.variant), k.code)
    }
  }

  /**
   * Take every code of `cid` out. Ids are a function of (cid, variant), so nothing per record is kept to find them:
   * at a million records such a map would outweigh the codes.
   */
  remove (cid: string): void {
    for (const search of this.searches.values()) {
      search.remove(idOf(cid))
      for (const v of PDQ_VARIANTS) if (v !== 'original') search.remove(idOf(cid, v))
      search.remove(idOf(cid, STRAIGHTENED))
    }
  }

  /** Works near `q.codes`, each once, nearest first (distance as a share of the code's bits), then by CID */
  async query (q: SimilarQuery): Promise<SimilarAnswer> {
    const limit = Math.min(q.limit ?? MAX_SIMILAR, MAX_SIMILAR)
    const candidates = new Map<string, Map<string, SimilarWork>>()
    let truncated = false
    for (const key of searchKeys(q.codes, MIN_PDQ_QUALITY)) {
      const rule = RULE_BY_ALG.get(key.alg)
      const search = this.searches.get(key.alg)
      if (rule == null || search == null) continue
      const radius = q.radius != null ? Math.min(q.radius, MAX_RADIUS[rule.bits] ?? rule.radius) : rule.radius
      const answer = search.query(key.code, radius)
      truncated ||= answer.truncated
      for (const hit of answer.matches) {
        const sep = hit.id.indexOf(VARIANT_SEP)
        const cid = sep === -1 ? hit.id : hit.id.slice(0, sep)
        if (cid === q.exclude) continue
        const w: SimilarWork = { cid, alg: key.alg, distance: hit.distance }
        const variant = sep !== -1 ? hit.id.slice(sep + 1) : key.variant
        if (variant != null) w.variant = variant
        let perAlg = candidates.get(cid)
        if (perAlg == null) candidates.set(cid, (perAlg = new Map()))
        const prev = perAlg.get(key.alg)
        if (prev == null || w.distance < prev.distance) perAlg.set(key.alg, w)
      }
    }
    const nearest = (perAlg: Map<string, SimilarWork>): SimilarWork => [...perAlg.values()].sort(byNearness)[0]
    if (q.radius != null) return { works: [...candidates.values()].map(nearest).sort(byNearness).slice(0, limit), truncated }
    const works: SimilarWork[] = []
    for (const [cid, perAlg] of candidates) {
      const theirs = await this.codesOf(cid)
      if (theirs == null) continue
      const verdict = q.codes.image != null && theirs.image != null
        ? matchImages(q.codes.image, theirs.image)
        : q.codes.text != null && theirs.text != null ? matchTexts(q.codes.text, theirs.text) : undefined
      if (verdict?.match !== true) continue
      const w = found(cid, verdict)
      // the rule measures ISCC over the turns without naming one: the search's nearest hit under it does
      const turned = perAlg.get(w.alg)?.variant
      if (w.variant == null && turned != null && perAlg.get(w.alg)?.distance === w.distance) w.variant = turned
      works.push(w)
    }
    return { works: works.sort(byNearness).slice(0, limit), truncated }
  }
}

/** A linear scan with the HammingSearch interface: the reference, and the search of small tests */
export class LinearScan implements HammingSearch {
  private readonly codes = new Map<string, Uint8Array>()
  get size (): number { return this.codes.size }
  add (id: string, code: Uint8Array): void { this.codes.set(id, code) }
  remove (id: string): void { this.codes.delete(id) }
  query (code: Uint8Array, radius: number): { matches: Array<{ id: string, distance: number }>, truncated: boolean } {
    const matches: Array<{ id: string, distance: number }> = []
    for (const [id, c] of this.codes) {
      let d = 0
      for (let i = 0; i < c.length; i++) { let x = c[i] ^ code[i]; while (x !== 0) { d += x & 1; x >>= 1 } }
      if (d <= radius) matches.push({ id, distance: d })
    }
    return { matches: matches.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1)), truncated: false }
  }
}
