/**
 * Unsigned LEB128 varints, as in multiformats' unsigned-varint but limited to JavaScript's safe integers
 * (2^53 - 1, eight bytes at most) and strict about minimal encoding, so that every value has one spelling and a
 * frame can be checked byte for byte against the test vectors.
 */
import { MAX_VARINT_BYTES } from './constants.ts'
import { SyncProtocolError } from './errors.ts'

const TWO_TO_THE_7 = 128

/** Bytes `value` takes as a varint */
export function varintLength (value: number): number {
  let n = 1
  while (value >= TWO_TO_THE_7) {
    value = Math.floor(value / TWO_TO_THE_7)
    n++
  }
  return n
}

/** Write `value` at `offset` of `out`; returns the offset after it */
export function writeVarint (value: number, out: Uint8Array, offset: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`)
  // division, not shifts: shifts would truncate values above 2^31
  while (value >= TWO_TO_THE_7) {
    out[offset++] = (value % TWO_TO_THE_7) | 0x80
    value = Math.floor(value / TWO_TO_THE_7)
  }
  out[offset++] = value
  return offset
}

/** `value` as a varint */
export function encodeVarint (value: number): Uint8Array {
  const out = new Uint8Array(varintLength(value))
  writeVarint(value, out, 0)
  return out
}

/**
 * Read a varint at `offset` of `bytes`. Returns the value and the offset after it, or undefined when `bytes` ends
 * before the varint does (more bytes may still arrive). Throws SyncProtocolError when it is longer than eight bytes,
 * above 2^53 - 1, or not minimally encoded.
 */
export function readVarint (bytes: Uint8Array, offset: number): { value: number, next: number } | undefined {
  let value = 0
  let scale = 1
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (offset + i >= bytes.length) return undefined
    const byte = bytes[offset + i]
    value += (byte & 0x7f) * scale
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0) throw new SyncProtocolError('varint is not minimally encoded')
      if (!Number.isSafeInteger(value)) throw new SyncProtocolError('varint above 2^53 - 1')
      return { value, next: offset + i + 1 }
    }
    scale *= TWO_TO_THE_7
  }
  throw new SyncProtocolError(`varint longer than ${MAX_VARINT_BYTES} bytes`)
}
