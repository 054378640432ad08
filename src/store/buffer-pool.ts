/**
 * BufferPool: a few fixed-size buffers that block reads borrow and give back, so serving a large file does not
 * allocate a fresh buffer per block.
 *
 * Why: every new Buffer is memory outside V8's heap, and V8 starts a full mark-compact of the whole heap each time
 * such memory grows by about 64 MB. Serving 1 GiB of 1 MiB blocks through the daemon ran 20 of them (0.8 s of GC in
 * 3.2 s of serving) and the daemon spent 0.6–1.3 s of CPU per 256 MiB; with borrowed buffers 0.2 s.
 *
 * The rules that keep a borrowed buffer's bytes from reaching anyone but its borrower:
 * - a buffer is lent to one borrower at a time and lent again only after `giveBack`;
 * - a borrower gives a buffer back only when nothing will read its bytes any more (for a socket: once the write's
 *   callback ran), and gives it back once: a second `giveBack`, or one for a buffer not lent, is ignored;
 * - the views handed out cover only the bytes just read into the buffer, never the stale bytes past them.
 *
 * Bounded in bytes: at most `maxBuffers` × `bufferBytes`, allocated on first need and kept. When all are lent (many
 * readers at once, or a borrower that never gives back), `borrow` answers undefined and the caller allocates as before.
 */
export interface BufferPoolStats {
  /** buffers out on loan */
  lent: number
  /** buffers waiting to be lent */
  free: number
  /** buffers allocated so far (at most maxBuffers) */
  allocated: number
}

export class BufferPool {
  /** size of every buffer, bytes */
  readonly bufferBytes: number
  readonly maxBuffers: number
  readonly #free: Buffer[] = []
  /** buffers on loan, by the memory their views share */
  readonly #lent = new Map<ArrayBufferLike, Buffer>()
  #allocated = 0

  constructor (init: { bufferBytes: number, maxBuffers: number }) {
    if (!Number.isSafeInteger(init.bufferBytes) || init.bufferBytes < 1) throw new RangeError(`bufferBytes must be a positive integer, got ${init.bufferBytes}`)
    if (!Number.isSafeInteger(init.maxBuffers) || init.maxBuffers < 0) throw new RangeError(`maxBuffers must be a non-negative integer, got ${init.maxBuffers}`)
    this.bufferBytes = init.bufferBytes
    this.maxBuffers = init.maxBuffers
  }

  /** A whole buffer of `bufferBytes` to read at least `bytes` into, or undefined: too big, or none left to lend */
  borrow (bytes: number): Buffer | undefined {
    if (bytes > this.bufferBytes) return undefined
    let buffer = this.#free.pop()
    if (buffer == null) {
      if (this.#allocated >= this.maxBuffers) return undefined
      // not from Node's shared slab: the pool must own the whole ArrayBuffer, since views are matched by it
      buffer = Buffer.allocUnsafeSlow(this.bufferBytes)
      this.#allocated++
    }
    this.#lent.set(buffer.buffer, buffer)
    return buffer
  }

  /** Give back the buffer `view` is a view of; a view of anything else, or of a buffer already given back, is ignored */
  giveBack (view: Uint8Array): void {
    const buffer = this.#lent.get(view.buffer)
    if (buffer == null) return
    this.#lent.delete(view.buffer)
    this.#free.push(buffer)
  }

  stats (): BufferPoolStats {
    return { lent: this.#lent.size, free: this.#free.length, allocated: this.#allocated }
  }
}
