/**
 * Writes need the node's API token (`Authorization: Bearer <token>`); reads are open, but for private collectives'
 * records on a gateway bound beyond loopback (private-reads.ts).
 */
import { timingSafeEqual, createHash } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { UnauthorizedError } from '../errors.ts'

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** True when the header carries exactly `token`; compares digests so timing reveals nothing of the token */
export function bearerMatches (header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  if (m == null) return false
  const a = createHash('sha256').update(m[1]).digest()
  const b = createHash('sha256').update(token).digest()
  return timingSafeEqual(a, b)
}

/** Refuse every non-read request without the token, before its body is read */
export function installAuth (app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (READ_METHODS.has(request.method)) return
    const header = request.headers.authorization
    if (header == null) throw new UnauthorizedError('this request writes: send Authorization: Bearer <token> (the token is in $ATELIER_HOME/api-token)')
    if (!bearerMatches(header, token)) throw new UnauthorizedError('the API token is wrong')
  })
}
