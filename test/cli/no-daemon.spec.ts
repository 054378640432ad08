/**
 * With no daemon the CLI prints ONE line naming the data dir and how to start a daemon, and exits 1:
 * no `api` file, a stale `api` file (the daemon died without removing it), or --api / ATELIER_API to a closed port.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CIDS, cli, closedPort, tempHome, writeTempFile } from './helpers.ts'

describe('no daemon', () => {
  let home: string
  let cleanup: () => Promise<void>
  before(async () => { ({ home, cleanup } = await tempHome()) })
  after(async () => { await cleanup() })

  const commands = (file: string): string[][] => [
    ['records'],
    ['record', CIDS.asset],
    ['lineage', CIDS.asset],
    ['get', CIDS.content],
    ['export', CIDS.content, '--car', '-o', join(home, 'out.car')],
    ['add', file],
    ['license', CIDS.asset, '--preset', 'cc-by'],
    ['grant', CIDS.license, 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'],
    ['attest', CIDS.asset, '--claim', 'endorsement'],
    ['revoke', CIDS.asset],
    ['reindex']
  ]

  it('no api file: one line, exit 1, for every command that needs the daemon', async () => {
    const file = await writeTempFile(home, 'a.txt', 'hello')
    for (const args of commands(file)) {
      const r = await cli(args, { home })
      assert.equal(r.code, 1, `${args[0]}: ${r.stderr}`)
      assert.equal(r.stderr, `atelier: no daemon is running for ${home} (start one with: atelier daemon)\n`, args[0])
      assert.equal(r.stdout, '', args[0])
    }
  })

  it('--json changes nothing about the error: still one line on stderr, nothing on stdout', async () => {
    const r = await cli(['records', '--json'], { home })
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1)
  })

  it('a stale api file pointing to a closed port gives the same message', async () => {
    const port = await closedPort()
    await writeFile(join(home, 'api'), `http://127.0.0.1:${port}\n`)
    await writeFile(join(home, 'api-token'), 'stale\n', { mode: 0o600 })
    try {
      for (const args of [['records'], ['record', CIDS.asset], ['reindex']]) {
        const r = await cli(args, { home })
        assert.equal(r.code, 1, r.stderr)
        assert.equal(r.stderr, `atelier: no daemon is running for ${home} (start one with: atelier daemon)\n`)
      }
    } finally {
      await rm(join(home, 'api'), { force: true })
      await rm(join(home, 'api-token'), { force: true })
    }
  })

  it('--api and ATELIER_API to a closed port name the URL instead', async () => {
    const port = await closedPort()
    const url = `http://127.0.0.1:${port}`
    const viaFlag = await cli(['records', '--api', url], { home })
    assert.equal(viaFlag.code, 1)
    assert.equal(viaFlag.stderr, `atelier: no daemon is answering at ${url} (start one with: atelier daemon)\n`)
    const viaEnv = await cli(['records'], { home, env: { ATELIER_API: url } })
    assert.equal(viaEnv.code, 1)
    assert.equal(viaEnv.stderr, `atelier: no daemon is answering at ${url} (start one with: atelier daemon)\n`)
  })

  it('id with no daemon and no data dir says both in one line', async () => {
    const r = await cli(['id'], { home })
    assert.notEqual(r.code, 0)
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr)
    assert.match(r.stderr, /^atelier: no daemon is running for .*not initialised either \(run: atelier init\)\n$/)
  })
})
