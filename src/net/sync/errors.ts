/**
 * Every failure the sync protocol can raise, each with a stable code (callers branch on `name` or `code`, never on
 * the message), plus the numeric codes of the wire's ERROR frame (protocols/sync.md §5.6) and the mapping between
 * the two, so a refusal travels from the responder's typed error to the initiator's typed error.
 */
import { AtelierError } from '../../errors.ts'
import type { AtelierErrorOptions } from '../../errors.ts'

/** Codes carried by an ERROR frame */
export const WireErrorCode = {
  /** the responder does not serve the scope asked for */
  UNKNOWN_SCOPE: 1,
  /** a frame was malformed or came out of order */
  PROTOCOL: 2,
  /** a frame or a list exceeded a wire limit */
  LIMIT: 3,
  /** the sender gave up waiting */
  TIMEOUT: 4,
  /** the responder serves too many sessions; retry later */
  BUSY: 5,
  /** too many of the records sent were refused by the receiver's ingest */
  TOO_MANY_REJECTED: 6,
  /** the sender failed for a reason of its own */
  INTERNAL: 7,
  /** the sender was stopped or its caller cancelled */
  ABORTED: 8
} as const
export type WireErrorCode = typeof WireErrorCode[keyof typeof WireErrorCode]

/** The peer broke the protocol: malformed frame, bounds out of order, a message where none may come */
export class SyncProtocolError extends AtelierError {
  readonly code = 'ERR_SYNC_PROTOCOL'
  readonly httpStatus = 502
}

/** A frame, list or count over one of the protocol's limits (constants.ts) */
export class SyncLimitError extends AtelierError {
  readonly code = 'ERR_SYNC_LIMIT'
  readonly httpStatus = 502
}

/** The scope (collective) is not served: by this node (asked locally) or by the peer (details.remote = true) */
export class UnknownScopeError extends AtelierError {
  readonly code = 'ERR_SYNC_UNKNOWN_SCOPE'
  readonly httpStatus = 404
}

/** The peer ended the session with an error frame whose code has no more specific class here */
export class SyncRemoteError extends AtelierError {
  readonly code = 'ERR_SYNC_REMOTE'
  readonly httpStatus = 502
}

/** No frame from the peer within the idle timeout, or the whole session ran past its deadline */
export class SyncTimeoutError extends AtelierError {
  readonly code = 'ERR_SYNC_TIMEOUT'
  readonly httpStatus = 504
}

/** The caller's signal fired or the service stopped */
export class SyncAbortedError extends AtelierError {
  readonly code = 'ERR_SYNC_ABORTED'
  readonly httpStatus = 503
}

/** Too many sessions at once (here, or at the peer when details.remote = true) */
export class SyncBusyError extends AtelierError {
  readonly code = 'ERR_SYNC_BUSY'
  readonly httpStatus = 503
}

/** The peer sent more refused records than `maxRejected`; the session was ended */
export class TooManyRejectedError extends AtelierError {
  readonly code = 'ERR_SYNC_TOO_MANY_REJECTED'
  readonly httpStatus = 502
}

/**
 * A RECORD the receiver never asked for: not named by a WANT it sent, not in a range it listed, or a second copy.
 * Counted as rejected (protocols/sync.md §8), never sent on the wire.
 */
export class UnsolicitedRecordError extends AtelierError {
  readonly code = 'ERR_SYNC_UNSOLICITED_RECORD'
  readonly httpStatus = 502
}

/** The local SyncSource broke its contract (items not sorted, not unique, wrong id size) */
export class InvalidSyncItemsError extends AtelierError {
  readonly code = 'ERR_SYNC_INVALID_ITEMS'
  readonly httpStatus = 500
}

/** The wire code that reports `err` to the peer */
export function wireCodeOf (err: unknown): WireErrorCode {
  if (err instanceof Error) {
    switch (err.name) {
      case 'UnknownScopeError': return WireErrorCode.UNKNOWN_SCOPE
      case 'SyncProtocolError': return WireErrorCode.PROTOCOL
      case 'SyncLimitError': return WireErrorCode.LIMIT
      case 'SyncTimeoutError': return WireErrorCode.TIMEOUT
      case 'SyncBusyError': return WireErrorCode.BUSY
      case 'TooManyRejectedError': return WireErrorCode.TOO_MANY_REJECTED
      case 'SyncAbortedError': return WireErrorCode.ABORTED
    }
  }
  return WireErrorCode.INTERNAL
}

/** The typed error for an ERROR frame the peer sent */
export function errorFromWire (code: number, message: string): AtelierError {
  const options: AtelierErrorOptions = { details: { remote: true, wireCode: code, remoteMessage: message } }
  const text = `peer refused: ${message}`
  switch (code) {
    case WireErrorCode.UNKNOWN_SCOPE: return new UnknownScopeError(text, options)
    case WireErrorCode.BUSY: return new SyncBusyError(text, options)
    case WireErrorCode.TOO_MANY_REJECTED: return new TooManyRejectedError(text, options)
    default: return new SyncRemoteError(`peer ended the session (code ${code}): ${message}`, options)
  }
}
