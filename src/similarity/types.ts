/**
 * The shapes the similarity code shares: a work's fingerprint codes as raw bits, the exact Hamming-radius search it
 * runs over (multi-index hashing, src/fingerprints/near-dup/), and what a lookup answers.
 */

/** One fingerprint of a work, as bits (ISCC codes: the digest without the unit header) */
export interface WorkCode {
  alg: string
  code: Uint8Array
  /** PDQ's quality, 0…100 */
  quality?: number
  /**
   * The dihedral variant of the work this code is of (PDQ only): absent for the work as it is (the code its record
   * claims); set for the rotations and flips a node computes from bytes it holds, so that a turned copy is found
   * from either side.
   */
  variant?: string
}

/** An exact search by Hamming radius over codes of one length, each under a string id */
export interface HammingSearch {
  add(id: string, code: Uint8Array): void
  remove(id: string): void
  /** every id within `radius` of `code` (inclusive), nearest first */
  query(code: Uint8Array, radius: number): Array<{ id: string, distance: number }>
  /** codes held */
  readonly size: number
}

export type HammingSearchFactory = (bits: number) => HammingSearch

/** A work found near another, by one algorithm */
export interface SimilarWork {
  /** the asset record CID of the work found */
  cid: string
  /** the algorithm whose distance decided the match */
  alg: string
  /** bits that differ */
  distance: number
  /** the PDQ variant (rotation or flip) under which the two are near; absent when the two are near as they are */
  variant?: string
  /** for text: the share of equal MinHash minima (estimated Jaccard similarity of the two texts' windows) */
  similarity?: number
}
