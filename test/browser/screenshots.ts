/**
 * `npm run screenshots`: every view of the page (views.ts) at 1280 and 400 px wide into docs/screenshots/
 * (`<view>-<width>.png`, the viewport only, so each stays small), from a real daemon with sample works, in Debian's
 * Chromium; plus `tampered.png`, a record altered in transit. page-layout.spec.ts takes the same pictures into a
 * temp dir and checks that nothing overflows.
 */
import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ROOT, TestDaemon } from '../e2e/harness.ts'
import { ensureWebBuilt, launchBrowser } from './helpers.ts'
import { VIEWS, WIDTHS, overflowProblems, sample } from './views.ts'

const OUT = process.env.ATELIER_SCREENSHOTS ?? join(ROOT, 'docs', 'screenshots')
/** Keep each picture small enough to sit in the repository */
const MAX_BYTES = 300 * 1024

await ensureWebBuilt()
await mkdir(OUT, { recursive: true })
const daemon = await TestDaemon.create('atelier-shots-')
const browser = await launchBrowser()
try {
  await daemon.start()
  const data = await sample(daemon)
  for (const old of ['asset', 'browse', 'dashboard', 'lineage', 'provenance', 'upload']) await rm(join(OUT, `${old}.png`), { force: true })
  const report = async (path: string): Promise<void> => {
    const size = (await stat(path)).size
    console.log(`${path.slice(OUT.length + 1)} ${Math.round(size / 1024)} KiB${size > MAX_BYTES ? ' (over the 300 KiB budget)' : ''}`)
  }
  for (const size of WIDTHS) {
    const page = await browser.context.newPage()
    page.setDefaultTimeout(30_000)
    await page.setViewportSize(size)
    for (const view of VIEWS) {
      await page.goto(`${daemon.url}/${view.hash(data)}`)
      await view.ready(page, data)
      await page.evaluate(() => { window.scrollTo(0, 0) })
      const problems = await overflowProblems(page)
      if (problems.length > 0) console.log(`${view.name} at ${size.width}: ${problems.join('; ')}`)
      const path = join(OUT, `${view.name}-${size.width}.png`)
      await page.screenshot({ path })
      await report(path)
    }
    await page.close()
  }

  // a record altered on its way to the browser, as a node that lies would send it: the page's own check flags it
  const tampered = await browser.context.newPage()
  await tampered.setViewportSize(WIDTHS[0])
  await tampered.route(url => url.pathname === `/v1/records/${data.sunrise}` && url.searchParams.get('raw') === '1', async route => {
    const res = await route.fetch()
    await route.fulfill({ response: res, body: (await res.body()).toString('utf8').replace('Sunrise over the river', 'Sunrise over the rivet') })
  })
  await tampered.goto(`${daemon.url}/#/asset/${data.night}/provenance`)
  await tampered.locator('#browser-verdict[data-verdict]').waitFor()
  await tampered.evaluate(() => { document.querySelector('#signature-checks')?.scrollIntoView({ block: 'center' }) })
  await tampered.screenshot({ path: join(OUT, 'tampered.png') })
  await report(join(OUT, 'tampered.png'))
  await tampered.close()
} finally {
  await browser.close()
  await daemon.destroy()
}
