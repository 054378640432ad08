/**
 * Who may read a private collective's records over HTTP (protocols/private-collectives.md §10, docs/http-api.md).
 *
 * A gateway bound to loopback (the default) answers this machine only, and its Host check keeps other sites' pages
 * out, so it serves every record as before. A gateway bound to any other address (http.allowRemote) may be reached by
 * anyone on the network, so there a request that does not carry the API token is treated as a stranger:
 * - the records of a private collective other than the open kinds (charter, membership, key) do not exist for it:
 *   GET /v1/records, /v1/records/:cid, /v1/search, /v1/assets/:cid/licenses and /v1/events leave them out, and
 *   /ipfs/<record cid> is 404 (the routes read the index, store and names through `guardIndex`, `guardStore`,
 *   `guardNames`), and a display name from such a collective's profile record is left out of answers;
 * - while this node takes part in a private collective, the routes whose answers come from services that read
 *   every record (governance, lineage, similarity, discovery, health, provenance reports...) need the token: only
 *   STRANGER_ROUTES are answered without it.
 * The token is checked on the header alone, whatever the caller's address: behind a reverse proxy every caller
 * looks like loopback. Loopback and the token are still both required for plaintext and epoch keys (private-content.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { FastifyInstance } from 'fastify'
import { NotFoundError, UnauthorizedError } from '../errors.ts'
import type { RecordIndexApi, RecordSummary } from '../index/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { NameDirectory, Profile } from '../profiles/name-directory.ts'
import { OPEN_KINDS } from '../node/private-traffic.ts'
import { bearerMatches } from './auth.ts'
import { isLoopback } from './doors.ts'

/** What the gate needs of the node's private collectives */
export interface PrivateScope {
  isPrivate: (collective: string) => boolean
  /** whether this node takes part in any private collective */
  any: () => boolean
}

/** Routes a caller without the token is answered on a remote-bound gateway of a node with private collectives */
const STRANGER_ROUTES: ReadonlySet<string> = new Set([
  '/v1/node', '/v1/peers', '/v1/records', '/v1/records/:cid', '/v1/search', '/v1/events', '/v1/assets/:cid/licenses',
  '/ipfs/:cid', '/ipfs/:cid/*', '/v1/collectives', '/v1/collectives/:id', '/v1/collectives/:id/members',
  '/v1/collectives/:id/keys', '/v1/collectives/:id/defaults'
])

export class PrivateReads {
  /** set while a request of a caller without the token is handled */
  private readonly stranger = new AsyncLocalStorage<boolean>()
  private readonly scope: PrivateScope

  constructor (scope: PrivateScope) { this.scope = scope }

  /** Whether a gateway listening on `host` hides private records from callers without the token */
  static needed (host: string): boolean { return !isLoopback(host) }

  /** Whether a record is hidden from the request being handled */
  hides (summary: Pick<RecordSummary, 'kind' | 'collective'>): boolean {
    if (this.stranger.getStore() !== true) return false
    return summary.collective != null && !OPEN_KINDS.has(summary.kind) && this.scope.isPrivate(summary.collective)
  }

  /** The test of the request being handled, kept for callbacks that run outside it (an event stream's listener) */
  hidesNow (): (summary: Pick<RecordSummary, 'kind' | 'collective'>) => boolean {
    const stranger = this.stranger.getStore() === true
    return (s) => stranger && s.collective != null && !OPEN_KINDS.has(s.kind) && this.scope.isPrivate(s.collective)
  }

  /** Whether the request being handled comes from a caller without the token while this node holds a private collective */
  strangerNow (): boolean { return this.stranger.getStore() === true && this.scope.any() }

  install (app: FastifyInstance, token: string, index: Pick<RecordIndexApi, 'get'>): void {
    app.addHook('onRequest', async (request) => {
      if (bearerMatches(request.headers.authorization, token)) return
      const route = request.routeOptions.url
      if (route == null || !(route.startsWith('/v1/') || route.startsWith('/ipfs/'))) return
      if (this.scope.any() && !STRANGER_ROUTES.has(route)) {
        throw new UnauthorizedError('this node takes part in a private collective and listens beyond loopback: this route needs Authorization: Bearer <token>')
      }
      if (route.startsWith('/ipfs/')) {
        const cid = request.url.slice('/ipfs/'.length).split(/[/?#]/)[0] ?? ''
        const summary = await index.get(cid).catch(() => undefined)
        if (summary != null && this.scope.isPrivate(summary.collective ?? '') && !OPEN_KINDS.has(summary.kind)) {
          throw new NotFoundError(`${cid} is not held here`)
        }
      }
    })
    // the handler (and every read it makes) runs inside the request's mark; set after the body is read, whose
    // events would otherwise run outside it
    app.addHook('preHandler', (request, _reply, done) => {
      this.stranger.run(!bearerMatches(request.headers.authorization, token), done)
    })
  }

  /** The index as a stranger's request sees it */
  guardIndex<T extends RecordIndexApi> (index: T): T {
    const gate = this
    return new Proxy(index, {
      get (target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver)
        switch (prop) {
          case 'get': return async (cid: string) => { const s = await target.get(cid); return s != null && gate.hides(s) ? undefined : s }
          case 'has': return async (cid: string) => (await receiver.get(cid)) != null
          case 'body': case 'stored': return async (cid: string) => {
            const s = gate.stranger.getStore() === true ? await target.get(cid) : undefined
            return s != null && gate.hides(s) ? undefined : await (value as (c: string) => Promise<unknown>).call(target, cid)
          }
          case 'query': case 'search': return async (q: any) => {
            const page = await (value as (q: any) => Promise<{ items: RecordSummary[], cursor: string | null }>).call(target, q)
            return gate.stranger.getStore() === true ? { ...page, items: page.items.filter(s => !gate.hides(s)) } : page
          }
          default: return typeof value === 'function' ? value.bind(target) : value
        }
      }
    })
  }

  /**
   * Display names as a stranger's request sees them: a name whose profile record belongs to a private collective is
   * left out (answers then show the bare did)
   */
  guardNames<T extends Pick<NameDirectory, 'namesOf' | 'profileOf'>> (names: T): T {
    const gate = this
    const hidden = (p: Profile | undefined): boolean => p?.collective != null && gate.scope.isPrivate(p.collective)
    return new Proxy(names, {
      get (target, prop, receiver) {
        if (prop === 'profileOf') {
          return async (did: string) => { const p = await target.profileOf(did); return gate.stranger.getStore() === true && hidden(p) ? undefined : p }
        }
        if (prop === 'namesOf') {
          return async (dids: Iterable<string>) => {
            if (gate.stranger.getStore() !== true) return await target.namesOf(dids)
            const out = new Map<string, string>()
            for (const did of new Set(dids)) {
              const p = await target.profileOf(did)
              if (p != null && !hidden(p)) out.set(did, p.name)
            }
            return out
          }
        }
        const value = Reflect.get(target, prop, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      }
    })
  }

  /** The store as a stranger's request sees it: a hidden record's bytes are not found */
  guardStore<T extends Pick<ContentStore, 'getRecord'>> (store: T, index: Pick<RecordIndexApi, 'get'>): T {
    const gate = this
    return new Proxy(store, {
      get (target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver)
        if (prop === 'getRecord') {
          return async (cid: string, ...rest: unknown[]) => {
            if (gate.stranger.getStore() === true) {
              const s = await index.get(cid)
              if (s != null && gate.hides(s)) throw new NotFoundError(`record ${cid} is not held here`)
            }
            return await (value as (...a: unknown[]) => Promise<Uint8Array>).call(target, cid, ...rest)
          }
        }
        return typeof value === 'function' ? value.bind(target) : value
      }
    })
  }
}
