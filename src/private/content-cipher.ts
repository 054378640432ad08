/**
 * Encrypted works (protocols/private-collectives.md §9): the STREAM construction (Hoang, Reyhanitabar, Rogaway,
 * Vizár, "Online authenticated-encryption and its nonce-reuse misuse-resistance", CRYPTO 2015) over the platform's
 * ChaCha20-Poly1305. The plaintext is cut in chunks of the header's size; chunk i is sealed under the payload key with
 * nonce = 0^7 ‖ uint32be(i) ‖ final flag (1 on the last chunk only) and the header as associated data. A reader that
 * gets chunks reordered, dropped or cut off at a chunk boundary fails on a tag: the counter pins each chunk's place
 * and only the true last chunk opens with the final flag set.
 *
 * Memory is bounded by one chunk (at most MAX_CHUNK_BYTES) plus what the source yields at a time, whatever the
 * size of the work; a range is read and opened chunk by chunk, from the first chunk it touches to the last.
 */
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { DecryptionError } from './errors.ts'
import { HEADER_BYTES, TAG_BYTES, chunkCount, decodeHeader, payloadKey, plaintextSize, unwrapWorkKey } from './content-header.ts'
import type { ContentHeader } from './content-header.ts'

/** The nonce of chunk `index`: seven zero bytes, the counter (big-endian), the final flag */
export function chunkNonce (index: number, final: boolean): Uint8Array {
  const nonce = new Uint8Array(12)
  new DataView(nonce.buffer).setUint32(7, index)
  nonce[11] = final ? 1 : 0
  return nonce
}

export function sealChunk (key: Uint8Array, header: Uint8Array, index: number, final: boolean, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce(index, final), { authTagLength: TAG_BYTES })
  cipher.setAAD(header, { plaintextLength: plaintext.length })
  const out = new Uint8Array(plaintext.length + TAG_BYTES)
  out.set(cipher.update(plaintext), 0)
  cipher.final()
  out.set(cipher.getAuthTag(), plaintext.length)
  return out
}

export function openChunk (key: Uint8Array, header: Uint8Array, index: number, final: boolean, sealed: Uint8Array): Uint8Array {
  if (sealed.length < TAG_BYTES) throw new DecryptionError(`chunk ${index} is shorter than its tag`)
  const length = sealed.length - TAG_BYTES
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, chunkNonce(index, final), { authTagLength: TAG_BYTES })
    decipher.setAAD(header, { plaintextLength: length })
    decipher.setAuthTag(sealed.subarray(length))
    const pt = decipher.update(sealed.subarray(0, length))
    decipher.final()
    return new Uint8Array(pt.buffer, pt.byteOffset, pt.byteLength)
  } catch (err) {
    throw new DecryptionError(`chunk ${index}${final ? ' (final)' : ''} does not open: the work was altered, reordered or cut short`, { cause: err })
  }
}

/**
 * Fixed-size pieces of a byte stream, each told whether it is the last: a full piece is held until a byte after it
 * arrives (or the stream ends), so the last piece is known without knowing the length. An empty stream gives one
 * empty last piece.
 */
export async function * pieces (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, size: number): AsyncGenerator<{ piece: Uint8Array, last: boolean }> {
  let buf = new Uint8Array(size)
  let filled = 0
  for await (const input of source) {
    let at = 0
    while (at < input.length) {
      if (filled === size) {
        yield { piece: buf, last: false }
        buf = new Uint8Array(size)
        filled = 0
      }
      // a whole piece inside the input is passed on as a view, not copied (sources do not reuse what they yielded)
      if (filled === 0 && input.length - at > size) {
        yield { piece: input.subarray(at, at + size), last: false }
        at += size
        continue
      }
      const n = Math.min(size - filled, input.length - at)
      buf.set(input.subarray(at, at + n), filled)
      filled += n
      at += n
    }
  }
  yield { piece: buf.subarray(0, filled), last: true }
}

export interface EncryptResult {
  /** plaintext bytes read, set once the stream has ended */
  plaintextBytes: number
}

/**
 * The header, then each sealed chunk; `result.plaintextBytes` is set when the generator finishes.
 *
 * Sealing runs on the add path between hashing and block writes, so its per-chunk cost is kept to the cipher itself
 * (bench/private-content.ts): the payload key is imported into a KeyObject once, not from raw bytes for every chunk
 * (which costs as much as sealing 64 KiB), and the plaintext is gathered in one reused buffer — `cipher.update` copies
 * out of it, so a full chunk waits there until a byte after it shows it is not the last, then the buffer refills.
 */
export async function * encryptStream (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, workKey: Uint8Array, header: ContentHeader,
  result: EncryptResult = { plaintextBytes: 0 }): AsyncGenerator<Uint8Array> {
  const key = createSecretKey(payloadKey(workKey, header.salt))
  const size = header.chunkBytes
  yield header.bytes
  const buf = new Uint8Array(size)
  let filled = 0
  let index = 0
  let total = 0
  for await (const input of source) {
    let at = 0
    while (at < input.length) {
      if (filled === size) {
        // the sealed chunk goes out as its ciphertext and its tag, uncopied: the store cuts its own blocks anyway
        const { ct, tag } = seal(key, header.bytes, index++, false, buf)
        yield ct
        yield tag
        filled = 0
      }
      const n = Math.min(size - filled, input.length - at)
      buf.set(n === input.length ? input : input.subarray(at, at + n), filled)
      filled += n
      at += n
    }
    total += input.length
  }
  const { ct, tag } = seal(key, header.bytes, index, true, buf.subarray(0, filled))
  if (ct.length > 0) yield ct
  yield tag
  result.plaintextBytes = total
}

/**
 * Seal `count` chunks laid out in `buf` at a stride of chunk + tag bytes, in place: each chunk's ciphertext over its
 * plaintext and its tag in the 16 bytes after, which is the ciphertext's own layout. Every chunk is full but the last,
 * which holds `lastLength` bytes and is sealed as the final chunk when `final`.
 */
export function sealChunksInPlace (key: KeyObject | Uint8Array, header: ContentHeader | { bytes: Uint8Array, chunkBytes: number }, firstIndex: number,
  count: number, lastLength: number, final: boolean, buf: Uint8Array): void {
  const stride = header.chunkBytes + TAG_BYTES
  for (let j = 0; j < count; j++) {
    const last = j === count - 1
    const length = last ? lastLength : header.chunkBytes
    const at = j * stride
    const { ct, tag } = seal(key, header.bytes, firstIndex + j, last && final, buf.subarray(at, at + length))
    buf.set(ct, at)
    buf.set(tag, at + length)
    release(ct)
  }
}

/**
 * Free a buffer node:crypto returned, now copied out, at once rather than at a garbage collection. `cipher.update`
 * allocates its output afresh, and V8 counts that memory against the isolate: left to the collector, a sealed work's
 * worth of it set off a full collection every few MiB on the capped sealing thread, which cost twice the cipher's own
 * time (bench/private-content.ts). Detaching the ArrayBuffer hands its memory back to the allocator, which gives the
 * same block to the next chunk. Only a buffer that owns all of its ArrayBuffer is detached.
 */
function release (b: Uint8Array): void {
  const ab = b.buffer
  if (b.byteOffset === 0 && ab.byteLength === b.byteLength && ab instanceof ArrayBuffer && !ab.detached) ab.transfer(0)
}

function seal (key: KeyObject | Uint8Array, header: Uint8Array, index: number, final: boolean, plaintext: Uint8Array): { ct: Uint8Array, tag: Uint8Array } {
  const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce(index, final), { authTagLength: TAG_BYTES })
  cipher.setAAD(header, { plaintextLength: plaintext.length })
  const ct = cipher.update(plaintext)
  cipher.final()
  return { ct, tag: cipher.getAuthTag() }
}

/** The payload key of a work from its header, the collective and the epoch key */
export function workPayloadKey (epochKey: Uint8Array, collective: string, header: ContentHeader): Uint8Array {
  return payloadKey(unwrapWorkKey(epochKey, collective, header.epoch, header.salt, header.wrappedKey), header.salt)
}

/** The plaintext of a whole ciphertext stream (header first); throws DecryptionError on any alteration or cut */
export async function * decryptStream (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, keyOf: (header: ContentHeader) => Uint8Array): AsyncGenerator<Uint8Array> {
  let index = 0
  let head: Uint8Array = new Uint8Array(0)
  // the header is read first, then the rest goes through pieces() of the header's sealed-chunk size
  const it = (async function * () { yield * source })()
  while (head.length < HEADER_BYTES) {
    const next = await it.next()
    if (next.done === true) break
    head = concat(head, next.value)
  }
  const header = decodeHeader(head)
  const key = keyOf(header)
  const rest = head.subarray(HEADER_BYTES)
  const body = (async function * () {
    if (rest.length > 0) yield rest
    while (true) {
      const next = await it.next()
      if (next.done === true) return
      yield next.value
    }
  })()
  for await (const { piece, last } of pieces(body, header.chunkBytes + TAG_BYTES)) {
    yield openChunk(key, header.bytes, index++, last, piece)
  }
}

/** Where a plaintext range lies in the ciphertext: the chunks it touches and the bytes to read for them */
export interface RangePlan {
  firstChunk: number
  lastChunk: number
  /** ciphertext offset and length to read */
  offset: number
  length: number
  /** plaintext bytes to drop from the first opened chunk, and to keep in all */
  skip: number
  keep: number
}

/** Plan the read of plaintext bytes [start, end] (inclusive) of a work of `ptSize` bytes */
export function planRange (header: ContentHeader, ptSize: number, start: number, end: number): RangePlan {
  const c = header.chunkBytes
  const n = chunkCount(ptSize, c)
  const firstChunk = Math.floor(start / c)
  const lastChunk = Math.min(n - 1, Math.floor(end / c))
  const offset = HEADER_BYTES + firstChunk * (c + TAG_BYTES)
  const lastPt = lastChunk === n - 1 ? ptSize - lastChunk * c : c
  const length = (lastChunk - firstChunk) * (c + TAG_BYTES) + lastPt + TAG_BYTES
  return { firstChunk, lastChunk, offset, length, skip: start - firstChunk * c, keep: end - start + 1 }
}

/**
 * Plaintext bytes [start, end] of a work whose ciphertext is `ciphertextBytes` long, opening only the chunks the
 * range touches; `read(offset, length)` streams ciphertext bytes.
 */
export async function * decryptRange (read: (offset: number, length: number) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>, header: ContentHeader,
  key: Uint8Array, ciphertextBytes: number, start: number, end: number): AsyncGenerator<Uint8Array> {
  const ptSize = plaintextSize(ciphertextBytes, header.chunkBytes)
  if (ptSize == null) throw new DecryptionError(`${ciphertextBytes} bytes is no whole number of sealed chunks`)
  if (start < 0 || end < start || end >= Math.max(ptSize, 1)) throw new RangeError(`range ${start}-${end} is outside the ${ptSize} bytes of the work`)
  const n = chunkCount(ptSize, header.chunkBytes)
  const plan = planRange(header, ptSize, start, end)
  let index = plan.firstChunk
  let skip = plan.skip
  let keep = plan.keep
  for await (const { piece } of pieces(read(plan.offset, plan.length), header.chunkBytes + TAG_BYTES)) {
    if (index > plan.lastChunk) break
    if (piece.length === 0) break
    let pt = openChunk(key, header.bytes, index, index === n - 1, piece)
    index++
    if (skip > 0) { pt = pt.subarray(skip); skip = 0 }
    if (pt.length > keep) pt = pt.subarray(0, keep)
    keep -= pt.length
    if (pt.length > 0) yield pt
    if (keep === 0) return
  }
  if (keep > 0) throw new DecryptionError('the ciphertext ended before the range')
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
