/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the byte form records are hashed, signed and stored in.
 *
 * `canonicalize` does the serialisation; this file adds the guards it lacks (values JSON cannot represent are
 * rejected rather than silently dropped or turned into `null`) and a member-wise form that lets validation build
 * the document, proof-config and record canonical strings from one pass over each value.
 */
import { MAX_JSON_DEPTH } from './json-depth.ts'
import canonicalize from 'canonicalize'
import { MalformedJSONError } from '../errors.ts'

const utf8 = new TextEncoder()

/** A JSON value as JSON.parse returns it */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/**
 * Throw MalformedJSONError unless `value` is plain JSON: null, booleans, finite numbers, strings, arrays and plain
 * objects, recursively; object members that are `undefined` count as absent. Needed for objects handed in by
 * callers; JSON.parse output always passes.
 */
export function assertJsonValue (value: unknown, path: string = 'record', depth = 0): asserts value is JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return
    case 'number':
      if (!Number.isFinite(value)) throw new MalformedJSONError(`${path} is not a finite number`, { details: { field: path } })
      return
    case 'object': {
      if (value === null) return
      // a caller's object may nest deeper than any text we would parse: refuse before the stack runs out
      if (depth >= MAX_JSON_DEPTH) throw new MalformedJSONError(`${path} is nested deeper than ${MAX_JSON_DEPTH} levels`, { details: { field: path, rule: 'depth', max: MAX_JSON_DEPTH } })
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) assertJsonValue(value[i], `${path}[${i}]`, depth + 1)
        return
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) {
        // Dates, Maps, class instances: their JSON form is not their value
        throw new MalformedJSONError(`${path} is not a plain JSON object`, { details: { field: path } })
      }
      for (const key of Object.keys(value)) {
        const member = (value as Record<string, unknown>)[key]
        // an undefined member is how JavaScript spells "absent"; JSON (and JCS) simply leave it out
        if (member !== undefined) assertJsonValue(member, `${path}.${key}`, depth + 1)
      }
      return
    }
    default:
      throw new MalformedJSONError(`${path} is a ${typeof value}, which JSON cannot represent`, { details: { field: path } })
  }
}

/**
 * JCS string of a JSON value. The value must already be plain JSON (see assertJsonValue); a lone surrogate, which
 * I-JSON forbids and JSON.parse lets through as a `\ud800` escape, raises MalformedJSONError.
 */
export function canonicalString (value: JsonValue | object): string {
  let out: string | undefined
  try {
    out = canonicalize(value)
  } catch (err) {
    throw new MalformedJSONError(`record cannot be canonicalised: ${(err as Error).message}`, { cause: err })
  }
  if (out === undefined) throw new MalformedJSONError('record has no JSON form')
  return out
}

/** JCS UTF-8 bytes of a JSON value */
export function canonicalBytes (value: JsonValue | object): Uint8Array {
  return utf8.encode(canonicalString(value))
}

/** UTF-8 encoding, shared so callers need no encoder of their own */
export function utf8Bytes (text: string): Uint8Array {
  return utf8.encode(text)
}

/**
 * An object's members in JCS order (UTF-16 code-unit order of the keys, which is what Array#sort gives), each as a
 * ready `"key":value` fragment. Joining a subset yields the JCS of that subset, so the same member strings serve the
 * document with and without its `proof`. `precomputed` supplies the canonical value of some keys already in hand.
 */
export function canonicalMembers (object: Record<string, unknown>, precomputed: Readonly<Record<string, string>> = {}): Array<[key: string, fragment: string]> {
  const keys = Object.keys(object).sort()
  const members: Array<[string, string]> = []
  for (const key of keys) {
    const value = object[key]
    if (value === undefined) continue
    // Object.hasOwn: a key such as "toString" must not pick up an inherited value
    const canonicalValue = Object.hasOwn(precomputed, key) ? precomputed[key] : canonicalString(value as JsonValue)
    members.push([key, `${canonicalString(key)}:${canonicalValue}`])
  }
  return members
}

/** JCS of the object whose members are `members`, leaving out the key `omit` */
export function joinMembers (members: ReadonlyArray<[string, string]>, omit?: string): string {
  let out = '{'
  let first = true
  for (const [key, fragment] of members) {
    if (key === omit) continue
    if (!first) out += ','
    out += fragment
    first = false
  }
  return out + '}'
}
