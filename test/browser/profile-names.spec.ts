/**
 * The page shows creators by name (protocols/records.md §3.8) in a real browser against a real daemon: the
 * dashboard's creator and collective members, a record's signer and an asset's author read "Ada Lindqvist", the
 * did is on hover and one click away, and a profile that fails the page's own check (the node pointing at someone
 * else's profile) leaves the did shown.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { TestDaemon } from '../e2e/harness.ts'
import { ensureWebBuilt, launchBrowser, seed } from './helpers.ts'
import type { Browser, Seeded } from './helpers.ts'
import { createSigner, issueRecord, nobleCrypto } from '../../src/records/index.ts'

const STEP_MS = 20_000

describe('web page: names instead of dids', { timeout: 180_000 }, () => {
  let daemon: TestDaemon
  let browser: Browser
  let data: Seeded
  let did: string
  const offNode: string[] = []
  const pageErrors: string[] = []

  async function open (hash: string): Promise<Page> {
    const page = await browser.context.newPage()
    page.setDefaultTimeout(STEP_MS)
    page.on('request', req => { if (!req.url().startsWith(daemon.url) && !req.url().startsWith('data:') && !req.url().startsWith('blob:')) offNode.push(req.url()) })
    page.on('pageerror', err => { pageErrors.push(err.message) })
    await page.goto(`${daemon.url}/${hash}`)
    return page
  }

  before(async () => {
    await ensureWebBuilt()
    daemon = await TestDaemon.create('atelier-web-names-')
    await daemon.start()
    data = await seed(daemon)
    did = (await daemon.api('/v1/node')).body.did
    const set = await daemon.api('/v1/profiles', { method: 'POST', json: { name: 'Ada Lindqvist', collective: data.collective } })
    assert.equal(set.status, 201, JSON.stringify(set.body))
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await daemon?.destroy()
  })

  it('dashboard: the creator and the collective\'s members by name; the did on hover and one click away', async () => {
    const page = await open('#/')
    const creator = page.locator('#node-creator .did.named')
    await creator.waitFor()
    assert.equal(await creator.textContent(), 'Ada Lindqvist')
    assert.match(await creator.getAttribute('title') ?? '', new RegExp(did))
    assert.equal(await creator.getAttribute('data-did'), did)
    const member = page.locator('#collectives-card .members li .did.named')
    await member.waitFor()
    assert.equal(await member.textContent(), 'Ada Lindqvist')
    assert.ok(!(await page.locator('#collectives-card').innerText()).includes(did.slice(8, 20)), 'the members list shows the name, not the key')
    await creator.click()
    assert.equal(await page.locator('#node-creator .did').textContent(), did, 'one click shows the did')
    await page.locator('#node-creator .did').click()
    assert.equal(await page.locator('#node-creator .did').textContent(), 'Ada Lindqvist')
    await page.close()
  })

  it('a record\'s signer and an asset\'s author by name', async () => {
    for (const hash of [`#/record/${data.remix}`, `#/asset/${data.remix}`]) {
      const page = await open(hash)
      await page.locator('.did.named', { hasText: 'Ada Lindqvist' }).first().waitFor()
      await page.close()
    }
  })

  it('the live feed, an asset\'s signed-by badge and a proposal\'s change name the person', async () => {
    const page = await open('#/')
    await page.locator('#live-state', { hasText: 'live' }).waitFor()
    const att = await daemon.api('/v1/attestations', { method: 'POST', json: { record: data.remix, claim: 'endorsement', comment: 'A fine remix' } })
    const row = page.locator(`#live-records li[data-cid="${att.body.cid as string}"]`)
    await row.locator('.live-facts[data-trust="verified"] .did.named', { hasText: 'Ada Lindqvist' }).waitFor()
    assert.doesNotMatch(await row.innerText(), /did:key|bagaaiera/)
    const made = await daemon.api(`/v1/collectives/${data.collective}/proposals`, { method: 'POST', json: { title: 'Ada as admin', changes: [{ action: 'addAdmin', member: did }], closesIn: 3600 } })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    await page.reload()
    const proposal = page.locator(`#collectives-card .proposal[data-proposal="${made.body.id as string}"]`)
    await proposal.locator('.did.named', { hasText: 'Ada Lindqvist' }).waitFor()
    assert.match(await proposal.innerText(), /would change: make Ada Lindqvist an admin/)
    await page.goto(`${daemon.url}/#/asset/${data.remix}`)
    await page.locator('#asset-verify .did.named').waitFor()
    assert.equal(await page.locator('#asset-verify').innerText(), '✓ Signed by Ada Lindqvist — signature checked')
    await page.close()
  })

  it('a profile that fails the page\'s check leaves the did: the node cannot put a name on someone', async () => {
    // the node (here, a route in the browser) answers with a profile signed by another key
    const other = createSigner(new Uint8Array(32).fill(7), nobleCrypto)
    const foreign = issueRecord('profile', { id: other.did, name: 'Mallory' }, { signer: other, crypto: nobleCrypto })
    const page = await browser.context.newPage()
    page.setDefaultTimeout(STEP_MS)
    await page.route(`**/v1/profiles/${encodeURIComponent(did)}`, route => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ did, name: 'Mallory', cid: foreign.cid }) }))
    await page.route(`**/v1/records/${foreign.cid}?raw=1`, route => route.fulfill({ status: 200, contentType: 'application/json', body: Buffer.from(foreign.bytes) }))
    await page.goto(`${daemon.url}/#/`)
    await page.locator('#node-did', { hasText: did }).waitFor()
    // the name question is answered (the page fetched the foreign record) and the did stays
    await page.waitForFunction((cid) => performance.getEntriesByType('resource').some(e => e.name.includes(`/v1/records/${cid}?raw=1`)), foreign.cid)
    await page.waitForTimeout(500)
    assert.equal(await page.locator('#node-creator .did.named').count(), 0)
    assert.equal(await page.locator('#node-creator .did').getAttribute('title'), did)
    assert.ok(!(await page.locator('body').innerText()).includes('Mallory'))
    await page.close()
  })

  it('loaded nothing from outside this node and raised no script error', () => {
    assert.deepEqual(offNode, [])
    assert.deepEqual(pageErrors, [])
  })
})
