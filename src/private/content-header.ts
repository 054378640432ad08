/**
 * The header of an encrypted work (protocols/private-collectives.md §9) and its key schedule: a fresh 32-byte work
 * key per work, wrapped to the epoch key under a key of its own (HKDF of the epoch key with the work's random salt,
 * bound to collective and epoch), and a payload key derived from the work key and the same salt. The header is the
 * associated data of every chunk, so changing any byte of it (chunk size, epoch, salt, wrap) fails every chunk.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { utf8Bytes } from '../records/jcs.ts'
import { DecryptionError, NotEncryptedError } from './errors.ts'

/** "ATLRENC" and the format version 1 */
export const MAGIC = Uint8Array.from([0x41, 0x54, 0x4c, 0x52, 0x45, 0x4e, 0x43, 0x01])
export const HEADER_BYTES = 96
export const SALT_BYTES = 32
export const WORK_KEY_BYTES = 32
export const TAG_BYTES = 16
/** The wrapped work key: 32 bytes and the tag */
export const WRAPPED_KEY_BYTES = WORK_KEY_BYTES + TAG_BYTES
/** Plaintext bytes a chunk holds unless the writer says otherwise: 64 KiB, as age and Tink's streaming AEAD */
export const DEFAULT_CHUNK_BYTES = 64 * 1024
/** Bounds a reader accepts for the chunk size: a hostile header cannot make a reader buffer more than 1 MiB */
export const MIN_CHUNK_BYTES = 1024
export const MAX_CHUNK_BYTES = 1024 * 1024
export const SCHEME = 'atelier-stream-chacha20poly1305-v1'
export const WORK_KEY_LABEL = 'atelier/work-key/v1'
export const PAYLOAD_LABEL = 'atelier/content/v1'
const ZERO_NONCE = new Uint8Array(12)

export interface ContentHeader {
  chunkBytes: number
  epoch: number
  salt: Uint8Array
  wrappedKey: Uint8Array
  /** the 96 bytes as written: every chunk's associated data */
  bytes: Uint8Array
}

export function workKeyLabel (collective: string, epoch: number): Uint8Array {
  return utf8Bytes(`${WORK_KEY_LABEL}\0${collective}\0${epoch}`)
}

function wrapKey (epochKey: Uint8Array, salt: Uint8Array, label: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', epochKey, salt, label, 32))
}

/** Seal the work key to the epoch key; `salt` is the work's own (in the header) */
export function wrapWorkKey (epochKey: Uint8Array, collective: string, epoch: number, salt: Uint8Array, workKey: Uint8Array): Uint8Array {
  const label = workKeyLabel(collective, epoch)
  const cipher = createCipheriv('chacha20-poly1305', wrapKey(epochKey, salt, label), ZERO_NONCE, { authTagLength: TAG_BYTES })
  cipher.setAAD(label, { plaintextLength: workKey.length })
  return new Uint8Array(Buffer.concat([cipher.update(workKey), cipher.final(), cipher.getAuthTag()]))
}

export function unwrapWorkKey (epochKey: Uint8Array, collective: string, epoch: number, salt: Uint8Array, wrapped: Uint8Array): Uint8Array {
  if (wrapped.length !== WRAPPED_KEY_BYTES) throw new DecryptionError('the wrapped work key has the wrong length')
  const label = workKeyLabel(collective, epoch)
  try {
    const decipher = createDecipheriv('chacha20-poly1305', wrapKey(epochKey, salt, label), ZERO_NONCE, { authTagLength: TAG_BYTES })
    decipher.setAAD(label, { plaintextLength: WORK_KEY_BYTES })
    decipher.setAuthTag(wrapped.subarray(WORK_KEY_BYTES))
    return new Uint8Array(Buffer.concat([decipher.update(wrapped.subarray(0, WORK_KEY_BYTES)), decipher.final()]))
  } catch (err) {
    throw new DecryptionError(`the work key does not open with the key of epoch ${epoch} of ${collective}`, { cause: err })
  }
}

/** The key the chunks are sealed with: never the work key itself */
export function payloadKey (workKey: Uint8Array, salt: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', workKey, salt, utf8Bytes(PAYLOAD_LABEL), 32))
}

export function encodeHeader (chunkBytes: number, epoch: number, salt: Uint8Array, wrappedKey: Uint8Array): ContentHeader {
  checkChunkBytes(chunkBytes)
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffffffff) throw new RangeError('the epoch must be a 32-bit unsigned integer')
  if (salt.length !== SALT_BYTES || wrappedKey.length !== WRAPPED_KEY_BYTES) throw new RangeError('salt or wrapped key of the wrong length')
  const bytes = new Uint8Array(HEADER_BYTES)
  const view = new DataView(bytes.buffer)
  bytes.set(MAGIC, 0)
  view.setUint32(8, chunkBytes)
  view.setUint32(12, epoch)
  bytes.set(salt, 16)
  bytes.set(wrappedKey, 48)
  return { chunkBytes, epoch, salt: bytes.slice(16, 48), wrappedKey: bytes.slice(48, 96), bytes }
}

export function decodeHeader (input: Uint8Array): ContentHeader {
  if (input.length < HEADER_BYTES || !MAGIC.every((b, i) => input[i] === b)) throw new NotEncryptedError('the content does not start with an encrypted work\'s header')
  const bytes = input.slice(0, HEADER_BYTES)
  const view = new DataView(bytes.buffer)
  const chunkBytes = view.getUint32(8)
  if (chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) throw new NotEncryptedError(`the header's chunk size ${chunkBytes} is outside ${MIN_CHUNK_BYTES}–${MAX_CHUNK_BYTES}`)
  return { chunkBytes, epoch: view.getUint32(12), salt: bytes.slice(16, 48), wrappedKey: bytes.slice(48, 96), bytes }
}

function checkChunkBytes (n: number): void {
  if (!Number.isInteger(n) || n < MIN_CHUNK_BYTES || n > MAX_CHUNK_BYTES) throw new RangeError(`the chunk size must be ${MIN_CHUNK_BYTES}–${MAX_CHUNK_BYTES} bytes`)
}

/** A fresh work: its key, salt and header for `collective`'s epoch */
export function newWork (epochKey: Uint8Array, collective: string, epoch: number, chunkBytes = DEFAULT_CHUNK_BYTES,
  fixed?: { workKey: Uint8Array, salt: Uint8Array }): { workKey: Uint8Array, header: ContentHeader } {
  const workKey = fixed?.workKey ?? new Uint8Array(randomBytes(WORK_KEY_BYTES))
  const salt = fixed?.salt ?? new Uint8Array(randomBytes(SALT_BYTES))
  return { workKey, header: encodeHeader(chunkBytes, epoch, salt, wrapWorkKey(epochKey, collective, epoch, salt, workKey)) }
}

/** Sizes: chunks = max(1, ceil(plaintext / chunk)); every chunk adds a 16-byte tag */
export function chunkCount (plaintextBytes: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(plaintextBytes / chunkBytes))
}

export function ciphertextSize (plaintextBytes: number, chunkBytes: number): number {
  return HEADER_BYTES + plaintextBytes + TAG_BYTES * chunkCount(plaintextBytes, chunkBytes)
}

/** The plaintext size a ciphertext of `size` bytes holds; undefined when no plaintext size gives it */
export function plaintextSize (size: number, chunkBytes: number): number | undefined {
  const body = size - HEADER_BYTES
  if (body < TAG_BYTES) return undefined
  const sealed = chunkBytes + TAG_BYTES
  const full = Math.floor(body / sealed)
  const rest = body - full * sealed
  if (rest === 0) return full * chunkBytes // the last chunk is full
  // an empty last chunk is written only for an empty work
  if (rest < TAG_BYTES || (rest === TAG_BYTES && full > 0)) return undefined
  return full * chunkBytes + rest - TAG_BYTES
}
