/**
 * The "For you" view in a real browser (Debian's Chromium) against real daemons (issue 13): C follows A, A adds a
 * work to their collective and endorses it; C's page asks for the API token (the ranking is private to C's
 * creator), then lists the work with its title, its creator's name and the reasons in words naming Alice.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestDaemon, waitFor } from '../e2e/harness.ts'
import { ensureWebBuilt, launchBrowser } from './helpers.ts'
import type { Browser } from './helpers.ts'
import { WIDTHS, overflowProblems } from './views.ts'

const STEP_MS = 20_000

describe('web page: For you', { timeout: 300_000 }, () => {
  let a: TestDaemon, c: TestDaemon
  let browser: Browser
  let scratch: string
  let work: string
  const offNode: string[] = []

  before(async () => {
    await ensureWebBuilt()
    scratch = await mkdtemp(join(tmpdir(), 'atelier-for-you-files-'))
    a = await TestDaemon.create('atelier-for-you-a-')
    c = await TestDaemon.create('atelier-for-you-c-')
    for (const d of [a, c]) { await d.writeConfig({ sync: { intervalMs: 2000 } }); await d.start() }
    const didA = (await a.api('/v1/node')).body.did as string
    const created = await a.cli(['collective', 'create', 'Harbour Illustrators', '--json'])
    assert.equal(created.code, 0, created.stderr)
    const collective = JSON.parse(created.stdout).id as string
    const inv = await a.cli(['invite', collective])
    assert.equal(inv.code, 0, inv.stderr)
    assert.equal((await c.cli(['join', inv.stdout.trim(), '--json'])).code, 0)
    const didC = (await c.api('/v1/node')).body.did as string
    await waitFor(async () => (await a.api(`/v1/collectives/${collective}/members`)).body.members?.includes(didC) === true ? true : undefined, 60_000, 'C a member')
    assert.equal((await a.cli(['profile', 'set', '--name', 'Alice'])).code, 0)
    const file = join(scratch, 'harbour.txt')
    await writeFile(file, 'Harbour at dawn: some words of a text work')
    const added = await a.cli(['add', file, '--title', 'Harbour at dawn', '--collective', collective, '--json'])
    assert.equal(added.code, 0, added.stderr)
    work = JSON.parse(added.stdout).record
    const followed = await c.cli(['follow', didA, '--collective', collective, '--json'])
    assert.equal(followed.code, 0, followed.stderr)
    const endorsed = await a.cli(['endorse', work, '--json'])
    assert.equal(endorsed.code, 0, endorsed.stderr)
    // the page is tested once C's node holds what the ranking needs (sync is the e2e suite's business)
    await waitFor(async () => {
      const r = await c.api('/v1/discover', { headers: { authorization: `Bearer ${c.token}` } })
      return r.body.items?.[0]?.record === work && r.body.items[0].reasons.some((x: { code: string }) => x.code === 'endorsedByFollowed') ? true : undefined
    }, 90_000, 'the work in C\'s ranking')
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    for (const d of [a, c]) await d?.destroy()
    if (scratch != null) await rm(scratch, { recursive: true, force: true })
  })

  it('asks for the token, then lists the work with its creator and the reasons in words', async () => {
    const page = await browser.context.newPage()
    page.setDefaultTimeout(STEP_MS)
    page.on('request', req => { if (!req.url().startsWith(c.url) && !/^(data|blob):/.test(req.url())) offNode.push(req.url()) })
    await page.goto(`${c.url}/#/for-you`)
    // no token in this session: the node refuses, the page says why and shows the token field
    await page.locator('#for-you-items .error', { hasText: 'private to the node\'s creator' }).waitFor()
    await page.fill('#for-you-token', c.token)
    await page.click('#for-you-token-form button[type="submit"]')
    const item = page.locator(`#for-you-items .for-you-item[data-cid="${work}"]`)
    await item.waitFor()
    assert.match(await item.locator('.result-title').innerText(), /Harbour at dawn/)
    assert.equal(await item.locator('.creator').innerText(), 'Alice')
    const reasons = await item.locator('.reasons li').allInnerTexts()
    assert.ok(reasons.includes('endorsed by Alice, whom you follow'), reasons.join(' | '))
    assert.ok(reasons.includes('by Alice, whom you follow'), reasons.join(' | '))
    assert.equal(await page.locator('#for-you-token-form').isHidden(), true)
    // laid out at a laptop's and a small phone's width: no text overflows, nothing past the viewport
    for (const size of WIDTHS) {
      await page.setViewportSize(size)
      assert.deepEqual(await overflowProblems(page), [], `at ${size.width} px`)
    }
    // the nav marks the view, and the item opens its asset page
    assert.equal(await page.locator('nav.top a[data-nav="for-you"]').getAttribute('class'), 'active')
    await item.locator('.result-title a').click()
    await page.waitForURL(new RegExp(`#/asset/${work}$`))
    assert.deepEqual(offNode, [])
    await page.close()
  })
})
