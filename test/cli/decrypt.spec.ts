/**
 * `atelier get --decrypt` against a real daemon (issue 14 D3): a private collective's work added with the CLI is held
 * as ciphertext, which plain `get` returns; with --decrypt the member's node opens it and the CLI writes the file's
 * exact bytes, to a file or stdout. A path inside the CID and content that is not an encrypted work are refused
 * with exit ≠ 0 and one line.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TestDaemon } from '../e2e/harness.ts'

describe('atelier get --decrypt', { timeout: 120_000 }, () => {
  let daemon: TestDaemon
  let content: string
  const marker = `CLI-MARKER-${randomBytes(8).toString('hex')}`
  // ~3 MiB: past the first 1 MiB batch the daemon seals on its worker thread (src/private/seal-offload.ts), so this
  // checks that path end to end; the last 64 KiB chunk is partial
  const body = Buffer.from(`${marker}\n${randomBytes(1_600_000).toString('hex')}\n`)

  before(async () => {
    daemon = await TestDaemon.create('atelier-cli-decrypt-')
    await daemon.start()
    const created = await daemon.cli(['collective', 'create', 'Drafts', '--private', '--json'])
    assert.equal(created.code, 0, created.stderr)
    const collective = JSON.parse(created.stdout).id as string
    const file = join(daemon.home, 'draft.txt')
    await writeFile(file, body)
    const added = await daemon.cli(['add', file, '--title', 'A draft', '--collective', collective, '--json'])
    assert.equal(added.code, 0, added.stderr)
    const asset = (await daemon.api(`/v1/records?kind=asset&collective=${collective}`)).body.items[0].cid
    content = String((await daemon.api(`/v1/records/${asset}`)).body.record.credentialSubject.id).replace('ipfs://', '')
  })

  after(async () => { await daemon?.destroy() })

  it('without --decrypt: the ciphertext, with no byte of the marker', async () => {
    const out = join(daemon.home, 'cipher.bin')
    const r = await daemon.cli(['get', content, '-o', out])
    assert.equal(r.code, 0, r.stderr)
    const got = await readFile(out)
    assert.ok(got.length > body.length)
    assert.equal(got.includes(Buffer.from(marker)), false)
  })

  it('with --decrypt: the file\'s exact bytes, to a file (described with --json) and to stdout', async () => {
    const out = join(daemon.home, 'plain.txt')
    const r = await daemon.cli(['get', content, '--decrypt', '-o', out, '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.ok((await readFile(out)).equals(body))
    assert.deepEqual(JSON.parse(r.stdout), { cid: content, file: out, size: body.length })
    const toStdout = await daemon.cli(['get', content, '--decrypt'])
    assert.equal(toStdout.code, 0, toStdout.stderr)
    assert.equal(toStdout.stdout, body.toString())
  })

  it('refuses a path inside the CID, and content that is no encrypted work, with one line', async () => {
    const withPath = await daemon.cli(['get', `${content}/draft.txt`, '--decrypt'])
    assert.notEqual(withPath.code, 0)
    assert.match(withPath.stderr, /--decrypt takes the CID of a work, without a path/)
    assert.equal(withPath.stderr.trim().split('\n').length, 1, withPath.stderr)
    const file = join(daemon.home, 'open.txt')
    await writeFile(file, 'an open work\n')
    const plain = await daemon.cli(['add', file, '--json'])
    assert.equal(plain.code, 0, plain.stderr)
    const cid = JSON.parse(plain.stdout).content ?? JSON.parse(plain.stdout).cid
    const refused = await daemon.cli(['get', cid, '--decrypt'])
    assert.notEqual(refused.code, 0)
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr)
    assert.match(refused.stderr, /encrypt/i)
  })
})
