/**
 * A node that lies to its own page. Every route the page reads is answered falsely on its way to the browser
 * (playwright's page.route: terms, shares, titles, authors, links, the report verdict, the royalty split, record
 * bytes, the node's own facts), and the page must show either the true value read from bytes it verified, or an
 * explicit could-not-verify state, or the value under the node's-word marker: never a forged value as verified.
 *
 * How "presented as verified" is judged: every text node (and title attribute) holding a forged value must sit
 * inside an element marked `data-trust="node"`; anything else (unmarked or `data-trust="verified"`) fails.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Page, Route } from 'playwright-core'
import { createSigner, generateSeed, nobleCrypto } from '../../src/records/index.ts'
import { TestDaemon } from '../e2e/harness.ts'
import { ensureWebBuilt, launchBrowser, seed, sunrisePng } from './helpers.ts'
import type { Browser, Seeded } from './helpers.ts'

const STEP_MS = 20_000

/** Where each occurrence of `needle` on the page stands: 'node', 'verified' or 'unmarked' */
async function trustOf (page: Page, needle: string): Promise<string[]> {
  return await page.evaluate((needle) => {
    const out: string[] = []
    const trust = (el: Element | null): string => el?.closest('[data-trust]')?.getAttribute('data-trust') ?? 'unmarked'
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    while (walker.nextNode()) {
      const t = walker.currentNode
      if ((t.textContent ?? '').includes(needle)) out.push(trust(t.parentElement))
    }
    for (const el of Array.from(document.body.querySelectorAll('[title]'))) if ((el.getAttribute('title') ?? '').includes(needle)) out.push(trust(el))
    return out
  }, needle)
}

/** A forged value may appear only as the node's word */
async function assertNeverVerified (page: Page, forged: string): Promise<void> {
  const where = await trustOf(page, forged)
  assert.deepEqual(where.filter(w => w !== 'node'), [], `"${forged}" is shown outside the node's-word marker (${where.join(', ')})`)
}

/** Answer matching JSON requests with `mutate`d bodies; the node's own data stays intact */
async function tamperJson (page: Page, match: (url: URL) => boolean, mutate: (body: any) => void): Promise<void> {
  await page.route(url => match(url), async (route: Route) => {
    const res = await route.fetch()
    const body = await res.json()
    mutate(body)
    await route.fulfill({ response: res, json: body })
  })
}

/** Alter record bytes served by GET /v1/records/<cid>?raw=1 (the page's source of verified records) */
async function tamperRaw (page: Page, cid: string, from: string, to: string): Promise<void> {
  await page.route(url => url.pathname === `/v1/records/${cid}` && url.searchParams.get('raw') === '1', async route => {
    const res = await route.fetch()
    const text = (await res.body()).toString('utf8')
    assert.ok(text.includes(from), `the record holds "${from}"`)
    await route.fulfill({ response: res, body: text.replace(from, to) })
  })
}

describe('web page against a node that alters its answers', { timeout: 240_000 }, () => {
  let daemon: TestDaemon
  let browser: Browser
  let data: Seeded
  /** a derivative of Sunrise by two creators (60 % the node's did, 40 % another's), for the royalty split */
  let duet = ''
  let other = ''
  let sunriseLicense = ''
  let songLicense = ''
  const pageErrors: string[] = []

  async function open (): Promise<Page> {
    const page = await browser.context.newPage()
    page.setDefaultTimeout(STEP_MS)
    page.on('pageerror', err => { pageErrors.push(err.message) })
    return page
  }

  /** Wait until no verify badge is still checking */
  async function settled (page: Page): Promise<void> {
    await page.waitForFunction(() => document.querySelector('[data-verify="pending"]') == null && document.querySelector('.loading') == null)
  }

  before(async () => {
    await ensureWebBuilt()
    daemon = await TestDaemon.create('atelier-web-tamper-')
    await daemon.start()
    data = await seed(daemon)
    const node = (await daemon.api('/v1/node')).body
    other = createSigner(generateSeed(), nobleCrypto).did
    const up = await fetch(`${daemon.url}/v1/content`, { method: 'POST', headers: { authorization: `Bearer ${daemon.token}` }, body: new Uint8Array(sunrisePng(120)) })
    const created = await daemon.api('/v1/assets', {
      method: 'POST',
      json: {
        content: (await up.json() as { cid: string }).cid, title: 'Duet at dusk', mediaType: 'image/png', collective: data.collective,
        parents: [{ record: data.sunrise, relationship: 'parentOf' }],
        creators: [{ id: node.did, role: 'author', share: 6000 }, { id: other, role: 'author', share: 4000 }]
      }
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    duet = created.body.cid
    sunriseLicense = (await daemon.api(`/v1/assets/${data.sunrise}/licenses`)).body.items[0].cid
    songLicense = (await daemon.api(`/v1/assets/${data.song}/licenses`)).body.items[0].cid
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await daemon?.destroy()
  })

  it('licenses: terms altered in the listing show as the signed terms; a license of another asset slipped in is refused', async () => {
    const page = await open()
    const song = (await daemon.api(`/v1/assets/${data.song}/licenses`)).body.items[0]
    await tamperJson(page, url => url.pathname === `/v1/assets/${data.sunrise}/licenses`, body => {
      for (const item of body.items) {
        item.record.credentialSubject.terms.commercialRevShare = 9900
        item.record.credentialSubject.terms.customTerms = 'Forged: pay the node'
        item.author = 'did:key:z6MkForgedAuthorForgedAuthorForgedAuthorAAAA'
      }
      body.items.push(song)
    })
    // the JSON route of the asset itself, which the page must not need
    await tamperJson(page, url => url.pathname === `/v1/records/${data.sunrise}` && !url.searchParams.has('raw'), body => {
      body.record.credentialSubject.title = 'Forged title'
    })
    await page.goto(`${daemon.url}/#/asset/${data.sunrise}`)
    const license = page.locator(`#licenses article[data-cid="${sunriseLicense}"]`)
    await license.locator('[data-verify="verified"]').waitFor()
    const terms = await license.innerText()
    assert.doesNotMatch(terms, /99 %|Forged/, 'the terms shown beside the verified badge are the signed ones')
    assert.match(terms, /10 % of the revenue of commercial derivatives/)
    assert.equal(await license.getAttribute('data-trust'), 'verified')
    const slipped = page.locator(`#licenses article[data-cid="${songLicense}"] .unverified`)
    await slipped.waitFor()
    assert.match(await slipped.innerText(), /not a license of this asset/)
    assert.equal(await page.locator(`#licenses article[data-cid="${songLicense}"] li`).count(), 0, 'no terms of the slipped-in license')
    assert.equal(await page.locator('#asset-title').innerText(), 'Sunrise over the river')
    await settled(page)
    for (const forged of ['99 %', 'Forged', 'z6MkForgedAuthor']) await assertNeverVerified(page, forged)
    await page.close()
  })

  it('record bytes: an altered or withheld asset, license or record shows could-not-verify and nothing from it', async () => {
    const page = await open()
    await tamperRaw(page, data.remix, 'Sunrise remix', 'Sunrise remiX')
    await tamperRaw(page, sunriseLicense, '"commercialRevShare":1000', '"commercialRevShare":9000')
    await page.goto(`${daemon.url}/#/asset/${data.remix}`)
    await page.locator('[data-verify="tampered"]').first().waitFor()
    assert.equal(await page.locator('#asset-title').count(), 0, 'nothing of the record is shown beside a failed check: no title')
    const state = page.locator('.unverified[data-verify="tampered"]')
    assert.match(await state.innerText(), /Could not verify this record/)
    await page.goto(`${daemon.url}/#/record/${data.remix}`)
    await page.locator('[data-verify="tampered"]').first().waitFor()
    assert.equal(await page.locator('pre.json').count(), 0, 'no JSON beside a failed check')
    await page.locator('.unverified[data-verify="tampered"]').waitFor()

    await page.goto(`${daemon.url}/#/asset/${data.sunrise}`)
    const license = page.locator(`#licenses article[data-cid="${sunriseLicense}"]`)
    await license.locator('[data-verify="tampered"]').first().waitFor()
    assert.equal(await license.locator('li').count(), 0, 'no terms beside a failed check')
    await license.locator('.unverified[data-verify="tampered"]').waitFor()
    await page.goto(`${daemon.url}/#/record/${sunriseLicense}`)
    await page.locator('.unverified[data-verify="tampered"]').waitFor()
    await settled(page)
    for (const forged of ['remiX', '90 %']) await assertNeverVerified(page, forged)

    // bytes withheld: not a verdict, but still nothing shown unchecked
    await page.route(url => url.pathname === `/v1/records/${data.song}` && url.searchParams.get('raw') === '1', async route => {
      await route.fulfill({ status: 503, json: { error: { code: 'ERR_UNAVAILABLE', name: 'UnavailableError', message: 'withheld' } } })
    })
    await page.goto(`${daemon.url}/#/asset/${data.song}`)
    const withheld = page.locator('.unverified[data-verify="unavailable"]')
    await withheld.waitFor()
    assert.match(await withheld.innerText(), /Could not verify this record.*withheld/s)
    assert.equal(await page.locator('#asset-title').count(), 0)
    await page.close()
  })

  it('lineage: titles and links altered by the node give way to the records\' own; an unconfirmed link is drawn dashed', async () => {
    const page = await open()
    await tamperJson(page, url => url.pathname === `/v1/assets/${duet}/lineage`, body => {
      for (const n of body.nodes) n.title = `Forged ${String(n.cid).slice(-4)}`
      for (const e of body.edges) e.relationship = 'inputTo'
    })
    await page.goto(`${daemon.url}/#/asset/${duet}/lineage`)
    const row = page.locator(`#lineage-nodes li[data-cid="${data.sunrise}"]`)
    await row.locator('[data-verify="verified"]').waitFor()
    await settled(page)
    assert.match(await row.innerText(), /Sunrise over the river/, 'the verified parent shows its own title')
    assert.equal(await row.locator('.node-label').getAttribute('data-trust'), 'verified')
    const graph = await page.evaluate(() => {
      const cy = (document.querySelector('#lineage-graph') as any).cy
      return { labels: cy.nodes().map((n: any) => n.data('label')), checked: cy.edges().map((e: any) => e.data('checked')) }
    })
    assert.ok(graph.labels.includes('Sunrise over the river') && graph.labels.includes('Duet at dusk'), graph.labels.join(', '))
    assert.ok(!graph.labels.some((l: string) => l.startsWith('Forged')), 'no forged label left in the graph')
    assert.deepEqual(graph.checked, [0], 'the altered link is not confirmed by the derivative\'s record')
    await assertNeverVerified(page, 'Forged')
    await page.close()

    // the same lineage, answered honestly: the link is confirmed by the derivative's own record
    const honest = await open()
    await honest.goto(`${daemon.url}/#/asset/${duet}/lineage`)
    await honest.waitForFunction(() => (document.querySelector('#lineage-graph') as any)?.cy?.edges().every((e: any) => e.data('checked') === 1) === true)
    await honest.close()
  })

  it('royalties: the split is computed in the browser; an altered node report is flagged, an altered license stops the split', async () => {
    const split = async (page: Page): Promise<void> => {
      await page.goto(`${daemon.url}/#/asset/${duet}/lineage`)
      await page.fill('#royalty-form input[name="amount"]', '100.00')
      await page.click('#royalty-form button[type="submit"]')
    }
    const node = (await daemon.api('/v1/node')).body
    const truth = (await daemon.api(`/v1/assets/${duet}/royalties?amount=10000&currency=EUR`)).body
    // Sunrise's license asks 10 % (LAP) of its derivatives; the rest splits 60/40 between the duet's creators
    assert.deepEqual(truth.payees.map((p: any) => [p.did, p.amount]), [[node.did, 6400], [other, 3600]])

    const lied = await open()
    await tamperJson(lied, url => url.pathname === `/v1/assets/${duet}/royalties`, body => {
      body.payees = [{ did: 'did:key:z6MkForgedPayeeForgedPayeeForgedPayeeAAAAAA', amount: 10000, paths: [[duet]] }]
    })
    await split(lied)
    await lied.locator('#royalty-result').waitFor()
    await lied.waitForFunction(() => !/Computing|Checking/.test(document.querySelector('.royalty-out')?.textContent ?? ''))
    await assertNeverVerified(lied, 'z6MkForgedPayee')
    assert.match(await lied.locator('#royalty-result[data-trust="verified"]').innerText(), /64\.00/)
    await lied.locator('#royalty-node-check[data-agrees="false"]').waitFor()
    await lied.close()

    const honest = await open()
    await split(honest)
    await honest.locator('#royalty-node-check[data-agrees="true"]').waitFor()
    const rows = await honest.locator('#royalty-result[data-trust="verified"] > table tbody tr').evaluateAll(trs => trs.map(tr => [
      (tr.querySelector('.did') as HTMLElement).title, (tr.querySelectorAll('td')[1] as HTMLElement).innerText
    ]))
    assert.deepEqual(rows.map(r => r[0]), [node.did, other])
    assert.match(rows[0][1], /64\.00/)
    assert.match(rows[1][1], /36\.00/)
    await honest.close()

    const altered = await open()
    await tamperRaw(altered, sunriseLicense, '"commercialRevShare":1000', '"commercialRevShare":5000')
    await tamperJson(altered, url => url.pathname === `/v1/assets/${duet}/royalties`, body => {
      for (const p of body.payees) p.amount = p.did === node.did ? 7000 : 3000
    })
    await split(altered)
    await altered.locator('#royalty-result').waitFor()
    await altered.waitForFunction(() => !/Computing|Checking/.test(document.querySelector('.royalty-out')?.textContent ?? ''))
    assert.equal(await altered.locator('#royalty-result table').count(), 0, 'no split while a record it needs fails the check')
    assert.match(await altered.locator('#royalty-result[data-verify="unverified"]').innerText(), /Could not verify the split/)
    await altered.close()
  })

  it('provenance: an altered verdict and findings are shown only as the node\'s word; titles come from checked records', async () => {
    const page = await open()
    await tamperJson(page, url => url.pathname === `/v1/assets/${duet}/provenance`, body => {
      body.verdict = 'verified'
      body.findings = [{ code: 'signature.valid', severity: 'info', message: 'Forged finding: all good' }]
      body.counts = { errors: 0, warnings: 0, infos: 1 }
    })
    await tamperJson(page, url => url.pathname === `/v1/assets/${duet}/lineage`, body => {
      for (const n of body.nodes) n.title = 'Forged lineage title'
    })
    await page.goto(`${daemon.url}/#/asset/${duet}/provenance`)
    const verdict = page.locator('#provenance-verdict')
    await verdict.waitFor()
    await settled(page)
    for (const forged of ['Forged finding', 'Forged lineage title']) await assertNeverVerified(page, forged)
    assert.equal(await page.locator('#provenance-report').getAttribute('data-trust'), 'node')
    assert.doesNotMatch(await verdict.innerText(), /✓|^verified$/i, 'the node\'s verdict never reads as the page\'s own check')
    assert.equal(await page.locator('#provenance-report [data-mark="node-word"]').count() > 0, true, 'the report carries the node\'s-word marker')
    await page.locator('#browser-verdict[data-verdict="verified"]').waitFor()
    await page.locator(`#signature-checks tr[data-cid="${data.sunrise}"] .node-label[data-trust="verified"]`, { hasText: 'Sunrise over the river' }).waitFor()
    await page.close()
  })

  it('search: titles and authors altered in the hits give way to the records\' own', async () => {
    const page = await open()
    await tamperJson(page, url => url.pathname === '/v1/search', body => {
      for (const s of body.items) {
        s.title = 'Forged hit'
        s.author = 'did:key:z6MkForgedSearchForgedSearchForgedSearchAAAA'
      }
    })
    await page.goto(`${daemon.url}/#/browse?q=sunrise&kind=asset`)
    const card = page.locator(`#results .result[data-cid="${data.sunrise}"]`)
    await card.locator('[data-verify="verified"]').waitFor()
    await settled(page)
    for (const forged of ['Forged hit', 'z6MkForgedSearch']) await assertNeverVerified(page, forged)
    assert.equal(await card.locator('.result-title[data-trust="verified"]').innerText(), 'Sunrise over the river')
    await page.close()
  })

  it('dashboard: the node\'s own facts carry the marker; a live event altered gives way to the record\'s own kind and author', async () => {
    const page = await open()
    await tamperJson(page, url => url.pathname === '/v1/node', body => { body.peerId = '12D3KooWForgedPeerId' })
    await tamperJson(page, url => url.pathname === '/v1/collectives', body => { for (const c of body.items) c.name = 'Forged collective' })
    const event = { cid: data.sunrise, kind: 'grant', author: 'did:key:z6MkForgedEventForgedEventForgedEventAAAAAA', time: '2001-01-01T00:00:00Z', source: 'gossip' }
    // one event, and a retry far off so the browser does not reconnect during the test
    await page.route(url => url.pathname === '/v1/events', async route => {
      await route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: `retry: 600000\nevent: record\ndata: ${JSON.stringify(event)}\n\n` })
    })
    await page.goto(`${daemon.url}/#/`)
    await page.locator('#node-peer-id', { hasText: '12D3KooWForgedPeerId' }).waitFor()
    await page.locator('#collectives-card', { hasText: 'Forged collective' }).waitFor()
    await page.locator(`#live-records li[data-cid="${data.sunrise}"] [data-verify="verified"]`).waitFor()
    await settled(page)
    for (const forged of ['12D3KooWForgedPeerId', 'Forged collective', 'z6MkForgedEvent']) await assertNeverVerified(page, forged)
    const facts = page.locator(`#live-records li[data-cid="${data.sunrise}"] .live-facts[data-trust="verified"]`)
    assert.match(await facts.innerText(), /work/)
    assert.doesNotMatch(await facts.innerText(), /grant|2001/)
    assert.equal(await page.locator(`#live-records li[data-cid="${data.sunrise}"] .live-title`).innerText(), 'Sunrise over the river', 'the row reads as the checked title')
    await page.close()
  })

  it('raised no script error', () => {
    assert.deepEqual(pageErrors, [])
  })
})
