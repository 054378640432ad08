/**
 * One substring table of the multi-index: the slots of the indexed codes sorted by one substring's value, in
 * compact typed arrays (compressed sparse rows). The key's top `dirBits` bits index a directory of offsets; the
 * remaining ≤ 16 low bits ("residual") are stored per slot, sorted within each directory bucket, so a probe is one
 * directory read and a binary search over a bucket of a few entries. Per code: 4 bytes of slot, 2 of residual and
 * 2-4 of directory (the directory has about n/2…n entries).
 */
import { extractBits } from './bits.ts'
import type { Substring } from './plan.ts'

export class SubstringTable {
  readonly start: number
  readonly len: number
  /** Bits of the residual (key bits below the directory index) */
  readonly shift: number
  readonly residualMask: number
  /** dir[b] … dir[b + 1] is the range of slots whose key's top bits are b */
  readonly dir: Uint32Array
  readonly residual: Uint16Array
  readonly slots: Uint32Array
  /** The range found by the last `find` (out fields rather than a fresh object per probe) */
  lo = 0
  hi = 0

  private constructor (part: Substring, shift: number, dir: Uint32Array, residual: Uint16Array, slots: Uint32Array) {
    this.start = part.start
    this.len = part.len
    this.shift = shift
    this.residualMask = (1 << shift) - 1
    this.dir = dir
    this.residual = residual
    this.slots = slots
  }

  /**
   * The table of `count` codes (slots from … from + count − 1 of `codes`, `words` words each), in O(count + 2^16)
   * by two stable counting sorts (low bits, then high bits), so a cluster of equal keys costs no more than spread ones
   */
  static build (codes: Uint32Array, words: number, from: number, count: number, part: Substring): SubstringTable {
    const { start, len } = part
    // directory of about n/2 buckets (2 codes each for random keys), and at least big enough for ≤ 16 residual bits
    let dirBits = Math.max(0, Math.floor(Math.log2(Math.max(1, count))) - 1)
    dirBits = Math.min(len, Math.max(dirBits, len - 16))
    const shift = len - dirBits
    const rmask = (1 << shift) - 1
    const keys = new Uint32Array(count)
    for (let s = 0; s < count; s++) keys[s] = extractBits(codes, (from + s) * words, start, len)

    // pass 1: by residual, carrying the key so pass 2 reads in order (the scattered reads cost more than the sorts)
    const rcount = new Uint32Array((1 << shift) + 1)
    for (let s = 0; s < count; s++) rcount[(keys[s] & rmask) + 1]++
    for (let i = 1; i < rcount.length; i++) rcount[i] += rcount[i - 1]
    const bySlot = new Uint32Array(count)
    const byKey = new Uint32Array(count)
    for (let s = 0; s < count; s++) {
      const k = keys[s]
      const at = rcount[k & rmask]++
      bySlot[at] = from + s
      byKey[at] = k
    }

    // pass 2: stable by the directory bits; the directory is the prefix sum
    const dir = new Uint32Array((2 ** dirBits) + 1)
    for (let s = 0; s < count; s++) dir[(keys[s] >>> shift) + 1]++
    for (let i = 1; i < dir.length; i++) dir[i] += dir[i - 1]
    const next = dir.slice(0, dir.length - 1)
    const slots = new Uint32Array(count)
    const residual = new Uint16Array(count)
    for (let i = 0; i < count; i++) {
      const k = byKey[i]
      const at = next[k >>> shift]++
      slots[at] = bySlot[i]
      residual[at] = k & rmask
    }
    return new SubstringTable(part, shift, dir, residual, slots)
  }

  /** Sets lo…hi to the slots whose key equals `key` (lo = hi: none) */
  find (key: number): void {
    const b = key >>> this.shift
    let lo = this.dir[b]
    let hi = this.dir[b + 1]
    if (lo === hi) { this.lo = this.hi = lo; return }
    const r = key & this.residualMask
    const res = this.residual
    // lower bound of r
    let a = lo
    let z = hi
    while (a < z) {
      const mid = (a + z) >>> 1
      if (res[mid] < r) a = mid + 1
      else z = mid
    }
    lo = a
    while (a < hi && res[a] === r) a++
    this.lo = lo
    this.hi = a
  }

  get byteLength (): number {
    return this.dir.byteLength + this.residual.byteLength + this.slots.byteLength
  }
}
