/**
 * Epoch keys of a private collective (protocols/private-collectives.md §4): 32 random bytes per epoch, sealed to
 * each current member with HPKE (hpke.ts) under an `info` that binds the collective, the epoch and the recipient,
 * so a wrap cannot be replayed to another member, epoch or collective. Anyone can see who a key was wrapped to
 * (the key record lists them, as MLS's commit does); no one else can open it.
 */
import { randomBytes } from 'node:crypto'
import { utf8Bytes } from '../records/jcs.ts'
import { DecryptionError } from './errors.ts'
import { encryptionPublicKey, encryptionSecretKey } from './member-keys.ts'
import { openBase, sealBase, x25519PublicKeyObject } from './hpke.ts'
import type { KeyObject } from 'node:crypto'

export const EPOCH_KEY_BYTES = 32
/** The label every epoch-key wrap's info starts with; a new construction gets a new label */
export const WRAP_LABEL = 'atelier/epoch-key/v1'

/** One member's copy of an epoch key */
export interface Wrap {
  /** the member's did:key */
  to: string
  /** HPKE encapsulated key, 32 bytes */
  enc: Uint8Array
  /** the sealed epoch key: 32 bytes and a 16-byte tag */
  ct: Uint8Array
}

export function newEpochKey (): Uint8Array {
  return new Uint8Array(randomBytes(EPOCH_KEY_BYTES))
}

/** The info (and aad) a wrap is bound to: label, collective, epoch, recipient, NUL-separated */
export function wrapInfo (collective: string, epoch: number, to: string): Uint8Array {
  return utf8Bytes(`${WRAP_LABEL}\0${collective}\0${epoch}\0${to}`)
}

/** Members' X25519 keys kept between rotations; past this many the map starts over (a did's key never changes) */
const RECIPIENT_CACHE = 10_000
const recipients = new Map<string, { raw: Uint8Array, object: KeyObject }>()

/**
 * A member's X25519 public key, raw and imported. A rotation seals to every member, and the next one to nearly the
 * same members: the did → X25519 map (a field inversion) and the key import are ~110 µs of a ~310 µs seal, done
 * once per member rather than once per member per rotation.
 */
function recipientKey (did: string): { raw: Uint8Array, object: KeyObject } {
  let k = recipients.get(did)
  if (k == null) {
    const raw = encryptionPublicKey(did)
    k = { raw, object: x25519PublicKeyObject(raw) }
    if (recipients.size >= RECIPIENT_CACHE) recipients.clear()
    recipients.set(did, k)
  }
  return k
}

/** Seal `key` to each of `members` (did:keys), with HPKE (hpke.ts) */
export function wrapEpochKey (collective: string, epoch: number, key: Uint8Array, members: readonly string[]): Wrap[] {
  return members.map((to) => {
    const info = wrapInfo(collective, epoch, to)
    const { raw, object } = recipientKey(to)
    const { enc, ct } = sealBase(raw, info, info, key, undefined, object)
    return { to, enc, ct }
  })
}

/** Open the wrap addressed to the holder of `seed`; DecryptionError when it is not theirs or was altered */
export function unwrapEpochKey (collective: string, epoch: number, wrap: Wrap, seed: Uint8Array): Uint8Array {
  return unwrapEpochKeyWith(collective, epoch, wrap, encryptionSecretKey(seed))
}

/** unwrapEpochKey with the member's X25519 secret (encryptionSecretKey of its seed), as a node keeps it */
export function unwrapEpochKeyWith (collective: string, epoch: number, wrap: Wrap, secret: Uint8Array): Uint8Array {
  const info = wrapInfo(collective, epoch, wrap.to)
  let key: Uint8Array
  try {
    key = openBase(secret, wrap, info, info)
  } catch (err) {
    throw new DecryptionError(`the epoch ${epoch} key wrapped to ${wrap.to} does not open with this key`, { cause: err })
  }
  if (key.length !== EPOCH_KEY_BYTES) throw new DecryptionError('the wrapped key has the wrong length')
  return key
}
