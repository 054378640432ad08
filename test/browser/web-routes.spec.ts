/**
 * The gateway's page routes on their own (no daemon, no browser): the built page and its files, the note when the
 * page is not built, and the JSON 404s the API keeps around them.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { installErrorHandlers } from '../../src/gateway/errors.ts'
import { webRoutes } from '../../src/gateway/routes/web.ts'

async function gateway (root: string): Promise<FastifyInstance> {
  const app = Fastify()
  installErrorHandlers(app)
  await app.register(async (scope) => { await webRoutes(scope, { root }) })
  app.get('/v1/node', async () => ({ ok: true }))
  await app.ready()
  return app
}

describe('gateway page routes', () => {
  let dir: string
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'atelier-webroot-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('answers / with a note to run npm run build when the page is not built', async () => {
    const app = await gateway(join(dir, 'missing'))
    const res = await app.inject('/')
    assert.equal(res.statusCode, 200)
    assert.match(res.headers['content-type'] as string, /text\/html/)
    assert.match(res.body, /npm run build/)
    assert.equal((await app.inject('/v1/node')).statusCode, 200)
    await app.close()
  })

  it('serves the built page and its files; other paths keep JSON 404s', async () => {
    const root = join(dir, 'dist')
    await mkdir(join(root, 'assets'), { recursive: true })
    await writeFile(join(root, 'index.html'), '<!doctype html><title>built</title><script type="module" src="/assets/index-abc.js"></script>')
    await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)')
    const app = await gateway(root)

    const page = await app.inject('/')
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /<title>built<\/title>/)
    assert.equal(page.headers['cache-control'], 'no-cache')
    assert.match(page.headers['content-security-policy'] as string, /connect-src 'self'/)

    const js = await app.inject('/assets/index-abc.js')
    assert.equal(js.statusCode, 200)
    assert.match(js.headers['content-type'] as string, /javascript/)
    assert.match(js.headers['cache-control'] as string, /immutable/)

    for (const path of ['/assets/nope.js', '/assets/../index.html', '/v1/unknown', '/ipfs-nothing', '/index.html']) {
      const res = await app.inject(path)
      assert.equal(res.statusCode, 404, path)
      assert.equal(res.json().error.code, 'ERR_NOT_FOUND', path)
    }
    await app.close()
  })
})
