/**
 * Record identifiers: CIDv1, multicodec `json` (0x0200), multihash sha2-256 over the record's canonical bytes,
 * written base32 (`b…`). Computed synchronously with the sha256 handed in, so the browser and the daemon agree
 * without an async hasher.
 *
 * Every CID string in a record must be in its one canonical spelling (CIDv1, base32 lower case): the same CID
 * written two ways would make two index keys for one thing.
 */
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidCIDError } from '../errors.ts'
import { JSON_CODEC, SHA2_256_CODE, SHA256_BYTES } from './constants.ts'
import type { RecordCrypto } from './types.ts'

/** CID of a record's canonical bytes */
export function recordCid (bytes: Uint8Array, crypto: Pick<RecordCrypto, 'sha256'>): CID {
  return CID.createV1(JSON_CODEC, Digest.create(SHA2_256_CODE, crypto.sha256(bytes)))
}

/** CID string (base32) of a record's canonical bytes */
export function recordCidString (bytes: Uint8Array, crypto: Pick<RecordCrypto, 'sha256'>): string {
  return recordCidFromDigest(crypto.sha256(bytes))
}

/*
 * Record CID strings straight from and to their digest. Every record CID starts with the same five bytes (version
 * 1, codec json, sha2-256, length 32): forty bits, exactly eight base32 characters, so a record CID string is a
 * fixed prefix and then the base32 of its digest alone. Written here because sync and ingest turn every record's
 * digest into its CID string and back: through multiformats' CID objects and its character-by-character base32,
 * that was the largest allocation of a node serving a catch-up (a seventh of its bytes allocated). Both agree with
 * multiformats on every input (test/records/cid-fast.spec.ts).
 */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
const BASE32_VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < BASE32.length; i++) BASE32_VALUE[BASE32.charCodeAt(i)] = i
/** Multibase `b` and the base32 of the five bytes every record CID starts with */
export const RECORD_CID_PREFIX = CID.createV1(JSON_CODEC, Digest.create(SHA2_256_CODE, new Uint8Array(SHA256_BYTES))).toString().slice(0, 9)
/** 32 digest bytes are 256 bits: 52 base32 characters, the last carrying 4 zero bits */
const DIGEST_CHARS = Math.ceil(SHA256_BYTES * 8 / 5)
const RECORD_CID_LENGTH = RECORD_CID_PREFIX.length + DIGEST_CHARS
const cidChars = new Uint8Array(RECORD_CID_LENGTH)
for (let i = 0; i < RECORD_CID_PREFIX.length; i++) cidChars[i] = RECORD_CID_PREFIX.charCodeAt(i)
const asciiDecoder = new TextDecoder()

/** The CID string of the record whose sha2-256 digest is `digest` (32 bytes) */
export function recordCidFromDigest (digest: Uint8Array): string {
  if (digest.length !== SHA256_BYTES) throw new InvalidCIDError(`a record digest is ${SHA256_BYTES} bytes, not ${digest.length}`)
  let o = RECORD_CID_PREFIX.length
  let value = 0
  let bits = 0
  for (let i = 0; i < SHA256_BYTES; i++) {
    value = ((value << 8) | digest[i]) & 0xfff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      cidChars[o++] = BASE32.charCodeAt((value >>> bits) & 31)
    }
  }
  if (bits > 0) cidChars[o++] = BASE32.charCodeAt((value << (5 - bits)) & 31)
  return asciiDecoder.decode(cidChars)
}

/** The digest of a record CID in its canonical spelling; undefined for any other string (which may still be a
 * CID: callers that accept more parse it in full) */
export function recordDigestOf (cid: string): Uint8Array | undefined {
  if (cid.length !== RECORD_CID_LENGTH || !cid.startsWith(RECORD_CID_PREFIX)) return undefined
  const out = new Uint8Array(SHA256_BYTES)
  let o = 0
  let value = 0
  let bits = 0
  for (let i = RECORD_CID_PREFIX.length; i < RECORD_CID_LENGTH; i++) {
    const c = cid.charCodeAt(i)
    const v = c < 128 ? BASE32_VALUE[c] : -1
    if (v < 0) return undefined
    value = ((value << 5) | v) & 0xfff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[o++] = (value >>> bits) & 0xff
    }
  }
  // the last character's spare bits are zero in the canonical spelling
  if ((value & ((1 << bits) - 1)) !== 0) return undefined
  return out
}

/**
 * Parse a CIDv1 string in canonical base32 form. Throws InvalidCIDError naming `field` otherwise.
 * Any codec and hash are accepted: content CIDs are raw, dag-pb and the like.
 */
export function parseCid (value: string, field: string = 'cid'): CID {
  if (typeof value !== 'string' || value[0] !== 'b') {
    throw new InvalidCIDError(`${field} must be a CIDv1 in base32 (starting with "b")`, { details: { field, rule: 'cid' } })
  }
  let cid: CID
  try {
    cid = CID.parse(value)
  } catch (err) {
    throw new InvalidCIDError(`${field} is not a valid CID: ${(err as Error).message}`, { cause: err, details: { field, rule: 'cid' } })
  }
  if (cid.version !== 1) {
    throw new InvalidCIDError(`${field} must be a CIDv1`, { details: { field, rule: 'cid' } })
  }
  if (cid.toString() !== value) {
    throw new InvalidCIDError(`${field} is not in canonical form (expected ${cid.toString()})`, { details: { field, rule: 'cid' } })
  }
  return cid
}

/** Parse a CID that must name an Atelier record: codec json (0x0200), sha2-256, 32-byte digest */
export function parseRecordCid (value: string, field: string = 'cid'): CID {
  const cid = parseCid(value, field)
  if (cid.code !== JSON_CODEC) {
    throw new InvalidCIDError(`${field} must be a record CID (codec json 0x0200), got codec 0x${cid.code.toString(16)}`, { details: { field, rule: 'recordCid' } })
  }
  if (cid.multihash.code !== SHA2_256_CODE || cid.multihash.size !== SHA256_BYTES) {
    throw new InvalidCIDError(`${field} must be a record CID (sha2-256)`, { details: { field, rule: 'recordCid' } })
  }
  return cid
}

/** True when `value` is a canonical record CID string */
export function isRecordCid (value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    parseRecordCid(value)
    return true
  } catch {
    return false
  }
}
