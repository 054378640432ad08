/**
 * Failures the gossip channel raises. Besides these it uses the shared classes from src/errors.ts:
 * InvalidCIDError (a charter CID that is not a canonical record CID), TooLargeError (a message over the cap) and
 * NotReadyError (the channel or libp2p is not started).
 */
import { AtelierError } from '../../errors.ts'

/** Publishing to, or asking about, a collective the channel has not joined */
export class NotJoinedError extends AtelierError {
  readonly code = 'ERR_NOT_JOINED'
  readonly httpStatus = 409
}

/** gossipsub refused a publish for a reason of its own (the message carries gossipsub's words) */
export class PublishError extends AtelierError {
  readonly code = 'ERR_PUBLISH'
  readonly httpStatus = 500
}
