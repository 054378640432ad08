/**
 * The frames of `/atelier/sync/1.0.0`, byte for byte as protocols/sync.md §4–5 writes them, and a frame parser for
 * the receiving side. Pure (no I/O).
 *
 * Every frame is `varint(length) ‖ body` and every body starts with its type byte. The parser learns the type before
 * the body has arrived and checks the length against that type's cap, so a peer cannot make us buffer more than
 * the largest frame the protocol allows. Decoding checks every count against the bytes actually present before
 * allocating anything.
 */
import {
  FINGERPRINT_BYTES, ID_BYTES, MAX_CONTROL_FRAME_BYTES, MAX_ERROR_FRAME_BYTES, MAX_ERROR_MESSAGE_BYTES,
  MAX_IDS_PER_IDLIST, MAX_IDS_PER_WANT, MAX_RANGES_PER_MESSAGE, MAX_RECORD_FRAME_BYTES, MAX_SCOPE_BYTES
} from './constants.ts'
import { SyncLimitError, SyncProtocolError } from './errors.ts'
import { compareBounds } from './items.ts'
import { readVarint, varintLength, writeVarint } from './varint.ts'
import type { Bound } from './items.ts'

/** The type byte that starts every frame body */
export const MessageType = {
  OPEN: 0x01,
  RECONCILE: 0x02,
  WANT: 0x03,
  RECORD: 0x04,
  DONE: 0x05,
  ERROR: 0x06
} as const

/** The mode of a range inside OPEN and RECONCILE */
export const RangeMode = {
  SKIP: 0,
  FINGERPRINT: 1,
  IDLIST: 2
} as const

/** A range of the order, from the previous range's upper bound (or the start) to `upper` */
export type Range =
  | { upper: Bound, mode: 'skip' }
  | { upper: Bound, mode: 'fingerprint', fingerprint: Uint8Array }
  | { upper: Bound, mode: 'idlist', ids: Uint8Array[] }

export interface OpenMessage { type: 'open', scope: string, ranges: Range[] }
export interface ReconcileMessage { type: 'reconcile', ranges: Range[] }
export interface WantMessage { type: 'want', ids: Uint8Array[] }
export interface RecordMessage { type: 'record', bytes: Uint8Array }
export interface DoneMessage { type: 'done' }
export interface ErrorMessage { type: 'error', code: number, message: string }
export type SyncMessage = OpenMessage | ReconcileMessage | WantMessage | RecordMessage | DoneMessage | ErrorMessage

/** Largest body a frame of this type may have; undefined for an unknown type */
export function maxBodyBytes (type: number): number | undefined {
  switch (type) {
    case MessageType.OPEN:
    case MessageType.RECONCILE:
    case MessageType.WANT:
      return MAX_CONTROL_FRAME_BYTES
    case MessageType.RECORD: return 1 + MAX_RECORD_FRAME_BYTES
    case MessageType.DONE: return 1
    case MessageType.ERROR: return MAX_ERROR_FRAME_BYTES
    default: return undefined
  }
}

/** Largest encoding of a bound: ts varint (8) + prefix length (1) + prefix (32) */
export const MAX_BOUND_BYTES = 8 + 1 + ID_BYTES

// ---------------------------------------------------------------------------------------------------------------
// encoding

const utf8Encoder = new TextEncoder()

/** Bytes of `ranges` once encoded (trailing SKIP ranges are not written) */
export function rangesLength (ranges: Range[]): number {
  const end = trimmedLength(ranges)
  let n = 0
  let prevTs = 0
  for (let i = 0; i < end; i++) {
    const r = ranges[i]
    n += boundLength(r.upper, prevTs) + 1
    if (r.mode === 'fingerprint') n += FINGERPRINT_BYTES
    else if (r.mode === 'idlist') n += varintLength(r.ids.length) + r.ids.length * ID_BYTES
    if (r.upper.timestamp !== Infinity) prevTs = r.upper.timestamp
  }
  return n
}

function trimmedLength (ranges: Range[]): number {
  let end = ranges.length
  while (end > 0 && ranges[end - 1].mode === 'skip') end--
  return end
}

function boundLength (b: Bound, prevTs: number): number {
  const code = b.timestamp === Infinity ? 0 : b.timestamp - prevTs + 1
  return varintLength(code) + varintLength(b.prefix.length) + b.prefix.length
}

function writeRanges (ranges: Range[], out: Uint8Array, offset: number): number {
  const end = trimmedLength(ranges)
  let prevTs = 0
  for (let i = 0; i < end; i++) {
    const r = ranges[i]
    const ts = r.upper.timestamp
    if (ts !== Infinity && ts < prevTs) throw new RangeError('range bounds must increase')
    offset = writeVarint(ts === Infinity ? 0 : ts - prevTs + 1, out, offset)
    offset = writeVarint(r.upper.prefix.length, out, offset)
    out.set(r.upper.prefix, offset)
    offset += r.upper.prefix.length
    if (r.mode === 'skip') {
      out[offset++] = RangeMode.SKIP
    } else if (r.mode === 'fingerprint') {
      out[offset++] = RangeMode.FINGERPRINT
      out.set(r.fingerprint, offset)
      offset += FINGERPRINT_BYTES
    } else {
      out[offset++] = RangeMode.IDLIST
      offset = writeVarint(r.ids.length, out, offset)
      for (const id of r.ids) {
        out.set(id, offset)
        offset += ID_BYTES
      }
    }
    if (ts !== Infinity) prevTs = ts
  }
  return offset
}

/** The body of a message (type byte first), without the length prefix */
export function encodeMessage (msg: SyncMessage): Uint8Array {
  switch (msg.type) {
    case 'open': {
      const scope = utf8Encoder.encode(msg.scope)
      const out = new Uint8Array(1 + varintLength(scope.length) + scope.length + rangesLength(msg.ranges))
      out[0] = MessageType.OPEN
      let o = writeVarint(scope.length, out, 1)
      out.set(scope, o)
      o += scope.length
      writeRanges(msg.ranges, out, o)
      return out
    }
    case 'reconcile': {
      const out = new Uint8Array(1 + rangesLength(msg.ranges))
      out[0] = MessageType.RECONCILE
      writeRanges(msg.ranges, out, 1)
      return out
    }
    case 'want': {
      const out = new Uint8Array(1 + varintLength(msg.ids.length) + msg.ids.length * ID_BYTES)
      out[0] = MessageType.WANT
      let o = writeVarint(msg.ids.length, out, 1)
      for (const id of msg.ids) {
        out.set(id, o)
        o += ID_BYTES
      }
      return out
    }
    case 'record': {
      const out = new Uint8Array(1 + msg.bytes.length)
      out[0] = MessageType.RECORD
      out.set(msg.bytes, 1)
      return out
    }
    case 'done':
      return Uint8Array.of(MessageType.DONE)
    case 'error': {
      const text = truncateUtf8(msg.message, MAX_ERROR_MESSAGE_BYTES)
      const out = new Uint8Array(1 + varintLength(msg.code) + text.length)
      out[0] = MessageType.ERROR
      out.set(text, writeVarint(msg.code, out, 1))
      return out
    }
  }
}

/** `body` with its length prefix */
export function frame (body: Uint8Array): Uint8Array {
  const out = new Uint8Array(varintLength(body.length) + body.length)
  out.set(body, writeVarint(body.length, out, 0))
  return out
}

/** A message as a whole frame: `varint(length) ‖ body` */
export function encodeFrame (msg: SyncMessage): Uint8Array {
  return frame(encodeMessage(msg))
}

/** The bytes of a RECORD frame before the record itself (`varint(length) ‖ type`): the frame is these, then the
 * record's bytes, so a writer can queue the record as it is instead of copying it into a frame first */
export function recordFrameHeader (recordLength: number): Uint8Array {
  const out = new Uint8Array(varintLength(1 + recordLength) + 1)
  out[writeVarint(1 + recordLength, out, 0)] = MessageType.RECORD
  return out
}

/** UTF-8 of `text`, cut at a character boundary so it fits `max` bytes */
function truncateUtf8 (text: string, max: number): Uint8Array {
  const bytes = utf8Encoder.encode(text)
  if (bytes.length <= max) return bytes
  let end = max
  // step back over continuation bytes (10xxxxxx) so no character is cut in half
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--
  return bytes.subarray(0, end)
}

// ---------------------------------------------------------------------------------------------------------------
// decoding

const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

function need (body: Uint8Array, offset: number, n: number, what: string): void {
  if (offset + n > body.length) throw new SyncProtocolError(`frame ends inside ${what}`)
}

function varintAt (body: Uint8Array, offset: number, what: string): { value: number, next: number } {
  const v = readVarint(body, offset)
  if (v == null) throw new SyncProtocolError(`frame ends inside ${what}`)
  return v
}

/** Decode the ranges of an OPEN or RECONCILE body from `offset` to its end; checks order and limits */
function readRanges (body: Uint8Array, offset: number): Range[] {
  const ranges: Range[] = []
  let prevTs = 0
  let prev: Bound | undefined
  while (offset < body.length) {
    if (ranges.length >= MAX_RANGES_PER_MESSAGE) throw new SyncLimitError(`more than ${MAX_RANGES_PER_MESSAGE} ranges in one message`)
    if (prev?.timestamp === Infinity) throw new SyncProtocolError('a range follows the one that ends at infinity')
    const tsCode = varintAt(body, offset, 'a bound')
    offset = tsCode.next
    const timestamp = tsCode.value === 0 ? Infinity : prevTs + tsCode.value - 1
    if (!Number.isSafeInteger(timestamp) && timestamp !== Infinity) throw new SyncProtocolError('bound timestamp above 2^53 - 1')
    const len = varintAt(body, offset, 'a bound')
    offset = len.next
    if (len.value > ID_BYTES) throw new SyncProtocolError(`bound prefix longer than ${ID_BYTES} bytes`)
    need(body, offset, len.value, 'a bound prefix')
    const prefix = body.slice(offset, offset + len.value)
    offset += len.value
    if (prefix.length > 0 && prefix[prefix.length - 1] === 0) throw new SyncProtocolError('bound prefix ends in a zero byte')
    if (timestamp === Infinity && prefix.length > 0) throw new SyncProtocolError('the infinite bound has a prefix')
    const upper: Bound = { timestamp, prefix }
    if (compareBounds(upper, prev ?? { timestamp: 0, prefix: new Uint8Array(0) }) <= 0) {
      throw new SyncProtocolError('range bounds do not increase')
    }
    const mode = varintAt(body, offset, 'a range mode')
    offset = mode.next
    if (mode.value === RangeMode.SKIP) {
      if (ranges.length > 0 && ranges[ranges.length - 1].mode === 'skip') throw new SyncProtocolError('two SKIP ranges in a row')
      ranges.push({ upper, mode: 'skip' })
    } else if (mode.value === RangeMode.FINGERPRINT) {
      need(body, offset, FINGERPRINT_BYTES, 'a fingerprint')
      ranges.push({ upper, mode: 'fingerprint', fingerprint: body.slice(offset, offset + FINGERPRINT_BYTES) })
      offset += FINGERPRINT_BYTES
    } else if (mode.value === RangeMode.IDLIST) {
      const count = varintAt(body, offset, 'an id list')
      offset = count.next
      if (count.value > MAX_IDS_PER_IDLIST) throw new SyncLimitError(`id list of ${count.value} ids (limit ${MAX_IDS_PER_IDLIST})`)
      need(body, offset, count.value * ID_BYTES, 'an id list')
      const ids: Uint8Array[] = []
      for (let k = 0; k < count.value; k++) {
        ids.push(body.slice(offset, offset + ID_BYTES))
        offset += ID_BYTES
      }
      ranges.push({ upper, mode: 'idlist', ids })
    } else {
      throw new SyncProtocolError(`unknown range mode ${mode.value}`)
    }
    prev = upper
    if (timestamp !== Infinity) prevTs = timestamp
  }
  if (ranges.length > 0 && ranges[ranges.length - 1].mode === 'skip') throw new SyncProtocolError('a message ends with a SKIP range')
  return ranges
}

/** Decode one frame body; throws SyncProtocolError or SyncLimitError for anything malformed */
export function decodeMessage (body: Uint8Array): SyncMessage {
  if (body.length === 0) throw new SyncProtocolError('empty frame')
  const type = body[0]
  const cap = maxBodyBytes(type)
  if (cap == null) throw new SyncProtocolError(`unknown message type 0x${type.toString(16).padStart(2, '0')}`)
  if (body.length > cap) throw new SyncLimitError(`frame of type 0x${type.toString(16)} is ${body.length} bytes (limit ${cap})`)
  switch (type) {
    case MessageType.OPEN: {
      const len = varintAt(body, 1, 'the scope')
      if (len.value === 0 || len.value > MAX_SCOPE_BYTES) throw new SyncLimitError(`scope of ${len.value} bytes (1 … ${MAX_SCOPE_BYTES})`)
      need(body, len.next, len.value, 'the scope')
      let scope: string
      try {
        scope = utf8Decoder.decode(body.subarray(len.next, len.next + len.value))
      } catch {
        throw new SyncProtocolError('scope is not UTF-8')
      }
      return { type: 'open', scope, ranges: readRanges(body, len.next + len.value) }
    }
    case MessageType.RECONCILE:
      return { type: 'reconcile', ranges: readRanges(body, 1) }
    case MessageType.WANT: {
      const count = varintAt(body, 1, 'a WANT count')
      if (count.value === 0) throw new SyncProtocolError('WANT with no ids')
      if (count.value > MAX_IDS_PER_WANT) throw new SyncLimitError(`WANT of ${count.value} ids (limit ${MAX_IDS_PER_WANT})`)
      if (body.length !== count.next + count.value * ID_BYTES) throw new SyncProtocolError('WANT length does not match its count')
      const ids: Uint8Array[] = []
      for (let k = 0, o = count.next; k < count.value; k++, o += ID_BYTES) ids.push(body.slice(o, o + ID_BYTES))
      return { type: 'want', ids }
    }
    case MessageType.RECORD:
      if (body.length < 2) throw new SyncProtocolError('RECORD with no bytes')
      return { type: 'record', bytes: body.subarray(1) }
    case MessageType.DONE:
      return { type: 'done' }
    default: {
      const code = varintAt(body, 1, 'an error code')
      if (body.length - code.next > MAX_ERROR_MESSAGE_BYTES) throw new SyncLimitError('error message too long')
      let message: string
      try {
        message = utf8Decoder.decode(body.subarray(code.next))
      } catch {
        throw new SyncProtocolError('error message is not UTF-8')
      }
      return { type: 'error', code: code.value, message }
    }
  }
}

/**
 * Splits a byte stream into frame bodies. Feed it chunks with `push`, take bodies with `next`. It checks each
 * frame's length against its type's cap as soon as the type byte is in, before waiting for the rest.
 */
export class FrameParser {
  private buf = new Uint8Array(0)
  private start = 0
  private end = 0

  /** Bytes received and not yet returned as frames */
  get buffered (): number {
    return this.end - this.start
  }

  /** Append received bytes */
  push (chunk: Uint8Array): void {
    if (chunk.length === 0) return
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start
      if (live + chunk.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end)
      } else {
        const grown = new Uint8Array(Math.max(live + chunk.length, this.buf.length * 2, 4096))
        grown.set(this.buf.subarray(this.start, this.end))
        this.buf = grown
      }
      this.start = 0
      this.end = live
    }
    this.buf.set(chunk, this.end)
    this.end += chunk.length
  }

  /** The next complete frame body (a copy), or undefined until more bytes arrive */
  next (): Uint8Array | undefined {
    const view = this.buf.subarray(this.start, this.end)
    const len = readVarint(view, 0)
    if (len == null) return undefined
    if (len.value === 0) throw new SyncProtocolError('empty frame')
    if (len.next >= view.length) return undefined
    const type = view[len.next]
    const cap = maxBodyBytes(type)
    if (cap == null) throw new SyncProtocolError(`unknown message type 0x${type.toString(16).padStart(2, '0')}`)
    if (len.value > cap) throw new SyncLimitError(`frame of type 0x${type.toString(16)} announces ${len.value} bytes (limit ${cap})`)
    if (view.length < len.next + len.value) return undefined
    const body = view.slice(len.next, len.next + len.value)
    this.start += len.next + len.value
    if (this.start === this.end) {
      this.start = 0
      this.end = 0
    }
    return body
  }

  /** The stream ended: fine between frames, a SyncProtocolError inside one */
  finish (): void {
    if (this.end > this.start) throw new SyncProtocolError(`stream ended inside a frame (${this.end - this.start} bytes left)`)
  }
}
