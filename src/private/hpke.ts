/**
 * HPKE (RFC 9180) base mode, single shot, for one suite: DHKEM(X25519, HKDF-SHA256) 0x0020, HKDF-SHA256 0x0001,
 * ChaCha20-Poly1305 0x0003 — on the platform's own X25519, HMAC and ChaCha20-Poly1305.
 *
 * Written here rather than taken from @hpke/core because a rotation seals one key to every member: at 1,000 members
 * the library took 2.4 s against a 0.58 s floor of native X25519 in the same run (4.2×; docs/benchmarks.md § Private
 * collectives), past the issue's 1 s. It is checked against RFC 9180's A.2.1 vectors and against @hpke/core in both
 * directions (test/private/hpke.spec.ts).
 */
import { hmac as nobleHmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

const KEM_ID = 0x0020
const KDF_ID = 0x0001
const AEAD_ID = 0x0003
const N_SECRET = 32
const N_K = 32
const N_N = 12
const N_T = 16

const te = new TextEncoder()
const HPKE_V1 = te.encode('HPKE-v1')
const KEM_SUITE = concat(te.encode('KEM'), i2osp(KEM_ID, 2))
const HPKE_SUITE = concat(te.encode('HPKE'), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(AEAD_ID, 2))
/** DER prefixes of an X25519 SubjectPublicKeyInfo and PKCS#8 key: the raw 32 bytes follow */
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00])
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20])

function i2osp (n: number, w: number): Uint8Array {
  const out = new Uint8Array(w)
  for (let i = w - 1; i >= 0; i--, n >>>= 8) out[i] = n & 0xff
  return out
}

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

/** HMAC-SHA256 by @noble/hashes: on these short inputs 3–4× faster than creating a native Hmac object each time */
function hmac (key: Uint8Array, data: Uint8Array): Uint8Array {
  return nobleHmac(sha256, key, data)
}

function labeledExtract (suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return hmac(salt, concat(HPKE_V1, suite, te.encode(label), ikm))
}

/** HKDF-Expand for L ≤ 32 (one block), which is all this suite needs */
function labeledExpand (suite: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, L: number): Uint8Array {
  const labeled = concat(i2osp(L, 2), HPKE_V1, suite, te.encode(label), info)
  return hmac(prk, concat(labeled, Uint8Array.of(1))).subarray(0, L)
}

export function x25519PublicKeyObject (raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(concat(SPKI_PREFIX, raw)), format: 'der', type: 'spki' })
}

export function x25519PrivateKeyObject (raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(concat(PKCS8_PREFIX, raw)), format: 'der', type: 'pkcs8' })
}

function rawPublic (key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: 'spki', format: 'der' })).subarray(SPKI_PREFIX.length)
}

const EMPTY = new Uint8Array(0)
/** psk_id is empty in base mode: its hash is a constant */
const PSK_ID_HASH = labeledExtract(HPKE_SUITE, EMPTY, 'psk_id_hash', EMPTY)

/** The base-mode key and nonce for a shared secret and info (RFC 9180 §5.1) */
function keySchedule (sharedSecret: Uint8Array, info: Uint8Array): { key: Uint8Array, nonce: Uint8Array } {
  const empty = EMPTY
  const context = concat(Uint8Array.of(0), PSK_ID_HASH, labeledExtract(HPKE_SUITE, empty, 'info_hash', info))
  const secret = labeledExtract(HPKE_SUITE, sharedSecret, 'secret', empty)
  return { key: labeledExpand(HPKE_SUITE, secret, 'key', context, N_K), nonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, N_N) }
}

function extractAndExpand (dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const prk = labeledExtract(KEM_SUITE, new Uint8Array(0), 'eae_prk', dh)
  return labeledExpand(KEM_SUITE, prk, 'shared_secret', kemContext, N_SECRET)
}

export interface Sealed {
  /** the encapsulated key: the ephemeral X25519 public key */
  enc: Uint8Array
  /** ciphertext and tag */
  ct: Uint8Array
}

/**
 * SealBase(pkR, info, aad, pt). `ephemeral` (a raw X25519 secret) is for test vectors only: every real seal draws
 * a fresh one. `recipientKey`, when given, is `recipient` already imported (x25519PublicKeyObject).
 */
export function sealBase (recipient: Uint8Array, info: Uint8Array, aad: Uint8Array, pt: Uint8Array, ephemeral?: Uint8Array, recipientKey?: KeyObject): Sealed {
  const pkR = recipientKey ?? x25519PublicKeyObject(recipient)
  let skE: KeyObject
  let pkE: KeyObject
  if (ephemeral != null) {
    skE = x25519PrivateKeyObject(ephemeral)
    pkE = createPublicKey(skE)
  } else {
    ({ privateKey: skE, publicKey: pkE } = generateKeyPairSync('x25519'))
  }
  const enc = rawPublic(pkE)
  const dh = new Uint8Array(diffieHellman({ privateKey: skE, publicKey: pkR }))
  const shared = extractAndExpand(dh, concat(enc, recipient))
  const { key, nonce } = keySchedule(shared, info)
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: N_T })
  cipher.setAAD(aad, { plaintextLength: pt.length })
  return { enc, ct: new Uint8Array(Buffer.concat([cipher.update(pt), cipher.final(), cipher.getAuthTag()])) }
}

/** OpenBase(enc, skR, info, aad, ct); throws when the tag does not verify */
export function openBase (recipientSecret: Uint8Array, sealed: Sealed, info: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.enc.length !== 32 || sealed.ct.length < N_T) throw new RangeError('malformed HPKE ciphertext')
  const skR = x25519PrivateKeyObject(recipientSecret)
  const dh = new Uint8Array(diffieHellman({ privateKey: skR, publicKey: x25519PublicKeyObject(sealed.enc) }))
  const shared = extractAndExpand(dh, concat(sealed.enc, rawPublic(createPublicKey(skR))))
  const { key, nonce } = keySchedule(shared, info)
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: N_T })
  decipher.setAAD(aad, { plaintextLength: sealed.ct.length - N_T })
  decipher.setAuthTag(sealed.ct.subarray(sealed.ct.length - N_T))
  return new Uint8Array(Buffer.concat([decipher.update(sealed.ct.subarray(0, sealed.ct.length - N_T)), decipher.final()]))
}
