import { AtelierError } from '../errors.ts'

/**
 * Bytes or arguments a fingerprint cannot be made from: an image the decoder refuses or that is too large, a
 * length ISCC does not define, a malformed code. Callers branch on the code, never the message.
 */
export class FingerprintInputError extends AtelierError {
  readonly code = 'ERR_FINGERPRINT_INPUT'
  readonly httpStatus = 400
}
