/**
 * Every failure of the member exchange, each with a stable code (callers branch on `name` or `code`, never on the
 * message), plus the refusal codes a response may carry (protocols/members.md §4).
 */
import { AtelierError } from '../../errors.ts'

/** Codes of a `refused` response */
export const RefusalCode = {
  /**
   * The responder will not answer for this collective: it is not in it, or the requester is not a member there. One
   * code for both, so a stranger cannot probe which collectives a node takes part in.
   */
  REFUSED: 'refused',
  /** The request was malformed, over a limit, or its card did not verify */
  BAD_REQUEST: 'bad-request',
  /** The responder answers too many exchanges now; try later */
  BUSY: 'busy'
} as const
export type RefusalCode = typeof RefusalCode[keyof typeof RefusalCode]

/** A card that does not verify: bad signature, wrong peer, outside its time window, malformed (details.rule) */
export class InvalidCardError extends AtelierError {
  readonly code = 'ERR_MEMBER_CARD_INVALID'
  readonly httpStatus = 400
}

/** The peer broke the protocol: a malformed message, one over a limit, or a stream closed too early */
export class MemberProtocolError extends AtelierError {
  readonly code = 'ERR_MEMBER_PROTOCOL'
  readonly httpStatus = 502
}

/** The peer answered `refused` (details.refusal holds its RefusalCode) */
export class MemberRefusedError extends AtelierError {
  readonly code = 'ERR_MEMBER_REFUSED'
  readonly httpStatus = 403
}

/** The exchange did not finish within its deadline */
export class MemberTimeoutError extends AtelierError {
  readonly code = 'ERR_MEMBER_TIMEOUT'
  readonly httpStatus = 504
}
