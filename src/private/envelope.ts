/**
 * What a private collective's records and content travel in (protocols/private-collectives.md §5): ChaCha20-Poly1305
 * (RFC 8439, the platform's own) under a key used for one envelope only: HKDF-SHA256 of the epoch key with a fresh
 * random 32-byte salt, so the epoch key never encrypts data and no (key, nonce) pair can repeat however many
 * envelopes an epoch seals (the nonce is then fixed at zero). The collective and the epoch are associated data, so an
 * envelope cannot be moved to another collective or epoch unnoticed.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { utf8Bytes } from '../records/jcs.ts'
import { DecryptionError } from './errors.ts'

export const ENVELOPE_LABEL = 'atelier/envelope/v1'
export const SALT_BYTES = 32
const TAG_BYTES = 16
const NONCE = new Uint8Array(12)

export interface Envelope {
  collective: string
  epoch: number
  /** the envelope's own key derivation salt */
  salt: Uint8Array
  /** ciphertext, then the 16-byte tag */
  ct: Uint8Array
}

function label (collective: string, epoch: number): Uint8Array {
  return utf8Bytes(`${ENVELOPE_LABEL}\0${collective}\0${epoch}`)
}

function envelopeKey (epochKey: Uint8Array, salt: Uint8Array, collective: string, epoch: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', epochKey, salt, label(collective, epoch), 32))
}

export function seal (epochKey: Uint8Array, collective: string, epoch: number, plaintext: Uint8Array): Envelope {
  const salt = new Uint8Array(randomBytes(SALT_BYTES))
  const cipher = createCipheriv('chacha20-poly1305', envelopeKey(epochKey, salt, collective, epoch), NONCE, { authTagLength: TAG_BYTES })
  cipher.setAAD(label(collective, epoch), { plaintextLength: plaintext.length })
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  return { collective, epoch, salt, ct: new Uint8Array(ct.buffer, ct.byteOffset, ct.byteLength) }
}

export function open (epochKey: Uint8Array, e: Envelope): Uint8Array {
  if (e.ct.length < TAG_BYTES || e.salt.length !== SALT_BYTES) throw new DecryptionError('the envelope is malformed')
  try {
    const decipher = createDecipheriv('chacha20-poly1305', envelopeKey(epochKey, e.salt, e.collective, e.epoch), NONCE, { authTagLength: TAG_BYTES })
    decipher.setAAD(label(e.collective, e.epoch), { plaintextLength: e.ct.length - TAG_BYTES })
    decipher.setAuthTag(e.ct.subarray(e.ct.length - TAG_BYTES))
    const pt = Buffer.concat([decipher.update(e.ct.subarray(0, e.ct.length - TAG_BYTES)), decipher.final()])
    return new Uint8Array(pt.buffer, pt.byteOffset, pt.byteLength)
  } catch (err) {
    throw new DecryptionError(`the envelope of epoch ${e.epoch} does not open with this key`, { cause: err })
  }
}
