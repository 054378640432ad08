/**
 * The node's web page in a real browser (Debian's Chromium through playwright-core) against a real daemon with
 * data: dashboard, search, an upload with a parent through the form, the lineage graph, the provenance report,
 * and a record altered on its way to the browser (page.route) flagged by the page's own signature check.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { TestDaemon } from '../e2e/harness.ts'
import { ensureWebBuilt, launchBrowser, seed, sunrisePng } from './helpers.ts'
import type { Browser, Seeded } from './helpers.ts'

/** Longest any one step may wait (the page, the daemon and the browser share two cores with other tests) */
const STEP_MS = 20_000

describe('web page', { timeout: 180_000 }, () => {
  let daemon: TestDaemon
  let browser: Browser
  let data: Seeded
  /** every URL the browser asked for that was not this node: must stay empty (nothing from the internet) */
  const offNode: string[] = []
  const pageErrors: string[] = []

  /** A new tab watched for off-node requests and script errors, at `hash` of the page (or blank when null) */
  async function open (hash: string | null): Promise<Page> {
    const page = await browser.context.newPage()
    page.setDefaultTimeout(STEP_MS)
    page.on('request', req => { if (!req.url().startsWith(daemon.url) && !req.url().startsWith('data:') && !req.url().startsWith('blob:')) offNode.push(req.url()) })
    page.on('pageerror', err => { pageErrors.push(err.message) })
    if (hash != null) await page.goto(`${daemon.url}/${hash}`)
    return page
  }

  before(async () => {
    await ensureWebBuilt()
    daemon = await TestDaemon.create('atelier-web-')
    await daemon.start()
    data = await seed(daemon)
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await daemon?.destroy()
  })

  it('serves the page at / under a same-origin CSP, its files under /assets/, and JSON 404s elsewhere', async () => {
    const res = await fetch(`${daemon.url}/`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /text\/html/)
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    const html = await res.text()
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    assert.ok(script != null, 'index.html names its script under /assets/')
    const js = await fetch(daemon.url + script)
    assert.equal(js.status, 200)
    assert.match(js.headers.get('cache-control') ?? '', /immutable/)
    for (const path of ['/v1/nothing-here', '/assets/missing.js', '/nothing']) {
      const r = await daemon.api(path)
      assert.equal(r.status, 404, path)
      assert.equal(r.body.error.code, 'ERR_NOT_FOUND', path)
    }
  })

  it('dashboard: identity, collectives with members, and records arriving live, each verified in the browser', async () => {
    const page = await open('#/')
    const node = (await daemon.api('/v1/node')).body
    await page.locator('#node-peer-id', { hasText: node.peerId }).waitFor()
    await page.locator('#node-did', { hasText: node.did }).waitFor()
    await page.locator('#collectives-card .collective', { hasText: 'Riverside Printmakers' }).locator('.members li', { hasText: 'admin' }).waitFor()
    await page.locator('#live-state', { hasText: 'live' }).waitFor()
    const att = await daemon.api('/v1/attestations', { method: 'POST', json: { record: data.remix, claim: 'endorsement' } })
    assert.equal(att.status, 201)
    await page.locator(`#live-records li[data-cid="${att.body.cid as string}"] [data-verify="verified"]`).waitFor()
    await page.close()
  })

  it('dashboard: a collective\'s open proposal with its count so far and what it would change', async () => {
    const made = await daemon.api(`/v1/collectives/${data.collective}/proposals`, { method: 'POST', json: { title: 'Quorum of one', changes: [{ action: 'setQuorum', quorum: 1 }], closesIn: 3600 } })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    const page = await open('#/')
    const item = page.locator(`#collectives-card .proposal[data-proposal="${made.body.id as string}"]`)
    await item.waitFor()
    assert.match(await item.innerText(), /Quorum of one[\s\S]*open until[\s\S]*single: for 0 · against 0 · turnout 0 of 1 · would change: admin quorum 1/)
    await page.close()
  })

  it('search: finds works by words, with image previews and verified badges', async () => {
    const page = await open('#/browse?q=sunrise&kind=asset')
    const cards = page.locator('#results .result')
    await cards.first().waitFor()
    const cids = await cards.evaluateAll(els => els.map(e => (e as HTMLElement).dataset.cid))
    assert.ok(cids.includes(data.sunrise) && cids.includes(data.remix), `both sunrises found: ${cids.join(', ')}`)
    assert.ok(!cids.includes(data.song), 'the song does not match "sunrise"')
    const img = page.locator(`#results .result[data-cid="${data.sunrise}"] img`)
    await img.waitFor()
    await page.waitForFunction((sel) => { const i = document.querySelector(sel) as HTMLImageElement | null; return i != null && i.complete && i.naturalWidth > 0 }, `#results .result[data-cid="${data.sunrise}"] img`)
    await page.locator(`#results .result[data-cid="${data.sunrise}"] [data-verify="verified"]`).waitFor()
    await page.close()
  })

  it('upload form: shows the gateway\'s own error message for a wrong token', async () => {
    const page = await open('#/upload')
    await page.fill('#api-token', 'not-the-token')
    await page.setInputFiles('#file', { name: 'x.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') })
    await page.click('#upload-submit')
    const error = page.locator('#upload-result .error')
    await error.waitFor()
    assert.match(await error.innerText(), /API token is wrong/)
    assert.match(await error.innerText(), /ERR_UNAUTHORIZED/)
    await page.close()
  })

  let created = ''

  it('upload form: a file with a parent, with progress; it appears in the lineage graph, whose nodes open their assets', async () => {
    const page = await open(`#/asset/${data.remix}`)
    await page.click('text=Make a derivative')
    await page.locator('#upload-form').waitFor()
    assert.equal(await page.inputValue('#parents input[name="parent"]'), data.remix)
    await page.fill('#api-token', daemon.token)
    await page.setInputFiles('#file', { name: 'night-river.png', mimeType: 'image/png', buffer: sunrisePng(80) })
    assert.equal(await page.inputValue('#title'), 'night-river')
    await page.fill('#title', 'Night river')
    await page.selectOption('#license', 'non-commercial-remix')
    await page.check('input[name="aiTraining"][value="notAllowed"]')
    await page.click('#upload-submit')
    const success = page.locator('#upload-success')
    await success.waitFor()
    created = await success.getAttribute('data-cid') ?? ''
    assert.match(created, /^bagaaiera/)
    assert.equal(await page.locator('#upload-progress').evaluate(p => (p as HTMLProgressElement).value), 100)
    assert.equal(await page.evaluate(() => sessionStorage.getItem('atelier.apiToken')), daemon.token, 'the token is kept in the session')

    // what the node signed: the form's choices
    const record = (await daemon.api(`/v1/records/${created}`)).body.record
    assert.equal(record.credentialSubject.title, 'Night river')
    assert.equal(record.credentialSubject.mediaType, 'image/png')
    assert.deepEqual(record.credentialSubject.ingredients.map((i: any) => [i.record, i.relationship]), [[data.remix, 'parentOf']])
    assert.equal(record.credentialSubject.trainingMining['cawg.ai_training'].use, 'notAllowed')
    const licenses = (await daemon.api(`/v1/assets/${created}/licenses`)).body.items
    assert.equal(licenses.length, 1)

    await page.click('#open-lineage')
    await page.locator(`#lineage-nodes li[data-cid="${created}"]`).waitFor()
    // the drawn graph: the new work, its parent and grandparent, linked
    await page.waitForFunction(() => ((document.querySelector('#lineage-graph') as any)?.cy?.nodes().length ?? 0) >= 3)
    const graph = await page.evaluate(() => {
      const cy = (document.querySelector('#lineage-graph') as any).cy
      return { nodes: cy.nodes().map((n: any) => n.id()), edges: cy.edges().map((e: any) => [e.source().id(), e.target().id()]) }
    })
    assert.deepEqual(new Set(graph.nodes), new Set([created, data.remix, data.sunrise]))
    // each link runs from the derivative up to its parent ("made from")
    assert.deepEqual(new Set(graph.edges.map((e: string[]) => e.join('>'))), new Set([`${data.remix}>${data.sunrise}`, `${created}>${data.remix}`]))
    await page.locator(`#lineage-nodes li[data-cid="${data.sunrise}"] [data-verify="verified"]`).waitFor()
    await page.waitForFunction((cid) => (document.querySelector('#lineage-graph') as any).cy.getElementById(cid).data('status') === 'verified', data.sunrise)

    // zoom with the buttons, then click the grandparent's node where it is drawn
    const zoom0 = await page.evaluate(() => (document.querySelector('#lineage-graph') as any).cy.zoom())
    await page.click('button[aria-label="Zoom in"]')
    assert.ok(await page.evaluate(() => (document.querySelector('#lineage-graph') as any).cy.zoom()) > zoom0, 'zoomed in')
    await page.click('text=Fit')
    const at = await page.evaluate((cid) => {
      const el = document.querySelector('#lineage-graph') as any
      const p = el.cy.getElementById(cid).renderedPosition()
      const box = el.getBoundingClientRect()
      return { x: box.left + p.x, y: box.top + p.y }
    }, data.sunrise)
    await page.mouse.click(at.x, at.y)
    await page.waitForURL(`**/#/asset/${data.sunrise}/lineage`)
    await page.locator('#asset-title', { hasText: 'Sunrise over the river' }).waitFor()
    await page.close()
  })

  it('provenance: the node\'s report with a badge per finding, and a record altered in transit flagged by the in-browser check', async () => {
    assert.ok(created !== '', 'the upload test ran')
    const report = (await daemon.api(`/v1/assets/${created}/provenance`)).body
    assert.ok(Array.isArray(report.findings), 'the node serves provenance reports')

    const page = await open(null)
    // alter one byte of the grandparent's record on its way to the browser; the node's copy stays intact
    const original = 'Sunrise over the river'
    await page.route(url => url.pathname === `/v1/records/${data.sunrise}` && url.searchParams.get('raw') === '1', async route => {
      const res = await route.fetch()
      const text = (await res.body()).toString('utf8')
      assert.ok(text.includes(original))
      await route.fulfill({ response: res, body: text.replace(original, 'Sunrise over the rivet') })
    })
    await page.goto(`${daemon.url}/#/asset/${created}/provenance`)

    const verdict = page.locator('#provenance-verdict')
    await verdict.waitFor()
    assert.equal(await verdict.getAttribute('data-verdict'), report.verdict)
    assert.equal(await page.locator('#provenance-report .finding .badge').count(), report.findings.length, 'one badge per finding')
    const codes = await page.locator('#provenance-report .finding').evaluateAll(els => els.map(e => (e as HTMLElement).dataset.code))
    assert.ok(codes.includes('signature.valid'), 'the node found its own copy intact')

    const summary = page.locator('#browser-verdict[data-verdict]')
    await summary.waitFor()
    assert.equal(await summary.getAttribute('data-verdict'), 'tampered')
    // three assets of the lineage and the new work's license
    assert.match(await summary.innerText(), /1 of 4 records fail the check/)
    const sunriseRow = page.locator(`#signature-checks tr[data-cid="${data.sunrise}"] [data-verify]`)
    assert.equal(await sunriseRow.getAttribute('data-verify'), 'tampered')
    assert.match(await sunriseRow.getAttribute('title') ?? '', /signature|proof/i)
    const license = (await daemon.api(`/v1/assets/${created}/licenses`)).body.items[0].cid as string
    for (const cid of [created, data.remix, license]) {
      assert.equal(await page.locator(`#signature-checks tr[data-cid="${cid}"] [data-verify]`).getAttribute('data-verify'), 'verified', cid)
    }

    // the same page's graph draws the altered record as tampered
    await page.click('nav.tabs >> text=Lineage')
    await page.waitForFunction((cid) => (document.querySelector('#lineage-graph') as any)?.cy?.getElementById(cid).data('status') === 'tampered', data.sunrise)
    await page.close()
  })

  it('loaded nothing from outside this node and raised no script error', () => {
    assert.deepEqual(offNode, [])
    assert.deepEqual(pageErrors, [])
  })
})
