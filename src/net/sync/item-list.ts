/**
 * A mutable set of sync items kept in flat typed arrays: what a node holds for each set it offers, between the
 * snapshots it hands to sessions. Pure (no I/O).
 *
 * An item costs 8 bytes of timestamp, 32 of id and 8 of hash table: no object per item. A map of CID strings to
 * `{ timestamp, id }` objects cost ~360 bytes an item, and with 100,000 records it was a third of a catching-up
 * node's live heap, marked again by every major GC while the node ingested.
 *
 * Items are keyed by their 32-byte id (an id is a sha2-256 digest, so its first bytes are already a uniform hash).
 * The table is open addressing with linear probing, at most half full; a delete shifts the entries after it back
 * (no tombstones), and the last item moves into the deleted item's place, so the arrays stay dense.
 */
import { ID_BYTES } from './constants.ts'
import { InvalidSyncItemsError } from './errors.ts'
import { isValidTimestamp } from './items.ts'
import type { SyncItems } from './items.ts'

const EMPTY = -1
const INITIAL_CAPACITY = 64

export class SyncItemList {
  private timestamps = new Float64Array(INITIAL_CAPACITY)
  private ids = new Uint8Array(INITIAL_CAPACITY * ID_BYTES)
  /** slot of each item, or EMPTY; twice the item capacity, a power of two */
  private table = new Int32Array(2 * INITIAL_CAPACITY).fill(EMPTY)
  private count = 0

  get size (): number { return this.count }

  /** Add an item; false when an item with this id is already held (its timestamp is kept) */
  add (timestamp: number, id: Uint8Array): boolean {
    if (!isValidTimestamp(timestamp)) throw new InvalidSyncItemsError(`timestamp ${timestamp} is not an integer in 0 … 2^53 - 1`)
    if (id.length !== ID_BYTES) throw new InvalidSyncItemsError(`item id must be ${ID_BYTES} bytes, got ${id.length}`)
    let at = this.find(id)
    if (this.table[at] !== EMPTY) return false
    if (this.count === this.timestamps.length) {
      this.grow()
      at = this.find(id)
    }
    const slot = this.count++
    this.timestamps[slot] = timestamp
    this.ids.set(id, slot * ID_BYTES)
    this.table[at] = slot
    return true
  }

  has (id: Uint8Array): boolean {
    return id.length === ID_BYTES && this.table[this.find(id)] !== EMPTY
  }

  /** The item's timestamp; undefined when not held */
  timestampOf (id: Uint8Array): number | undefined {
    if (id.length !== ID_BYTES) return undefined
    const slot = this.table[this.find(id)]
    return slot === EMPTY ? undefined : this.timestamps[slot]
  }

  /** Remove the item with this id; false when none is held */
  delete (id: Uint8Array): boolean {
    if (id.length !== ID_BYTES) return false
    const at = this.find(id)
    const slot = this.table[at]
    if (slot === EMPTY) return false
    this.unlink(at)
    const last = --this.count
    if (slot !== last) {
      // the last item moves into the freed slot, and its table entry follows it
      const lastId = this.ids.subarray(last * ID_BYTES, (last + 1) * ID_BYTES)
      this.table[this.find(lastId)] = slot
      this.timestamps[slot] = this.timestamps[last]
      this.ids.copyWithin(slot * ID_BYTES, last * ID_BYTES, (last + 1) * ID_BYTES)
    }
    return true
  }

  /** Every item, sorted by timestamp then id, as the sync engine takes them; `only` keeps the items with those ids */
  toSyncItems (only?: Iterable<Uint8Array>): SyncItems {
    let slots: Uint32Array
    if (only == null) {
      slots = new Uint32Array(this.count)
      for (let i = 0; i < this.count; i++) slots[i] = i
    } else {
      const picked: number[] = []
      const seen = new Set<number>()
      for (const id of only) {
        if (id.length !== ID_BYTES) continue
        const slot = this.table[this.find(id)]
        if (slot !== EMPTY && !seen.has(slot)) { seen.add(slot); picked.push(slot) }
      }
      slots = Uint32Array.from(picked)
    }
    const { timestamps: ts, ids } = this
    slots.sort((a, b) => {
      const d = ts[a] - ts[b]
      if (d !== 0) return d
      const x = a * ID_BYTES
      const y = b * ID_BYTES
      for (let i = 0; i < ID_BYTES; i++) {
        const e = ids[x + i] - ids[y + i]
        if (e !== 0) return e
      }
      return 0
    })
    const timestamps = new Float64Array(slots.length)
    const out = new Uint8Array(slots.length * ID_BYTES)
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]
      timestamps[i] = ts[s]
      out.set(ids.subarray(s * ID_BYTES, (s + 1) * ID_BYTES), i * ID_BYTES)
    }
    return { length: slots.length, timestamps, ids: out }
  }

  /** Bytes held by the arrays */
  get byteLength (): number {
    return this.timestamps.byteLength + this.ids.byteLength + this.table.byteLength
  }

  /** The table position holding `id`, or the empty position where it would go */
  private find (id: Uint8Array): number {
    const mask = this.table.length - 1
    let at = ((id[0] << 24) | (id[1] << 16) | (id[2] << 8) | id[3]) & mask
    for (;;) {
      const slot = this.table[at]
      if (slot === EMPTY || this.idAt(slot, id)) return at
      at = (at + 1) & mask
    }
  }

  private idAt (slot: number, id: Uint8Array): boolean {
    const base = slot * ID_BYTES
    for (let i = 0; i < ID_BYTES; i++) if (this.ids[base + i] !== id[i]) return false
    return true
  }

  private homeOf (slot: number, mask: number): number {
    const base = slot * ID_BYTES
    const ids = this.ids
    return ((ids[base] << 24) | (ids[base + 1] << 16) | (ids[base + 2] << 8) | ids[base + 3]) & mask
  }

  /** Empty table position `at`, shifting back the entries of its probe run that may no longer be reached */
  private unlink (at: number): void {
    const table = this.table
    const mask = table.length - 1
    let hole = at
    let next = (hole + 1) & mask
    while (table[next] !== EMPTY) {
      const home = this.homeOf(table[next], mask)
      // the entry at `next` may move into the hole when its home is not within (hole, next], cyclically
      const reachable = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next)
      if (!reachable) {
        table[hole] = table[next]
        hole = next
      }
      next = (next + 1) & mask
    }
    table[hole] = EMPTY
  }

  private grow (): void {
    const capacity = this.timestamps.length * 2
    const timestamps = new Float64Array(capacity)
    timestamps.set(this.timestamps)
    const ids = new Uint8Array(capacity * ID_BYTES)
    ids.set(this.ids)
    this.timestamps = timestamps
    this.ids = ids
    this.table = new Int32Array(2 * capacity).fill(EMPTY)
    const mask = this.table.length - 1
    for (let slot = 0; slot < this.count; slot++) {
      let at = this.homeOf(slot, mask)
      while (this.table[at] !== EMPTY) at = (at + 1) & mask
      this.table[at] = slot
    }
  }
}
