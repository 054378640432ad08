/**
 * Parsing of path and query parameters at the boundary: everything past here trusts its inputs.
 */
import { CID } from 'multiformats/cid'
import { InvalidCIDError, InvalidRequestError } from '../errors.ts'

/** A CID string, normalised to its CIDv1 base32 form; InvalidCIDError otherwise */
export function parseCid (value: unknown, name = 'cid'): string {
  if (typeof value !== 'string' || value === '') throw new InvalidCIDError(`${name} is required`)
  try {
    return CID.parse(value).toV1().toString()
  } catch {
    throw new InvalidCIDError(`${name} "${value.slice(0, 100)}" is not a valid CID`)
  }
}

/** An optional integer within bounds */
export function parseIntParam (value: unknown, name: string, min: number, max: number): number | undefined {
  if (value == null || value === '') return undefined
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidRequestError(`${name} must be an integer from ${min} to ${max}`)
  }
  return n
}

/** A time given as RFC 3339 or epoch milliseconds, as epoch milliseconds */
export function parseTimeParam (value: unknown, name: string): number | undefined {
  if (value == null || value === '') return undefined
  const s = String(value)
  const n = /^\d+$/.test(s) ? Number(s) : Date.parse(s)
  if (!Number.isFinite(n)) throw new InvalidRequestError(`${name} must be an RFC 3339 time or epoch milliseconds`)
  return n
}

/** One of the allowed strings */
export function parseEnumParam<T extends string> (value: unknown, name: string, allowed: readonly T[]): T | undefined {
  if (value == null || value === '') return undefined
  if (!allowed.includes(value as T)) throw new InvalidRequestError(`${name} must be one of ${allowed.join(', ')}`)
  return value as T
}
