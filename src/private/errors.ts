import { AtelierError } from '../errors.ts'

/** A wrapped key or an envelope that does not open with the key given (not its recipient, another epoch, tampered) */
export class DecryptionError extends AtelierError {
  readonly code = 'ERR_DECRYPTION'
  readonly httpStatus = 403
}

/** The node holds no key for the epoch a private work is sealed to (not a member then, or the key record not here) */
export class NoEpochKeyError extends AtelierError {
  readonly code = 'ERR_NO_EPOCH_KEY'
  readonly httpStatus = 403
}

/** Bytes that do not start with an encrypted work's header, or a header this release cannot read */
export class NotEncryptedError extends AtelierError {
  readonly code = 'ERR_NOT_ENCRYPTED'
  readonly httpStatus = 422
}

/**
 * A record of a private collective other than the open kinds (charter, membership, key) arrived on its gossip topic in
 * the clear: an honest node seals those (protocols/private-collectives.md §7), so the sender is charged
 */
export class UnsealedRecordError extends AtelierError {
  readonly code = 'ERR_NOT_SEALED'
  readonly httpStatus = 400
}
