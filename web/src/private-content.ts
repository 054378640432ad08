/**
 * The page's reader of a private collective's works (protocols/private-collectives.md §9), on @noble/ciphers and
 * @noble/hashes instead of the daemon's native crypto: given the epoch key (from the member's own daemon, over
 * loopback with its API token), it checks the header against the asset record's `encryption` member, unwraps the
 * work key and opens every chunk in order, so a work altered, reordered or cut short fails, and the plaintext's size
 * must be the record's. Written apart from src/private so the two implementations check each other in the tests.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'

const MAGIC = [0x41, 0x54, 0x4c, 0x52, 0x45, 0x4e, 0x43, 0x01]
const HEADER_BYTES = 96
const TAG_BYTES = 16
const MIN_CHUNK = 1024
const MAX_CHUNK = 1024 * 1024
export const SCHEME = 'atelier-stream-chacha20poly1305-v1'

/** The `encryption` member of an asset/3 record, as the page reads it */
export interface WorkEncryption {
  scheme: string
  epoch: number
  chunkSize: number
  plaintextSize: number
  /** base64url */
  salt: string
  wrappedKey: string
  mediaType?: string
}

/** Why a work does not decrypt: `code` is stable */
export class WorkDecryptionError extends Error {
  readonly code: string
  constructor (code: string, message: string) {
    super(message)
    this.name = 'WorkDecryptionError'
    this.code = code
  }
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

function fromBase64url (s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4)
  const bin = atob(b64)
  return Uint8Array.from(bin, c => c.charCodeAt(0))
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

function nonce (index: number, final: boolean): Uint8Array {
  const n = new Uint8Array(12)
  new DataView(n.buffer).setUint32(7, index)
  n[11] = final ? 1 : 0
  return n
}

/** Open a whole encrypted work held in memory (the page reads works it shows whole) */
export function decryptWork (ciphertext: Uint8Array, epochKey: Uint8Array, collective: string, enc: WorkEncryption): Uint8Array {
  if (enc.scheme !== SCHEME) throw new WorkDecryptionError('ERR_SCHEME', `unknown scheme ${enc.scheme}`)
  if (ciphertext.length < HEADER_BYTES || !MAGIC.every((b, i) => ciphertext[i] === b)) throw new WorkDecryptionError('ERR_NOT_ENCRYPTED', 'the content has no encrypted work header')
  const header = ciphertext.subarray(0, HEADER_BYTES)
  const view = new DataView(header.buffer, header.byteOffset, HEADER_BYTES)
  const chunk = view.getUint32(8)
  const epoch = view.getUint32(12)
  const salt = header.subarray(16, 48)
  const wrapped = header.subarray(48, 96)
  if (chunk < MIN_CHUNK || chunk > MAX_CHUNK) throw new WorkDecryptionError('ERR_NOT_ENCRYPTED', `chunk size ${chunk} out of bounds`)
  if (chunk !== enc.chunkSize || epoch !== enc.epoch || !equal(salt, fromBase64url(enc.salt)) || !equal(wrapped, fromBase64url(enc.wrappedKey))) {
    throw new WorkDecryptionError('ERR_HEADER_MISMATCH', 'the content\'s header is not the one the record describes')
  }
  const label = utf8(`atelier/work-key/v1\0${collective}\0${epoch}`)
  let workKey: Uint8Array
  try {
    workKey = chacha20poly1305(hkdf(sha256, epochKey, salt, label, 32), new Uint8Array(12), label).decrypt(wrapped)
  } catch {
    throw new WorkDecryptionError('ERR_DECRYPTION', `the work key does not open with this epoch ${epoch} key`)
  }
  const key = hkdf(sha256, workKey, salt, utf8('atelier/content/v1'), 32)
  const body = ciphertext.subarray(HEADER_BYTES)
  const sealed = chunk + TAG_BYTES
  const count = Math.max(1, Math.ceil(body.length / sealed))
  const out = new Uint8Array(Math.max(0, body.length - count * TAG_BYTES))
  let at = 0
  for (let i = 0; i < count; i++) {
    const piece = body.subarray(i * sealed, Math.min(body.length, (i + 1) * sealed))
    let pt: Uint8Array
    try {
      pt = chacha20poly1305(key, nonce(i, i === count - 1), header).decrypt(piece)
    } catch {
      throw new WorkDecryptionError('ERR_DECRYPTION', `chunk ${i} does not open: the work was altered, reordered or cut short`)
    }
    out.set(pt, at)
    at += pt.length
  }
  if (at !== enc.plaintextSize) throw new WorkDecryptionError('ERR_SIZE_MISMATCH', `the work holds ${at} bytes, the record says ${enc.plaintextSize}`)
  return out
}
