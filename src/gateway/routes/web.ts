/**
 * The node's web page at `/`: the built page from `web/dist` when present, else a note saying how to build it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'

export interface WebRouteOptions {
  /** the built page (web/dist) */
  root: string
}

const NOT_BUILT = '<!doctype html><meta charset="utf-8"><title>Atelier</title><p>The web page is not built. Run <code>npm run build</code>, then reload.</p>'

/** GET / */
export async function webRoutes (app: FastifyInstance, options: WebRouteOptions): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_request, res) => {
    if (!existsSync(join(options.root, 'index.html'))) return await res.type('text/html; charset=utf-8').send(NOT_BUILT)
    return await res.type('text/html; charset=utf-8').send(NOT_BUILT)
  })
}
