/**
 * The gateway's JSON body parser: nesting is bounded on the text before JSON.parse or any recursive walk runs
 * (records/json-depth.ts), and the keys that poison prototypes when an object is later merged are refused, as
 * Fastify's own parser does.
 */
import type { FastifyInstance } from 'fastify'
import { MalformedJSONError } from '../errors.ts'
import { assertJsonDepth } from '../records/json-depth.ts'

function refusePoison (key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value)) {
    throw new MalformedJSONError(`the body holds a "${key}" key, which is refused`, { details: { field: key, rule: 'forbidden-key' } })
  }
  return value
}

export function installJsonBodyParser (app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string
    if (text.length === 0) { done(new MalformedJSONError('the JSON body is empty'), undefined); return }
    try {
      assertJsonDepth(text)
      done(null, JSON.parse(text, refusePoison))
    } catch (err: any) {
      done(err instanceof MalformedJSONError ? err : new MalformedJSONError(`the body is not valid JSON: ${String(err.message)}`), undefined)
    }
  })
}
