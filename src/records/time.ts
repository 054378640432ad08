/**
 * Record times: RFC 3339 in UTC (`Z`), at most millisecond precision, e.g. `2025-03-01T12:00:00.250Z`.
 * One spelling per zone and a bounded precision keep times comparable as strings and exact as epoch milliseconds.
 */
import { InvalidRecordError } from '../errors.ts'
import { RECORD_TIME_PATTERN } from './constants.ts'

/**
 * Epoch milliseconds of a record time; InvalidRecordError naming `field` when the string is not a record time or
 * not a real calendar instant (30 February, hour 24, second 60 are refused).
 */
export function parseRecordTime (value: string, field: string): number {
  const m = typeof value === 'string' ? RECORD_TIME_PATTERN.exec(value) : null
  if (m == null) {
    throw new InvalidRecordError(`${field} must be an RFC 3339 UTC time ending in Z with at most millisecond precision`, { details: { field, rule: 'time' } })
  }
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number)
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'))
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  const back = new Date(ms)
  // Date.UTC rolls overflowing fields into the next unit; a real instant round-trips unchanged
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day ||
      back.getUTCHours() !== hour || back.getUTCMinutes() !== minute || back.getUTCSeconds() !== second) {
    throw new InvalidRecordError(`${field} is not a valid calendar time`, { details: { field, rule: 'time' } })
  }
  return ms
}

/** Record-time string of a Date, truncated to whole milliseconds (which Date always is) */
export function formatRecordTime (date: Date): string {
  const text = date.toISOString()
  if (!RECORD_TIME_PATTERN.test(text)) {
    throw new InvalidRecordError(`time ${text} is outside the years a record can carry`, { details: { rule: 'time' } })
  }
  return text
}
