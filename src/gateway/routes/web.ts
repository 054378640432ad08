/**
 * The node's web page at `/`, from the same port as the API: `index.html` of the built page (web/dist) and its
 * hashed files under `/assets/`. When the page is not built, `/` answers a short note saying how to build it.
 *
 * Only `/` and `/assets/*` belong to the page (it routes in the URL fragment), so every other unknown path, under
 * /v1 and /ipfs above all, keeps the gateway's JSON 404. The page is checked on each request, not once at start,
 * so `npm run build` while the daemon runs takes effect on the next reload.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

export interface WebRouteOptions {
  /** the built page (web/dist): `index.html` and `assets/` */
  root: string
}

/** URL prefix of the page's bundled files; their names carry a content hash, so they are cached for good */
export const WEB_ASSETS_PREFIX = '/assets/'

/**
 * What the page may load and talk to: its own origin only (the browser fetches nothing from the internet).
 * `unsafe-eval` because the record schemas are compiled by ajv in the browser; `blob:` for previews of content
 * that must be typed by the page (SVG) and inline styles for the graph library's canvas container.
 */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

const NOT_BUILT = '<!doctype html><meta charset="utf-8"><title>Atelier</title>' +
  '<p>The web page is not built. Run <code>npm run build</code> in the Atelier folder, then reload.</p>'

/** GET / (the page or the note to build it) and GET /assets/* (the page's files) */
export async function webRoutes (app: FastifyInstance, options: WebRouteOptions): Promise<void> {
  const assets = join(options.root, 'assets')
  await app.register(fastifyStatic, {
    root: assets,
    prefix: WEB_ASSETS_PREFIX,
    // serve whatever a later build writes, not just the files present at start
    wildcard: true,
    index: false,
    list: false,
    immutable: true,
    maxAge: '365d',
    // a missing build is normal (the `/` note explains it); no warning at every start
    suppressWarning: !existsSync(assets),
    schemaHide: true
  })

  app.get('/', { schema: { hide: true } }, async (_request, res) => {
    void res.header('content-security-policy', WEB_CSP).header('x-content-type-options', 'nosniff')
    if (!existsSync(join(options.root, 'index.html'))) {
      return await res.code(200).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT)
    }
    // the page names its hashed files, so it must be revalidated to pick up a new build
    return await res.header('cache-control', 'no-cache').sendFile('index.html', options.root, { cacheControl: false })
  })
}
