import { AtelierError } from '../errors.ts'

/** A wrapped key or an envelope that does not open with the key given (not its recipient, another epoch, tampered) */
export class DecryptionError extends AtelierError {
  readonly code = 'ERR_DECRYPTION'
  readonly httpStatus = 403
}
