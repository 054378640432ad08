/**
 * Errors the CLI raises itself. Each carries the process exit code it ends with: 2 for a usage error (a bad flag
 * or argument, as commander's own), 1 for everything else. Like `src/errors.ts`, `name` comes from the class and
 * callers branch on `code`, never on the message.
 */

/** Base class of the CLI's own errors */
export abstract class CliError extends Error {
  abstract readonly code: string
  readonly exitCode: number

  constructor (message: string, exitCode = 1, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.exitCode = exitCode
  }
}

/** A flag or argument the command cannot use (exit 2) */
export class UsageError extends CliError {
  readonly code = 'ERR_USAGE'

  constructor (message: string) {
    super(message, 2)
  }
}

/** No daemon answers: no `api` file, a stale one, or a refused connection */
export class NoDaemonError extends CliError {
  readonly code = 'ERR_NO_DAEMON'
}

/** The daemon answered with an error body `{ error: { code, message } }` (or a bare error status) */
export class ApiError extends CliError {
  readonly code: string
  readonly status: number

  constructor (message: string, code: string, status: number) {
    super(message, 1)
    this.code = code
    this.status = status
  }
}

/** Something local went wrong: a file that cannot be read or written, a missing token */
export class LocalError extends CliError {
  readonly code = 'ERR_LOCAL'
}

/** The daemon cannot listen where it is told to (a port in use, an address not on this machine) */
export class ListenError extends CliError {
  readonly code = 'ERR_LISTEN'
}

/** A check found problems it did not fix (`atelier doctor`): exit 1 after the report */
export class ProblemsFoundError extends CliError {
  readonly code = 'ERR_PROBLEMS_FOUND'
}

/** The user pressed Ctrl-C (exit 130) */
export class InterruptedError extends CliError {
  readonly code = 'ERR_INTERRUPTED'

  constructor (message = 'interrupted') {
    super(message, 130)
  }
}
