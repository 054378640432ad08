/**
 * The page's last places that spoke in keys or hid its words (issue 16, D2 leftovers), in Debian's Chromium against
 * a real daemon: the lineage graph draws no edge label over a work, another work's title or another edge label, at
 * both widths; a license's revenue split names its payees; the provenance report's findings name people, with the
 * did on hover and one click away, and write times as the page's dates; the royalty calculator's payees by name.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { TestDaemon } from '../e2e/harness.ts'
import { ensureWebBuilt, launchBrowser } from './helpers.ts'
import type { Browser } from './helpers.ts'
import { VIEWS, WIDTHS, openView, sample } from './views.ts'
import type { Sample } from './views.ts'

const STEP_MS = 30_000
/** A did with no profile anywhere: it stays a (short) did */
const STRANGER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'

interface Box { x1: number, y1: number, x2: number, y2: number, what: string }

/** Every box the graph draws, in graph units: each work's picture, each work's title, each edge's label */
async function graphBoxes (page: Page): Promise<{ pictures: Box[], titles: Box[], edgeLabels: Box[] }> {
  return await page.evaluate(() => {
    const cy = (document.querySelector('#lineage-graph') as any).cy
    const box = (b: { x1: number, y1: number, x2: number, y2: number }, what: string): Box => ({ x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2, what })
    const plain = { includeOverlays: false, includeUnderlays: false }
    const pictures: Box[] = []
    const titles: Box[] = []
    const edgeLabels: Box[] = []
    cy.nodes().forEach((n: any) => {
      pictures.push(box(n.boundingBox({ ...plain, includeLabels: false }), `picture of ${n.data('label') as string}`))
      const all = n.boundingBox({ ...plain, includeLabels: true })
      const body = n.boundingBox({ ...plain, includeLabels: false })
      // the title sits under the picture: what the labelled box adds below it
      titles.push(box({ x1: all.x1, y1: body.y2, x2: all.x2, y2: all.y2 }, `title ${n.data('label') as string}`))
    })
    cy.edges().forEach((e: any) => {
      const rs = e._private.rscratch
      const w = rs.labelWidth as number
      const h = rs.labelHeight as number
      const mid = e.midpoint()
      edgeLabels.push(box({ x1: mid.x - w / 2, y1: mid.y - h / 2, x2: mid.x + w / 2, y2: mid.y + h / 2 }, `edge label "${e.data('label') as string}" of ${e.id() as string}`))
    })
    return { pictures, titles, edgeLabels }
  })
}

const overlaps = (a: Box, b: Box): boolean => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2

describe('web page: names in licenses and findings, edge labels in the clear', { timeout: 300_000 }, () => {
  let daemon: TestDaemon
  let browser: Browser
  let data: Sample
  let did: string
  let splitLicense: string
  const pageErrors: string[] = []

  const open = async (hash: string, width = 1280): Promise<Page> => await openView(browser, daemon.url, hash, pageErrors, width, STEP_MS)

  before(async () => {
    await ensureWebBuilt()
    daemon = await TestDaemon.create('atelier-web-people-')
    await daemon.start()
    data = await sample(daemon)
    did = (await daemon.api('/v1/node')).body.did
    const made = await daemon.api('/v1/licenses', {
      method: 'POST',
      json: { asset: data.remix, preset: 'commercial-remix', splits: [{ id: did, share: 7000 }, { id: STRANGER, share: 3000 }] }
    })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    splitLicense = made.body.cid
    browser = await launchBrowser()
  })

  after(async () => {
    await browser?.close()
    await daemon?.destroy()
  })

  for (const size of WIDTHS) {
    it(`lineage graph at ${size.width} px: no edge label over a picture, a title or another edge label`, async () => {
      const view = VIEWS.find(v => v.name === 'lineage')!
      const page = await open(view.hash(data), size.width)
      await view.ready(page, data)
      const { pictures, titles, edgeLabels } = await graphBoxes(page)
      assert.equal(edgeLabels.length, 4, 'the sample draws four links')
      const problems: string[] = []
      for (const [i, label] of edgeLabels.entries()) {
        for (const other of [...pictures, ...titles, ...edgeLabels.slice(i + 1)]) {
          if (overlaps(label, other)) problems.push(`${label.what} covers ${other.what}`)
        }
      }
      assert.deepEqual(problems, [])
      await page.close()
    })
  }

  it('a license\'s revenue split names its payees; a did without a profile stays a did', async () => {
    const page = await open(`#/asset/${data.remix}`)
    const license = page.locator(`#licenses .license[data-cid="${splitLicense}"]`)
    const split = license.locator('li.split')
    await split.locator('.did.named', { hasText: 'Ada Lindqvist' }).waitFor()
    assert.equal(await split.locator('.did.named').getAttribute('data-did'), did)
    assert.equal(await split.locator(`.did[data-did="${STRANGER}"]`).count(), 1)
    assert.match(await split.innerText(), /^Revenue goes to Ada Lindqvist \(70 ?%\), did:key:z6Mk.+ \(30 ?%\)\.$/)
    assert.ok(!(await split.innerText()).includes(did.slice(8, 24)), 'the named payee shows no key')
    await page.close()
  })

  it('the royalty calculator names its payees, the did on hover', async () => {
    const page = await open(`#/asset/${data.night}/lineage`)
    await page.fill('#royalty-form input[name="amount"]', '100.00')
    await page.click('#royalty-form button[type="submit"]')
    const payee = page.locator('#royalty-result[data-trust="verified"] tbody tr .did.named', { hasText: 'Ada Lindqvist' }).first()
    await payee.waitFor()
    assert.equal(await payee.getAttribute('data-did'), did)
    const text = await page.locator('#royalty-result').innerText()
    assert.ok(!text.includes(did.slice(8, 24)), 'the named payee shows no key')
    // the payee of the license's split who has no profile stays a (short) did
    assert.equal(await page.locator(`#royalty-result tbody .did[data-did="${STRANGER}"]`).count(), 1)
    await page.close()
  })

  it('the provenance report\'s findings name people; the did on hover and one click away', async () => {
    const page = await open(`#/asset/${data.night}/provenance`)
    const revoked = page.locator('#provenance-report li.finding[data-code="record.revoked"]')
    const name = revoked.locator('.did.named', { hasText: 'Ada Lindqvist' })
    await name.waitFor()
    assert.match(await revoked.innerText(), /Ada Lindqvist revoked/)
    // its time as the page writes dates, not as RFC 3339
    assert.match(await revoked.innerText(), /from \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2}:/)
    assert.doesNotMatch(await revoked.innerText(), /\d{4}-\d{2}-\d{2}T/)
    await page.locator('#provenance-report details.passed summary').click()
    const signed = page.locator('#provenance-report li.finding[data-code="signature.valid"]').first()
    await signed.locator('.did.named', { hasText: 'Ada Lindqvist' }).waitFor()
    assert.doesNotMatch(await page.locator('#provenance-report').innerText(), /did:key:/)
    assert.match(await name.getAttribute('title') ?? '', new RegExp(did))
    await name.click()
    assert.equal(await revoked.locator(`.did[data-did="${did}"]`).textContent(), did)
    await page.close()
  })

  it('raised no script error', () => {
    assert.deepEqual(pageErrors, [])
  })
})
