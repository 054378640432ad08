/**
 * A streaming CARv1 reader (https://ipld.io/specs/transport/car/carv1/): the header's roots, then each block's CID
 * and bytes, read from a byte stream with a bounded buffer. It checks framing only; whether each block's bytes hash
 * to its CID is the importer's job (car-import.ts). Every failure is a CarFormatError naming the offset.
 *
 * The header is DAG-CBOR `{ roots: [CID…], version: 1 }`; only the small CBOR subset it uses is decoded here
 * (maps, arrays, text and byte strings, unsigned integers, tag 42), so no general CBOR decoder is needed.
 */
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import { CarFormatError } from './errors.ts'

/** Largest header we read (a header is roots only; Kubo writes one root) */
const MAX_HEADER_BYTES = 1024 * 1024
/** Largest frame (CID + block): bitswap's 2 MiB block limit plus room for the CID */
export const MAX_FRAME_BYTES = 2 * 1024 * 1024 + 1024

export interface CarBlock { cid: CID, bytes: Uint8Array }

/** Pulls exact byte counts out of a chunked stream. Pieces are kept as they came and joined once per read, so a
 * frame arriving in many small pieces costs one copy, not one per piece. */
class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>
  /** pieces not yet consumed; the first one from `#pos` */
  #pieces: Uint8Array[] = []
  #pos = 0
  /** bytes buffered (from `#pos` on) */
  #buffered = 0
  offset = 0

  constructor (source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]()
  }

  /** Make at least `n` bytes available; false when the stream ends first */
  async #fill (n: number): Promise<boolean> {
    while (this.#buffered < n) {
      const next = await this.#source.next()
      if (next.done === true) return false
      if (next.value.byteLength === 0) continue
      this.#pieces.push(next.value)
      this.#buffered += next.value.byteLength
    }
    return true
  }

  /** The next `n` buffered bytes (n <= buffered), consumed when `consume` */
  #take (n: number, consume: boolean): Uint8Array {
    const first = this.#pieces[0]
    if (first != null && first.byteLength - this.#pos >= n) {
      const out = first.subarray(this.#pos, this.#pos + n)
      if (consume) this.#advance(n)
      return out
    }
    const out = new Uint8Array(n)
    let filled = 0
    let pos = this.#pos
    for (const piece of this.#pieces) {
      const part = piece.subarray(pos, pos + Math.min(n - filled, piece.byteLength - pos))
      out.set(part, filled)
      filled += part.byteLength
      pos = 0
      if (filled === n) break
    }
    if (consume) this.#advance(n)
    return out
  }

  #advance (n: number): void {
    this.#buffered -= n
    this.offset += n
    let left = n
    while (left > 0) {
      const avail = this.#pieces[0].byteLength - this.#pos
      if (avail > left) {
        this.#pos += left
        return
      }
      left -= avail
      this.#pieces.shift()
      this.#pos = 0
    }
  }

  /** A varint, or undefined at the end of the stream */
  async varint (): Promise<number | undefined> {
    if (!(await this.#fill(1))) return undefined
    // a varint is at most 9 bytes for our sizes; take what is there
    await this.#fill(9)
    const avail = this.#take(Math.min(9, this.#buffered), false)
    let value: number, length: number
    try {
      [value, length] = varint.decode(avail)
    } catch (err: any) {
      throw new CarFormatError(`bad length prefix at byte ${this.offset}: ${err.message}`, { cause: err })
    }
    this.#advance(length)
    return value
  }

  async exactly (n: number, what: string): Promise<Uint8Array> {
    if (!(await this.#fill(n))) throw new CarFormatError(`the CAR ends inside ${what} at byte ${this.offset} (${n} bytes expected)`)
    return this.#take(n, true)
  }
}

/** Read a CARv1: `roots` resolves first, then `blocks()` yields every block in order */
export async function readCar (source: AsyncIterable<Uint8Array>): Promise<{ roots: CID[], blocks: () => AsyncGenerator<CarBlock> }> {
  const reader = new ByteReader(source)
  const headerLength = await reader.varint()
  if (headerLength == null || headerLength === 0) throw new CarFormatError('not a CAR: the body is empty')
  if (headerLength > MAX_HEADER_BYTES) throw new CarFormatError(`not a CARv1: a header of ${headerLength} bytes (at most ${MAX_HEADER_BYTES})`)
  const header = decodeHeader(await reader.exactly(headerLength, 'the header'))
  return {
    roots: header.roots,
    async * blocks () {
      while (true) {
        const start = reader.offset
        const length = await reader.varint()
        if (length == null) return
        if (length === 0 || length > MAX_FRAME_BYTES) throw new CarFormatError(`a block frame of ${length} bytes at byte ${start} (at most ${MAX_FRAME_BYTES})`)
        const frame = await reader.exactly(length, 'a block')
        let cid: CID
        try {
          cid = CID.decodeFirst(frame)[0]
        } catch (err: any) {
          throw new CarFormatError(`the block at byte ${start} does not start with a CID: ${err.message}`, { cause: err })
        }
        yield { cid, bytes: frame.subarray(cid.bytes.byteLength) }
      }
    }
  }
}

function decodeHeader (bytes: Uint8Array): { roots: CID[] } {
  let value: unknown
  try {
    const [v, end] = decodeCbor(bytes, 0, 0)
    if (end !== bytes.byteLength) throw new Error('trailing bytes')
    value = v
  } catch (err: any) {
    throw new CarFormatError(`the CAR header is not the DAG-CBOR map it should be: ${err.message}`, { cause: err })
  }
  const h = value as { version?: unknown, roots?: unknown }
  if (h == null || typeof h !== 'object') throw new CarFormatError('the CAR header is not a map')
  if (h.version === 2) throw new CarFormatError('a CARv2 file: export it as CARv1 (e.g. ipfs dag export writes CARv1)')
  if (h.version !== 1) throw new CarFormatError(`a CAR header with version ${String(h.version)}; only CARv1 is read`)
  if (!Array.isArray(h.roots) || h.roots.length === 0 || !h.roots.every(r => r instanceof CID)) {
    throw new CarFormatError('the CAR header names no roots')
  }
  return { roots: h.roots as CID[] }
}

/** The CBOR subset of a CAR header; returns the value and the offset after it */
function decodeCbor (b: Uint8Array, pos: number, depth: number): [unknown, number] {
  if (depth > 4) throw new Error('nested too deeply')
  if (pos >= b.byteLength) throw new Error('truncated')
  const major = b[pos] >> 5
  const info = b[pos] & 0x1f
  let arg: number
  let p = pos + 1
  if (info < 24) arg = info
  else if (info === 24) { arg = b[p]; p += 1 } else if (info === 25) { arg = (b[p] << 8) | b[p + 1]; p += 2 } else if (info === 26) { arg = ((b[p] << 24) >>> 0) + (b[p + 1] << 16) + (b[p + 2] << 8) + b[p + 3]; p += 4 } else throw new Error(`unsupported length encoding ${info}`)
  if (p > b.byteLength) throw new Error('truncated')
  switch (major) {
    case 0: return [arg, p]
    case 2:
    case 3: {
      if (p + arg > b.byteLength) throw new Error('truncated string')
      const s = b.subarray(p, p + arg)
      return [major === 2 ? s : new TextDecoder('utf-8', { fatal: true }).decode(s), p + arg]
    }
    case 4: {
      const out: unknown[] = []
      for (let i = 0; i < arg; i++) {
        const [v, next] = decodeCbor(b, p, depth + 1)
        out.push(v)
        p = next
      }
      return [out, p]
    }
    case 5: {
      const out: Record<string, unknown> = {}
      for (let i = 0; i < arg; i++) {
        const [k, afterKey] = decodeCbor(b, p, depth + 1)
        if (typeof k !== 'string') throw new Error('a map key that is not a string')
        const [v, next] = decodeCbor(b, afterKey, depth + 1)
        out[k] = v
        p = next
      }
      return [out, p]
    }
    case 6: {
      if (arg !== 42) throw new Error(`tag ${arg}`)
      const [v, next] = decodeCbor(b, p, depth + 1)
      if (!(v instanceof Uint8Array) || v[0] !== 0) throw new Error('a CID link that is not a byte string with a 0x00 prefix')
      return [CID.decode(v.subarray(1)), next]
    }
    default: throw new Error(`unsupported CBOR major type ${major}`)
  }
}
