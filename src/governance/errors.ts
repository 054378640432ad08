/**
 * Errors of the governance operations a user calls (propose, vote). The tally itself never throws: it gives each
 * vote a reason (VoteIssue) instead.
 */
import { AtelierError } from '../errors.ts'

/** A vote on a proposal whose window has closed by this node's clock: it could not be witnessed, so it would not count */
export class ProposalClosedError extends AtelierError {
  readonly code = 'ERR_PROPOSAL_CLOSED'
  readonly httpStatus = 409
}

/** A ballot that does not fit the proposal's method or choices */
export class InvalidBallotError extends AtelierError {
  readonly code = 'ERR_INVALID_BALLOT'
  readonly httpStatus = 400
}
