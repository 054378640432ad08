/**
 * The read-only view a provenance verification works over: index summaries and queries, stored record bytes,
 * locally held content blocks, the crypto to re-check them, and (when the collectives code provides it) who was a
 * member of a collective when. Verification never writes and never asks the network: a block or record not held
 * here is reported as such.
 *
 * (Another view interface serves the royalty and export code in `view.ts`; the two are to be merged.)
 */
import { isAtelierError } from '../errors.ts'
import type { Page, RecordIndexApi, RecordQuery, RecordSummary } from '../index/types.ts'
import type { RecordCrypto } from '../records/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { FingerprintKind, WorkFingerprints } from '../fingerprints/compare.ts'

/**
 * Whether `did` was a member of `collective` (a charter CID) at `timeMs`: true, false, or undefined when it cannot
 * be established (unknown collective, incomplete membership history). May answer through a promise, since the
 * membership state of a collective is loaded on demand.
 */
export type MembershipCheck = (collective: string, did: string, timeMs: number) => boolean | undefined | Promise<boolean | undefined>

/** One earlier look-alike of an asset (the fields of src/similarity's UnattributedPair a finding needs) */
export interface LookAlike {
  earlier: string
  earlierAuthor: string
  earlierTime: number
  alg: string
  distance: number
  variant?: string
  similarity?: number
}

export type UnattributedCheck = (asset: string) => Promise<LookAlike[]>

export interface VerifyView {
  /** SHA-256 for content blocks; Ed25519 and SHA-256 for re-validating records */
  readonly crypto: RecordCrypto
  /** The index summary of a record; undefined when not indexed */
  summary(cid: string): Promise<RecordSummary | undefined>
  /** An index query (licenses, grants and revocations of a record, claims on a content CID) */
  query(q: RecordQuery): Promise<Page<RecordSummary>>
  /** The counted records of `author` naming `previous` (a bounded list; two or more: a fork of the chain) */
  successors(author: string, previous: string): Promise<string[]>
  /** The stored bytes of a record, unverified; undefined when the block is not held */
  recordBytes(cid: string): Promise<Uint8Array | undefined>
  /** The bytes of a content block held locally, unverified; undefined when not held. Never asks the network. */
  localBlock(cid: string): Promise<Uint8Array | undefined>
  /** Membership of a collective at a time; absent until the collectives code provides it (then: unknown) */
  isMember?: MembershipCheck
  /** Earlier look-alikes by other authors the asset does not acknowledge (src/similarity); absent: not looked for */
  unattributed?: UnattributedCheck
  /**
   * The fingerprints of `kind` of a work whose bytes are held here, recomputed from them (local reads only);
   * absent: fingerprint claims are not checked
   */
  workFingerprints?(content: string, mediaType: string, byteSize: number, kind: FingerprintKind): Promise<WorkFingerprints>
  /**
   * Whether an encrypted work's wrapped key opens with this node's key of `epoch` of `collective`: 'noKey' when it
   * holds none; absent: not checked (protocols/private-collectives.md §9)
   */
  openWorkKey?(collective: string, epoch: number, salt: Uint8Array, wrapped: Uint8Array): 'opened' | 'failed' | 'noKey' | Promise<'opened' | 'failed' | 'noKey'>
}

export interface VerifyViewInit {
  index: Pick<RecordIndexApi, 'get' | 'query' | 'successors'>
  /** block reads must return stored bytes as they are (no hash check), or a tampered block could not be told apart */
  store: Pick<ContentStore, 'getRecord' | 'getBlock'>
  crypto: RecordCrypto
  isMember?: MembershipCheck
  unattributed?: UnattributedCheck
  /** recomputes fingerprints of held works (src/node/work-fingerprints.ts) */
  fingerprinter?: { compute(content: string, mediaType: string, byteSize: number, kind: FingerprintKind): Promise<WorkFingerprints> }
  openWorkKey?: VerifyView['openWorkKey']
}

function notFound (err: unknown): boolean {
  return isAtelierError(err) && err.code === 'ERR_NOT_FOUND'
}

/** A VerifyView over the node's index and store (local reads only) */
export function createVerifyView (init: VerifyViewInit): VerifyView {
  const { index, store, crypto, isMember, unattributed, fingerprinter, openWorkKey } = init
  return {
    crypto,
    ...(openWorkKey != null ? { openWorkKey } : {}),
    isMember,
    unattributed,
    ...(fingerprinter != null ? { workFingerprints: async (content, mediaType, byteSize, kind) => await fingerprinter.compute(content, mediaType, byteSize, kind) } : {}),
    async summary (cid) { return index.get(cid) },
    async query (q) { return index.query(q) },
    async successors (author, previous) { return index.successors(author, previous) },
    async recordBytes (cid) {
      try {
        return await store.getRecord(cid, { offline: true })
      } catch (err) {
        if (notFound(err)) return undefined
        throw err
      }
    },
    async localBlock (cid) {
      try {
        return await store.getBlock(cid, { offline: true })
      } catch (err) {
        if (notFound(err)) return undefined
        throw err
      }
    }
  }
}
