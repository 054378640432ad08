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
  return recordCid(bytes, crypto).toString()
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
