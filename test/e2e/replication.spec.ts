/**
 * A collective whose charter asks for full replication: every member pins every asset, so B still serves A's asset
 * once A is gone.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestDaemon, waitFor } from './harness.ts'

describe('full replication', { timeout: 180_000 }, () => {
  let a: TestDaemon, b: TestDaemon
  let scratch: string

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'atelier-replication-files-'))
    a = await TestDaemon.create('atelier-repl-a-')
    b = await TestDaemon.create('atelier-repl-b-')
    for (const d of [a, b]) {
      await d.writeConfig({ sync: { intervalMs: 2000 } })
      await d.start(['--log-level', 'info'])
    }
  })

  after(async () => {
    await a?.destroy()
    await b?.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('a member pins every asset of the collective and serves it with the author offline', async () => {
    const created = await a.cli(['collective', 'create', 'Archive', '--replication', 'full', '--json'])
    assert.equal(created.code, 0, created.stderr)
    const id = JSON.parse(created.stdout).id
    const invite = (await a.cli(['invite', id])).stdout.trim()
    const joined = await b.cli(['join', invite])
    assert.equal(joined.code, 0, joined.stderr)

    const bytes = new Uint8Array(randomBytes(1024 * 1024 + 99))
    const file = join(scratch, 'scan.bin')
    await writeFile(file, bytes)
    const added = await a.cli(['add', file, '--title', 'Scan', '--collective', id, '--json'])
    assert.equal(added.code, 0, added.stderr)
    const { cid } = JSON.parse(added.stdout)

    await waitFor(() => b.log.includes('replicated asset content') ? true : undefined, 60_000, 'B to replicate the asset')
    await a.stop()
    const res = await fetch(`${b.url}/ipfs/${cid}`)
    assert.equal(res.status, 200)
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes)
  })
})
