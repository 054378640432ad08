/**
 * One error handler for the whole gateway: every failure becomes a status and a JSON body
 * `{ error: { code, name, message } }`. Our errors map by their own code/status; Fastify's by their codes.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isAtelierError } from '../errors.ts'

export interface ErrorBody {
  error: { code: string, name: string, message: string, details?: Record<string, unknown> }
}

/** Map any thrown value to an HTTP status and body */
export function toErrorResponse (err: unknown): { status: number, body: ErrorBody } {
  if (isAtelierError(err)) {
    return { status: err.httpStatus, body: { error: { code: err.code, name: err.name, message: err.message, ...(err.details != null ? { details: err.details } : {}) } } }
  }
  const e = err as FastifyError & { validation?: unknown, validationContext?: string }
  if (e?.validation != null) {
    return reply(400, 'ERR_INVALID_REQUEST', 'InvalidRequestError', e.message)
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply(413, 'ERR_TOO_LARGE', 'TooLargeError', 'request body is larger than this server accepts')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'UnsupportedMediaTypeError', `${e.message}; send application/json`)
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply(400, 'ERR_MALFORMED_JSON', 'MalformedJSONError', 'the JSON body is empty')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return reply(400, 'ERR_MALFORMED_JSON', 'MalformedJSONError', `the body is not valid JSON: ${e.message}`)
  }
  if (e instanceof SyntaxError || (e?.statusCode === 400 && /JSON/i.test(e.message))) {
    return reply(400, 'ERR_MALFORMED_JSON', 'MalformedJSONError', `the body is not valid JSON: ${e.message}`)
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return reply(e.statusCode, 'ERR_INVALID_REQUEST', 'InvalidRequestError', e.message)
  }
  return reply(500, 'ERR_INTERNAL', 'InternalError', 'internal error; see the node log')
}

function reply (status: number, code: string, name: string, message: string): { status: number, body: ErrorBody } {
  return { status, body: { error: { code, name, message } } }
}

/** Install the error and not-found handlers on the root instance */
export function installErrorHandlers (app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, res: FastifyReply) => {
    const { status, body } = toErrorResponse(err)
    if (status >= 500) request.log.error({ err }, 'request failed')
    else request.log.info({ code: body.error.code, msg: body.error.message }, 'request refused')
    // a stream may already have started: then only closing it is left
    if (res.sent || res.raw.headersSent) {
      res.raw.destroy()
      return
    }
    void res.code(status).header('content-type', 'application/json; charset=utf-8').send(body)
  })
  app.setNotFoundHandler((request: FastifyRequest, res: FastifyReply) => {
    void res.code(404).send(reply(404, 'ERR_NOT_FOUND', 'NotFoundError', `no route ${request.method} ${request.url.split('?')[0]}`).body)
  })
}
