/**
 * The shapes the similarity code shares: a work's codes as the match rule reads them (protocols/fingerprints.md §6),
 * the exact Hamming-radius search candidates come from, and what a lookup answers.
 */
import type { ImageCodes, TextCodes } from '../fingerprints/index.ts'

/**
 * A work's codes: those its record claims, plus — where this node holds its bytes and computed them — its PDQ hashes
 * and ISCC Image-Codes turned each of the eight ways, so a turned or mirrored copy is met from either side.
 */
export interface WorkCodes {
  image?: ImageCodes
  text?: TextCodes
}

/** An exact search by Hamming radius over codes of one length, each under a string id */
export interface HammingSearch {
  add(id: string, code: Uint8Array): void
  remove(id: string): void
  /** every id within `radius` of `code` (inclusive), nearest first; `truncated` when a candidate cap cut it short */
  query(code: Uint8Array, radius: number): { matches: Array<{ id: string, distance: number }>, truncated: boolean }
  /** codes held */
  readonly size: number
}

export type HammingSearchFactory = (bits: number, radius: number) => HammingSearch

/** A work found near another */
export interface SimilarWork {
  /** the asset record CID of the work found */
  cid: string
  /** the algorithm whose distance decided: pdq-256, iscc-image-64, iscc-text-64 or minhash-64x32 */
  alg: string
  /** bits that differ (minhash-64x32: minima that differ, of 64) */
  distance: number
  /** the turn or mirror under which two pictures are near; absent when they are near as they are */
  variant?: string
  /** for text: the share of equal MinHash minima (estimated Jaccard similarity of the two texts' windows) */
  similarity?: number
}
