/**
 * `npm run screenshots`: pictures of the page's main views into docs/screenshots/, from a real daemon with sample
 * works, in Debian's Chromium. Run after changing the page; the browser test checks behaviour, these show it.
 */
import { mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ROOT, TestDaemon, waitFor } from '../e2e/harness.ts'
import { ensureWebBuilt, launchBrowser, seed, sunrisePng } from './helpers.ts'

const OUT = join(ROOT, 'docs', 'screenshots')
/** Keep each picture small enough to sit in the repository */
const MAX_BYTES = 300 * 1024

await ensureWebBuilt()
await mkdir(OUT, { recursive: true })
const daemon = await TestDaemon.create('atelier-shots-')
const browser = await launchBrowser()
try {
  await daemon.start()
  const data = await seed(daemon)
  const content = await fetch(`${daemon.url}/v1/content`, { method: 'POST', headers: { authorization: `Bearer ${daemon.token}` }, body: new Uint8Array(sunrisePng(80)) })
  const night = await daemon.api('/v1/assets', {
    method: 'POST',
    json: { content: (await content.json() as { cid: string }).cid, title: 'Night river', mediaType: 'image/png', collective: data.collective, parents: [{ record: data.remix }, { record: data.song, relationship: 'componentOf' }], license: { preset: 'non-commercial-remix' } }
  })
  const page = await browser.context.newPage()
  await page.setViewportSize({ width: 1200, height: 820 })
  const shot = async (name: string): Promise<void> => {
    const path = join(OUT, `${name}.png`)
    await page.screenshot({ path })
    const size = (await stat(path)).size
    console.log(`${name}.png ${Math.round(size / 1024)} KiB${size > MAX_BYTES ? ' (over the 300 KiB budget)' : ''}`)
  }

  // the node measures its disk use at most every 30 s: wait for a figure that includes the sample works
  await waitFor(async () => ((await daemon.api('/v1/node')).body.storage?.bytes ?? 0) > 0 ? true : undefined, 45_000, 'storage figures')
  await page.goto(`${daemon.url}/#/`)
  await page.locator('#live-state', { hasText: 'live' }).waitFor()
  await daemon.api('/v1/attestations', { method: 'POST', json: { record: data.remix, claim: 'endorsement', comment: 'A fine remix' } })
  await page.locator('#live-records li').first().locator('[data-verify="verified"]').waitFor()
  await page.locator('#node-peer-id').waitFor()
  await shot('dashboard')

  await page.goto(`${daemon.url}/#/browse?q=river&kind=asset`)
  await page.locator('#results .result').first().waitFor()
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#results img')).every(i => (i as HTMLImageElement).complete))
  await page.waitForTimeout(300)
  await shot('browse')

  await page.goto(`${daemon.url}/#/asset/${data.remix}`)
  await page.locator('#licenses .license').first().waitFor()
  await page.locator('#asset-verify[data-verify="verified"]').waitFor()
  await shot('asset')

  await page.goto(`${daemon.url}/#/asset/${night.body.cid as string}/lineage`)
  await page.locator('#lineage-nodes [data-verify="verified"]').first().waitFor()
  await page.locator('#royalty-form button').click()
  await page.locator('#royalty-result').waitFor()
  await page.evaluate(() => { window.scrollTo(0, 0) })
  await page.waitForTimeout(300)
  await shot('lineage')

  await page.goto(`${daemon.url}/#/asset/${night.body.cid as string}/provenance`)
  await page.locator('#browser-verdict[data-verdict]').waitFor()
  await page.locator('#provenance-report, #provenance-unavailable, .error').first().waitFor()
  await shot('provenance')

  // a record altered on its way to the browser, as a node that lies would send it: the page's own check flags it
  const tampered = await browser.context.newPage()
  await tampered.setViewportSize({ width: 1200, height: 820 })
  await tampered.route(url => url.pathname === `/v1/records/${data.sunrise}` && url.searchParams.get('raw') === '1', async route => {
    const res = await route.fetch()
    await route.fulfill({ response: res, body: (await res.body()).toString('utf8').replace('Sunrise over the river', 'Sunrise over the rivet') })
  })
  await tampered.goto(`${daemon.url}/#/asset/${night.body.cid as string}/provenance`)
  await tampered.locator('#browser-verdict[data-verdict]').waitFor()
  await tampered.locator('#signature-checks').scrollIntoViewIfNeeded()
  await tampered.evaluate(() => { document.querySelector('#signature-checks')?.scrollIntoView({ block: 'center' }) })
  await tampered.screenshot({ path: join(OUT, 'tampered.png') })
  console.log(`tampered.png ${Math.round((await stat(join(OUT, 'tampered.png'))).size / 1024)} KiB`)
  await tampered.close()

  await page.goto(`${daemon.url}/#/upload?parent=${data.remix}`)
  await page.locator('#upload-form').waitFor()
  await shot('upload')
} finally {
  await browser.close()
  await daemon.destroy()
}
