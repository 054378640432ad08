/**
 * The set a node reconciles: items `(timestamp ms, id)` where `id` is the 32-byte sha2-256 digest inside a record
 * CID, sorted by timestamp then id. Pure (no I/O).
 *
 * `SyncItems` is what a `SyncSource` hands over: two typed arrays, so 100,000 items cost 4 MB and no objects.
 * `ItemSet` wraps it for the engine: binary search by bound, and range fingerprints in O(1) from prefix sums of the
 * ids, so a round costs in proportion to the ranges it touches, not to the size of the set.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { JSON_CODEC, SHA2_256_CODE } from '../../records/constants.ts'
import { recordDigestOf } from '../../records/cid.ts'
import { InvalidCIDError } from '../../errors.ts'
import { FINGERPRINT_BYTES, ID_BYTES } from './constants.ts'
import { InvalidSyncItemsError } from './errors.ts'
import { varintLength, writeVarint } from './varint.ts'

/** A sorted, duplicate-free list of items, as typed arrays */
export interface SyncItems {
  /** number of items */
  readonly length: number
  /** epoch ms of each item, integers in 0 … 2^53 - 1, in the set's order */
  readonly timestamps: Float64Array
  /** the items' 32-byte ids, concatenated in the same order (`length * 32` bytes) */
  readonly ids: Uint8Array
}

/** One item, for building a set */
export interface SyncItem {
  /** epoch ms: a deterministic function of the record (its `validFrom`), so every node sorts it alike */
  timestamp: number
  /** the 32-byte sha2-256 digest of the record CID */
  id: Uint8Array
}

/**
 * A position in the item order: every item before it has a smaller timestamp, or the same timestamp and an id
 * below `prefix` padded with zero bytes. `timestamp: Infinity` is the end of the order.
 */
export interface Bound {
  timestamp: number
  /** 0 … 32 bytes, never ending in a zero byte */
  prefix: Uint8Array
}

/** The start of the order */
export const MIN_BOUND: Bound = Object.freeze({ timestamp: 0, prefix: new Uint8Array(0) })
/** The end of the order */
export const MAX_BOUND: Bound = Object.freeze({ timestamp: Infinity, prefix: new Uint8Array(0) })

/** Compare two ids byte by byte */
export function compareIds (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i]
  }
  return a.length - b.length
}

/** Compare two bounds in the item order (prefixes compared as if padded with zeros) */
export function compareBounds (a: Bound, b: Bound): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1
  const n = Math.max(a.prefix.length, b.prefix.length)
  for (let i = 0; i < n; i++) {
    const x = a.prefix[i] ?? 0
    const y = b.prefix[i] ?? 0
    if (x !== y) return x - y
  }
  return 0
}

/** True when `timestamp` may be an item's */
export function isValidTimestamp (timestamp: number): boolean {
  return Number.isSafeInteger(timestamp) && timestamp >= 0
}

/** Sort and de-duplicate items into a SyncItems (the same id at two timestamps stays two items: see protocols/sync.md §2) */
export function createSyncItems (entries: Iterable<SyncItem>): SyncItems {
  const list = [...entries]
  for (const item of list) {
    if (!isValidTimestamp(item.timestamp)) throw new InvalidSyncItemsError(`timestamp ${item.timestamp} is not an integer in 0 … 2^53 - 1`)
    if (item.id.length !== ID_BYTES) throw new InvalidSyncItemsError(`item id must be ${ID_BYTES} bytes, got ${item.id.length}`)
  }
  list.sort((a, b) => a.timestamp - b.timestamp || compareIds(a.id, b.id))
  const timestamps: number[] = []
  const ids = new Uint8Array(list.length * ID_BYTES)
  let n = 0
  for (let i = 0; i < list.length; i++) {
    const item = list[i]
    if (i > 0 && item.timestamp === list[i - 1].timestamp && compareIds(item.id, list[i - 1].id) === 0) continue
    timestamps.push(item.timestamp)
    ids.set(item.id, n * ID_BYTES)
    n++
  }
  return { length: n, timestamps: Float64Array.from(timestamps), ids: ids.subarray(0, n * ID_BYTES) }
}

/** The 32-byte id of a record CID (CIDv1, codec json, sha2-256); InvalidCIDError for anything else */
export function recordIdOf (cid: CID | string): Uint8Array {
  if (typeof cid === 'string') {
    // the canonical spelling, read without a CID object; anything else is parsed in full below
    const digest = recordDigestOf(cid)
    if (digest != null) return digest
  }
  let parsed: CID
  try {
    parsed = typeof cid === 'string' ? CID.parse(cid) : cid
  } catch (err) {
    throw new InvalidCIDError(`not a CID: ${(err as Error).message}`, { cause: err })
  }
  if (parsed.version !== 1 || parsed.code !== JSON_CODEC || parsed.multihash.code !== SHA2_256_CODE || parsed.multihash.digest.length !== ID_BYTES) {
    throw new InvalidCIDError('a sync item must be a record CID (CIDv1, json, sha2-256)')
  }
  return parsed.multihash.digest
}

/** The record CID an id stands for */
export function recordCidOf (id: Uint8Array): CID {
  return CID.createV1(JSON_CODEC, Digest.create(SHA2_256_CODE, id))
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lower-case hex of an id (a compact Map/Set key) */
export function idKey (id: Uint8Array): string {
  let s = ''
  for (let i = 0; i < id.length; i++) s += HEX[id[i]]
  return s
}

/** What ItemSet derives once per SyncItems object (sessions with the same snapshot share it) */
interface Derived {
  /** prefix sums of the ids as 256-bit little-endian integers, 8 little-endian 32-bit limbs per entry */
  sums: Uint32Array
}
const derivedCache = new WeakMap<SyncItems, Derived>()

/**
 * A SyncItems, checked (sorted, unique, 32-byte ids, valid timestamps) and indexed for reconciliation.
 * Throws InvalidSyncItemsError when the source broke the contract.
 */
export class ItemSet {
  readonly items: SyncItems
  readonly length: number
  private readonly sums: Uint32Array

  constructor (items: SyncItems) {
    this.items = items
    this.length = items.length
    let derived = derivedCache.get(items)
    if (derived == null) {
      derived = derive(items)
      derivedCache.set(items, derived)
    }
    this.sums = derived.sums
  }

  /** Timestamp of item `i` */
  timestamp (i: number): number {
    return this.items.timestamps[i]
  }

  /** Id of item `i` (a view, not a copy) */
  id (i: number): Uint8Array {
    return this.items.ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES)
  }

  /** Index of the first item at or after `bound` (the set's length when none is) */
  lowerBound (bound: Bound, from = 0, to = this.length): number {
    let lo = from
    let hi = to
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.isBefore(mid, bound)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** True when item `i` sorts before `bound` */
  isBefore (i: number, bound: Bound): boolean {
    const t = this.items.timestamps[i]
    if (t !== bound.timestamp) return t < bound.timestamp
    const ids = this.items.ids
    const base = i * ID_BYTES
    for (let k = 0; k < bound.prefix.length; k++) {
      const x = ids[base + k]
      const y = bound.prefix[k]
      if (x !== y) return x < y
    }
    // equal on the prefix: the id is at or after prefix + zeros
    return false
  }

  /**
   * The smallest bound above item `i - 1` and at or below item `i` (0 < i < length): the timestamp of item `i`,
   * and just enough of its id to tell it from item `i - 1` when both share that timestamp.
   */
  boundBefore (i: number): Bound {
    const t = this.items.timestamps[i]
    if (this.items.timestamps[i - 1] !== t) return { timestamp: t, prefix: new Uint8Array(0) }
    const a = this.id(i - 1)
    const b = this.id(i)
    let k = 0
    while (k < ID_BYTES && a[k] === b[k]) k++
    return { timestamp: t, prefix: b.slice(0, k + 1) }
  }

  /** Fingerprint of items [start, end): sha-256(sum of ids mod 2^256, little-endian ‖ varint(count)), first 16 bytes */
  fingerprint (start: number, end: number): Uint8Array {
    const input = new Uint8Array(ID_BYTES + varintLength(end - start))
    const view = new DataView(input.buffer)
    const s = this.sums
    let borrow = 0
    for (let k = 0; k < 8; k++) {
      let d = s[end * 8 + k] - s[start * 8 + k] - borrow
      if (d < 0) {
        d += 0x1_0000_0000
        borrow = 1
      } else {
        borrow = 0
      }
      view.setUint32(k * 4, d, true)
    }
    writeVarint(end - start, input, ID_BYTES)
    return sha256(input).slice(0, FINGERPRINT_BYTES)
  }
}

/** Check the order and build the prefix sums, in one pass */
function derive (items: SyncItems): Derived {
  const { length, timestamps, ids } = items
  if (timestamps.length < length || ids.length < length * ID_BYTES) {
    throw new InvalidSyncItemsError(`SyncItems holds ${timestamps.length} timestamps and ${ids.length} id bytes for ${length} items`)
  }
  const sums = new Uint32Array((length + 1) * 8)
  const view = new DataView(ids.buffer, ids.byteOffset, ids.byteLength)
  for (let i = 0; i < length; i++) {
    const t = timestamps[i]
    if (!isValidTimestamp(t)) throw new InvalidSyncItemsError(`item ${i}: timestamp ${t} is not an integer in 0 … 2^53 - 1`)
    if (i > 0) {
      const prev = timestamps[i - 1]
      if (t < prev || (t === prev && compareIds(ids.subarray((i - 1) * ID_BYTES, i * ID_BYTES), ids.subarray(i * ID_BYTES, (i + 1) * ID_BYTES)) >= 0)) {
        throw new InvalidSyncItemsError(`items are not strictly sorted by (timestamp, id) at index ${i}`)
      }
    }
    let carry = 0
    for (let k = 0; k < 8; k++) {
      const v = sums[i * 8 + k] + view.getUint32(i * ID_BYTES + k * 4, true) + carry
      if (v >= 0x1_0000_0000) {
        sums[(i + 1) * 8 + k] = v - 0x1_0000_0000
        carry = 1
      } else {
        sums[(i + 1) * 8 + k] = v
        carry = 0
      }
    }
  }
  return { sums }
}
