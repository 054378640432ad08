/**
 * Key encoding. Every secondary index key ends with a *position*: `<time>\0<cid>`, where `<time>` is the epoch ms
 * shifted to be non-negative and written as 15 zero-padded digits, so that byte order is chronological order with
 * the CID as tie-breaker. Because every index shares the position, a cursor is just a position and means the same
 * whichever index answers a query.
 */
import { InvalidRecordError, InvalidRequestError } from '../errors.ts'

/** Separates the parts of a key; never appears inside a part (CIDs and dids are printable ASCII) */
export const SEP = '\x00'
/** The byte after SEP: `prefix + SEP` .. `prefix + SEP_END` spans every key under `prefix` */
export const SEP_END = '\x01'

/** 0000-01-01T00:00:00.000Z, the earliest RFC 3339 time, maps to 0 */
const TIME_OFFSET = 62_167_219_200_000
/** 9999-12-31T23:59:59.999Z, the latest RFC 3339 time */
const TIME_MAX = 253_402_300_799_999
const TIME_WIDTH = 15
/** length of `<time>\0` at the start of a position */
export const POSITION_CID_START = TIME_WIDTH + 1

/** Fixed-width, order-preserving text for an epoch ms; times outside years 0000..9999 are clamped */
export function encodeTime (ms: number): string {
  const t = ms < -TIME_OFFSET ? -TIME_OFFSET : ms > TIME_MAX ? TIME_MAX : Math.floor(ms)
  return String(t + TIME_OFFSET).padStart(TIME_WIDTH, '0')
}

export function decodeTime (text: string): number {
  return Number(text.slice(0, TIME_WIDTH)) - TIME_OFFSET
}

/** `<time>\0<cid>`: where a record sits in every time-ordered index */
export function position (time: number, cid: string): string {
  return encodeTime(time) + SEP + cid
}

export function positionCid (pos: string): string {
  return pos.slice(POSITION_CID_START)
}

/** A key part taken from a record; a separator inside it could forge another key, so refuse it */
export function part (value: string, field: string): string {
  if (value.length === 0 || value.includes(SEP)) {
    throw new InvalidRecordError(`${field} cannot be indexed: empty or holds a NUL character`, { details: { field } })
  }
  return value
}

const POSITION_RE = /^\d{15}\x00[\x21-\x7e]{1,512}$/

/** True when `pos` has the shape of a position (time digits, separator, printable CID) */
export function isPosition (pos: string): boolean {
  return POSITION_RE.test(pos)
}

/** The opaque query cursor: base64url of the last position returned */
export function encodeCursor (pos: string): string {
  return Buffer.from(pos, 'utf8').toString('base64url')
}

/** Decode a query cursor; anything that is not one of ours is an InvalidRequestError */
export function decodeCursor (cursor: string): string {
  const pos = /^[A-Za-z0-9_-]{1,1024}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : ''
  if (!POSITION_RE.test(pos)) {
    throw new InvalidRequestError('cursor is not valid: pass back the cursor of the previous page unchanged', { details: { field: 'cursor' } })
  }
  return pos
}
