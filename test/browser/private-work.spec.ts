/**
 * A private collective's work opened by the real page in Chromium (issue 14: "the browser decrypts and verifies a
 * private work with @noble/ciphers"). A real daemon founds a private collective and adds a work through the CLI, so
 * the node holds ciphertext only; the page fetches that ciphertext from /ipfs, the epoch key from the daemon (loopback,
 * token), and opens it itself: the plaintext's SHA-256 is the file's. A chunk altered on its way to the browser
 * (page.route) fails with ERR_DECRYPTION and shows no plaintext; a wrong token gets the daemon's 401 and no key.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { TestDaemon } from '../e2e/harness.ts'
import { ensureWebBuilt, launchBrowser } from './helpers.ts'
import type { Browser } from './helpers.ts'

const STEP_MS = 20_000
const CHUNK = 64 * 1024

describe('a private work opened in the browser', { timeout: 180_000 }, () => {
  let daemon: TestDaemon
  let browser: Browser
  let asset: string
  let content: string
  const marker = `PRIVATE-MARKER-${randomBytes(8).toString('hex')}`
  // three 64 KiB chunks and a partial one, text so the page shows it; the marker in the first and the last chunk
  const body = Buffer.from(`${marker}\n${randomBytes(110_000).toString('hex')}\n${marker}\n`)
  const pageErrors: string[] = []

  async function open (): Promise<Page> {
    const page = await browser.context.newPage()
    page.setDefaultTimeout(STEP_MS)
    page.on('pageerror', err => { pageErrors.push(err.message) })
    await page.goto(`${daemon.url}/#/asset/${asset}`)
    await page.locator('#private-work').waitFor()
    return page
  }

  before(async () => {
    await ensureWebBuilt()
    daemon = await TestDaemon.create('atelier-web-private-')
    await daemon.start()
    const created = await daemon.cli(['collective', 'create', 'Drafts', '--private', '--json'])
    assert.equal(created.code, 0, created.stderr)
    const collective = JSON.parse(created.stdout).id as string
    const file = join(daemon.home, 'draft.txt')
    await writeFile(file, body)
    const added = await daemon.cli(['add', file, '--title', 'A draft', '--media-type', 'text/plain', '--collective', collective, '--json'])
    assert.equal(added.code, 0, added.stderr)
    await rm(file)
    const items = (await daemon.api(`/v1/records?kind=asset&collective=${collective}`)).body.items
    assert.equal(items.length, 1)
    asset = items[0].cid
    const subject = (await daemon.api(`/v1/records/${asset}`)).body.record.credentialSubject
    assert.equal(subject.encryption.plaintextSize, body.length)
    content = String(subject.id).replace('ipfs://', '')
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await daemon?.destroy()
  })

  it('the node serves only ciphertext: /ipfs holds no byte of the marker', async () => {
    const served = Buffer.from(await (await fetch(`${daemon.url}/ipfs/${content}`)).arrayBuffer())
    assert.ok(served.length > body.length, 'ciphertext is the plaintext plus a header and a tag per chunk')
    assert.equal(served.includes(Buffer.from(marker)), false)
  })

  it('the page decrypts it with the epoch key its daemon gives it, and the plaintext is the file', async () => {
    const page = await open()
    const asked: string[] = []
    page.on('request', req => { asked.push(new URL(req.url()).pathname) })
    await page.fill('#private-token', daemon.token)
    await page.click('#private-decrypt')
    await page.locator('#private-result[data-state="verified"]').waitFor()
    assert.equal(await page.locator('#private-sha256').innerText(), createHash('sha256').update(body).digest('hex'))
    assert.ok((await page.locator('#private-plaintext').innerText()).startsWith(marker))
    assert.ok(asked.includes(`/ipfs/${content}`), 'the ciphertext came from /ipfs')
    assert.ok(!asked.some(p => p.endsWith('/plaintext')), 'the daemon\'s plaintext route was not used')
    await page.close()
  })

  it('a chunk altered on its way to the browser fails its tag, and no plaintext is shown', async () => {
    const page = await open()
    await page.route(url => url.pathname === `/ipfs/${content}`, async route => {
      const res = await route.fetch()
      const bytes = Buffer.from(await res.body())
      bytes[96 + CHUNK + 16 + 100] ^= 0x01 // a byte of the second sealed chunk
      await route.fulfill({ response: res, body: bytes })
    })
    await page.fill('#private-token', daemon.token)
    await page.click('#private-decrypt')
    await page.locator('#private-result[data-state="failed"]').waitFor()
    assert.equal(await page.locator('#private-error-code').innerText(), 'ERR_DECRYPTION')
    assert.match(await page.locator('#private-result').innerText(), /chunk 1 does not open/)
    assert.equal(await page.locator('#private-plaintext').count(), 0)
    await page.close()
  })

  it('a wrong token gets no key: the daemon\'s own error is shown', async () => {
    const page = await open()
    await page.fill('#private-token', 'not-the-token')
    await page.click('#private-decrypt')
    await page.locator('#private-result[data-state="failed"]').waitFor()
    assert.match(await page.locator('#private-result').innerText(), /Bearer/)
    assert.equal(await page.locator('#private-plaintext').count(), 0)
    await page.close()
    assert.deepEqual(pageErrors, [])
  })
})
