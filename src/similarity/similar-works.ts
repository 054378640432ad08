/**
 * `SimilarWorks`: every fingerprint the node holds, searchable by Hamming radius, one exact search per algorithm
 * (multi-index hashing). It holds bits and ids only; what a candidate must pass besides its distance (PDQ quality,
 * the MinHash check for text) is read from the candidate's record through `codesOf`, since candidates are few and
 * a copy of every signature in memory is not.
 */
import { ALG_PDQ, PDQ_VARIANTS, hamming, minhashSimilarity } from '../fingerprints/index.ts'
import { CONFIRM_ALG, MAX_SIMILAR, RULE_BY_ALG, SEARCH_RULES } from './rules.ts'
import type { HammingSearch, HammingSearchFactory, SimilarWork, WorkCode } from './types.ts'

export interface SimilarWorksInit {
  search: HammingSearchFactory
  /** the codes an asset record claims (its record's `fingerprints`, plus variants computed here), or undefined */
  codesOf: (cid: string) => Promise<WorkCode[] | undefined>
}

export interface SimilarQuery {
  /** codes of the work looked for: claimed, computed from a file, or given */
  codes: WorkCode[]
  /** radius per algorithm instead of the rule's (bounded by the rule's maxRadius) */
  radius?: number
  /** a record not to report (the work itself) */
  exclude?: string
  limit?: number
}

const VARIANT_SEP = '#'

function share (w: SimilarWork): number {
  return w.distance / (RULE_BY_ALG.get(w.alg)?.bits ?? 1)
}

/** The search id of one code: the algorithm, the record, and the variant when it is a rotation or flip */
function idOf (alg: string, cid: string, variant?: string): string {
  return alg + '\0' + (variant == null ? cid : cid + VARIANT_SEP + variant)
}

function bigEndianWords (b: Uint8Array): Uint32Array {
  const out = new Uint32Array(b.length >> 2)
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4)
  return out
}

export class SimilarWorks {
  private readonly searches = new Map<string, HammingSearch>()
  private readonly codesOf: SimilarWorksInit['codesOf']

  constructor (init: SimilarWorksInit) {
    this.codesOf = init.codesOf
    for (const rule of SEARCH_RULES) this.searches.set(rule.alg, init.search(rule.bits))
  }

  /** Codes held, all algorithms */
  get size (): number {
    let n = 0
    for (const s of this.searches.values()) n += s.size
    return n
  }

  /** Replace the searchable codes of asset record `cid` */
  add (cid: string, codes: readonly WorkCode[]): void {
    this.remove(cid)
    this.addCodes(cid, codes)
  }

  /** Add codes of asset record `cid` beside those it has; codes below the rule's quality are left out */
  addCodes (cid: string, codes: readonly WorkCode[]): void {
    for (const c of codes) {
      const rule = RULE_BY_ALG.get(c.alg)
      const search = this.searches.get(c.alg)
      if (rule == null || search == null || c.code.length * 8 !== rule.bits) continue
      if (rule.minQuality != null && (c.quality ?? 0) < rule.minQuality) continue
      search.add(idOf(c.alg, cid, c.variant), c.code)
    }
  }

  /**
   * Take every code of `cid` out. Ids are a function of (alg, cid, variant), so nothing per record is kept to find
   * them: at a million records such a map would outweigh the codes.
   */
  remove (cid: string): void {
    for (const rule of SEARCH_RULES) {
      const search = this.searches.get(rule.alg) as HammingSearch
      search.remove(idOf(rule.alg, cid))
      if (rule.alg === ALG_PDQ) for (const v of PDQ_VARIANTS) if (v !== 'original') search.remove(idOf(rule.alg, cid, v))
    }
  }

  /** Works near `q.codes`, each once under the strongest algorithm that finds it, nearest first (as a share of the code's bits), then by CID */
  async query (q: SimilarQuery): Promise<SimilarWork[]> {
    const limit = Math.min(q.limit ?? MAX_SIMILAR, MAX_SIMILAR)
    const best = new Map<string, SimilarWork>()
    const confirm = q.codes.find(c => c.alg === CONFIRM_ALG)
    for (const rule of SEARCH_RULES) {
      const search = this.searches.get(rule.alg) as HammingSearch
      const radius = Math.min(q.radius ?? rule.radius, rule.maxRadius)
      for (const code of q.codes) {
        if (code.alg !== rule.alg || code.code.length * 8 !== rule.bits) continue
        if (rule.minQuality != null && (code.quality ?? 0) < rule.minQuality) continue
        for (const hit of search.query(code.code, radius)) {
          const id = hit.id.slice(hit.id.indexOf('\0') + 1)
          const sep = id.indexOf(VARIANT_SEP)
          const cid = sep === -1 ? id : id.slice(0, sep)
          if (cid === q.exclude) continue
          const prev = best.get(cid)
          // found by a stronger algorithm already (rules run strongest first), or nearer under this one
          if (prev != null && (prev.alg !== rule.alg || prev.distance <= hit.distance)) continue
          const variant = sep !== -1 ? id.slice(sep + 1) : code.variant
          const found: SimilarWork = { cid, alg: rule.alg, distance: hit.distance }
          if (variant != null) found.variant = variant
          best.set(cid, found)
        }
      }
      if (rule.minMinhash != null) await this.confirmText(best, rule.alg, rule.minMinhash, confirm)
    }
    return [...best.values()]
      // distances of codes of different lengths compare as shares of their bits (20 of 256 is nearer than 12 of 64)
      .sort((a, b) => share(a) - share(b) || (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0))
      .slice(0, limit)
  }

  /** Text candidates keep their place only when their MinHash signatures agree enough (both must carry one) */
  private async confirmText (best: Map<string, SimilarWork>, alg: string, min: number, mine: WorkCode | undefined): Promise<void> {
    for (const [cid, work] of best) {
      if (work.alg !== alg) continue
      const theirs = mine == null ? undefined : (await this.codesOf(cid))?.find(c => c.alg === CONFIRM_ALG)
      if (mine == null || theirs == null || theirs.code.length !== mine.code.length) { best.delete(cid); continue }
      const similarity = minhashSimilarity(bigEndianWords(mine.code), bigEndianWords(theirs.code))
      if (similarity < min) best.delete(cid)
      else work.similarity = similarity
    }
  }
}

/** A linear scan with the HammingSearch interface: the reference the multi-index search is tested against */
export class LinearScan implements HammingSearch {
  private readonly codes = new Map<string, Uint8Array>()
  get size (): number { return this.codes.size }
  add (id: string, code: Uint8Array): void { this.codes.set(id, code) }
  remove (id: string): void { this.codes.delete(id) }
  query (code: Uint8Array, radius: number): Array<{ id: string, distance: number }> {
    const out: Array<{ id: string, distance: number }> = []
    for (const [id, c] of this.codes) {
      const distance = hamming(code, c)
      if (distance <= radius) out.push({ id, distance })
    }
    return out.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1))
  }
}
