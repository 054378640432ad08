/**
 * `init` and an offline `id`, run as the real CLI in a temp data dir: secrets are 0600, init is idempotent,
 * `id` without a daemon reads the did from the data dir, says the node is offline, and never prints a secret.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { cli, tempHome } from './helpers.ts'

describe('init and offline id', () => {
  let home: string
  let cleanup: () => Promise<void>
  before(async () => { ({ home: home, cleanup } = await tempHome()); home = join(home, 'data') })
  after(async () => { await cleanup() })

  let did: string

  it('init creates the data dir with secrets of mode 0600 and prints did, peer id, data dir', async () => {
    const r = await cli(['init', '--json'], { home })
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.equal(out.created, true)
    assert.equal(out.home, home)
    assert.match(out.did, /^did:key:z6Mk/)
    assert.match(out.peerId, /^12D3KooW/)
    did = out.did
    for (const secret of ['api-token', 'keys/creator.json', 'keys/peer.key']) {
      const s = await stat(join(home, secret))
      assert.equal(s.mode & 0o777, 0o600, `${secret} mode ${(s.mode & 0o777).toString(8)}`)
    }
    await stat(join(home, 'config.json'))
  })

  it('init again changes nothing and says so', async () => {
    const token = await readFile(join(home, 'api-token'), 'utf8')
    const r = await cli(['init'], { home })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /was already initialised/)
    assert.match(r.stdout, new RegExp(`^did +${did}$`, 'm'))
    assert.equal(await readFile(join(home, 'api-token'), 'utf8'), token)
  })

  it('id with no daemon prints the did, says offline, and shows no secret', async () => {
    const token = (await readFile(join(home, 'api-token'), 'utf8')).trim()
    const key = JSON.parse(await readFile(join(home, 'keys', 'creator.json'), 'utf8')).privateKeyMultibase as string

    const text = await cli(['id'], { home })
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, new RegExp(`^did +${did}$`, 'm'))
    assert.match(text.stdout, /offline/)

    const j = await cli(['id', '--json'], { home })
    assert.equal(j.code, 0, j.stderr)
    const out = JSON.parse(j.stdout)
    assert.deepEqual(Object.keys(out).sort(), ['did', 'home', 'online', 'peerId'])
    assert.equal(out.online, false)
    assert.equal(out.did, did)

    for (const r of [text, j]) {
      assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), 'the API token is never printed')
      assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key), 'the creator key is never printed')
    }
  })

  it('a daemon refuses to start on a secret others can read, in one line that says which chmod to run', async () => {
    const key = join(home, 'keys', 'creator.json')
    await chmod(key, 0o644)
    try {
      const r = await cli(['daemon', '--http', '127.0.0.1:0', '--p2p', '/ip4/127.0.0.1/tcp/0'], { home })
      assert.notEqual(r.code, 0)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      assert.match(r.stderr, new RegExp(`chmod 600 ${key.replaceAll('/', '\\/')}`))
      assert.match(r.stderr, /0644/)
    } finally {
      await chmod(key, 0o600)
    }
  })
})
