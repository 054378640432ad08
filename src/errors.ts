/**
 * Typed errors with stable codes. Callers (the gateway's error handler, the CLI) branch on `name`/`code`,
 * never on the message, so wording can change freely. Each class sets its name once, from itself.
 */

export interface AtelierErrorOptions {
  cause?: unknown
  /** Machine-readable details (the field that failed, the limit that was hit) */
  details?: Record<string, unknown>
}

/** Base class: `name` is the class name, `code` is stable, `httpStatus` is what the gateway answers */
export abstract class AtelierError extends Error {
  abstract readonly code: string
  abstract readonly httpStatus: number
  readonly details?: Record<string, unknown>

  constructor (message: string, options: AtelierErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.details = options.details
  }
}

/** A record, request body or parameter breaks a rule; the message names the field and the rule */
export class InvalidRecordError extends AtelierError {
  readonly code = 'ERR_INVALID_RECORD'
  readonly httpStatus = 400
}

/** A proof does not verify against the issuer's key */
export class InvalidSignatureError extends AtelierError {
  readonly code = 'ERR_INVALID_SIGNATURE'
  readonly httpStatus = 400
}

/** Input is not parseable JSON */
export class MalformedJSONError extends AtelierError {
  readonly code = 'ERR_MALFORMED_JSON'
  readonly httpStatus = 400
}

/** A request parameter or body field is missing or of the wrong form */
export class InvalidRequestError extends AtelierError {
  readonly code = 'ERR_INVALID_REQUEST'
  readonly httpStatus = 400
}

/** A string that should be a CID is not one */
export class InvalidCIDError extends AtelierError {
  readonly code = 'ERR_INVALID_CID'
  readonly httpStatus = 400
}

/** A CID, record or path this node does not hold */
export class NotFoundError extends AtelierError {
  readonly code = 'ERR_NOT_FOUND'
  readonly httpStatus = 404
}

/** A body or record over the configured size limit */
export class TooLargeError extends AtelierError {
  readonly code = 'ERR_TOO_LARGE'
  readonly httpStatus = 413
}

/** This node's creator may not issue that record: licensing or revoking a work that is not its own */
export class NotOwnerError extends AtelierError {
  readonly code = 'ERR_NOT_OWNER'
  readonly httpStatus = 403
}

/** A write without a valid API token */
export class UnauthorizedError extends AtelierError {
  readonly code = 'ERR_UNAUTHORIZED'
  readonly httpStatus = 401
}

/** The requested range cannot be satisfied */
export class RangeNotSatisfiableError extends AtelierError {
  readonly code = 'ERR_RANGE_NOT_SATISFIABLE'
  readonly httpStatus = 416
}

/** The node is not in a state to do this (not started, shutting down, data dir not initialised) */
export class NotReadyError extends AtelierError {
  readonly code = 'ERR_NOT_READY'
  readonly httpStatus = 503
}

/** A configuration file, env variable or flag holds a bad value */
export class ConfigError extends AtelierError {
  readonly code = 'ERR_CONFIG'
  readonly httpStatus = 500
}

/** The ingest queue is full; try again later */
export class BusyError extends AtelierError {
  readonly code = 'ERR_BUSY'
  readonly httpStatus = 503
}

/** True when `err` is one of ours (works across duplicate module copies, where instanceof fails) */
export function isAtelierError (err: unknown): err is AtelierError {
  return err instanceof Error && typeof (err as any).code === 'string' && typeof (err as any).httpStatus === 'number'
}

/** A request named a Host this gateway does not answer for (DNS rebinding: a page of another site on our port) */
export class HostNotAllowedError extends AtelierError {
  readonly code = 'ERR_HOST_NOT_ALLOWED'
  readonly httpStatus = 403
}
