/** The node's HammingSearch: fp's multi-index-hashing index (src/fingerprints/near-dup/), laid out for the rule's radius */
import { NearDupIndex } from '../fingerprints/near-dup/index.ts'
import type { HammingSearch } from './types.ts'

/** `maxCandidates`: the candidate cap per query (config `fingerprints.maxCandidates`; the index's default without it) */
export function nearDupSearch (bits: number, radius: number, maxCandidates?: number): HammingSearch {
  const index = new NearDupIndex({ bits, radius, ...(maxCandidates != null ? { maxCandidates } : {}) })
  return {
    get size () { return index.size },
    add: (id, code) => { index.add(id, code) },
    remove: (id) => { index.remove(id) },
    query: (code, r) => {
      const answer = index.query(code, r)
      return { matches: answer.matches, truncated: answer.truncated }
    }
  }
}
