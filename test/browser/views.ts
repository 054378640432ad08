/**
 * Every view of the page, with sample works that exercise it (a lineage with a work whose provenance fails, a
 * license, a profile name), how to tell each view has finished drawing, and the layout check the browser tests
 * run on each: no text overflows its box and nothing reaches past the viewport. Shared by page-layout.spec.ts
 * and `npm run screenshots`.
 */
import type { Page } from 'playwright-core'
import type { TestDaemon } from '../e2e/harness.ts'
import { seed, sunrisePng } from './helpers.ts'
import type { Browser, Seeded } from './helpers.ts'

/** The two widths every view is checked and pictured at: a laptop and a small phone */
export const WIDTHS = [{ width: 1280, height: 860 }, { width: 400, height: 820 }] as const

/** A new tab of `browser` at `width` px on `baseUrl`'s page at `hash`, its script errors pushed to `errors` */
export async function openView (browser: Browser, baseUrl: string, hash: string, errors: string[], width = 1280, stepMs = 30_000): Promise<Page> {
  const page = await browser.context.newPage()
  page.setDefaultTimeout(stepMs)
  page.on('pageerror', err => { errors.push(err.message) })
  await page.setViewportSize(WIDTHS.find(w => w.width === width) ?? WIDTHS[0])
  await page.goto(`${baseUrl}/${hash}`)
  return page
}

export interface Sample extends Seeded {
  /** a derivative whose provenance fails: its author revoked it */
  night: string
  license: string
}

/** The seeded works, a profile name for the node, and a derivative whose provenance report fails */
export async function sample (d: TestDaemon): Promise<Sample> {
  const data = await seed(d)
  const profile = await d.api('/v1/profiles', { method: 'POST', json: { name: 'Ada Lindqvist', bio: 'Printmaker by the river', collective: data.collective } })
  if (profile.status !== 201) throw new Error(`profile failed: ${profile.status} ${JSON.stringify(profile.body)}`)
  const up = await fetch(`${d.url}/v1/content`, { method: 'POST', headers: { authorization: `Bearer ${d.token}` }, body: new Uint8Array(sunrisePng(80)) })
  const night = await d.api('/v1/assets', {
    method: 'POST',
    json: {
      content: (await up.json() as { cid: string }).cid, title: 'Night river', mediaType: 'image/png', collective: data.collective,
      parents: [{ record: data.remix }, { record: data.song, relationship: 'componentOf' }, { record: data.sunrise, relationship: 'inputTo' }],
      license: { preset: 'non-commercial-remix' }
    }
  })
  if (night.status !== 201) throw new Error(`asset failed: ${night.status} ${JSON.stringify(night.body)}`)
  // its author withdraws it: a revocation by the record's own author makes its provenance fail (record.revoked)
  const revoked = await d.api('/v1/revocations', { method: 'POST', json: { record: night.body.cid, reason: 'Printed from the wrong plate' } })
  if (revoked.status !== 201) throw new Error(`revocation failed: ${revoked.status} ${JSON.stringify(revoked.body)}`)
  const licenses = await d.api(`/v1/assets/${data.sunrise}/licenses`)
  return { ...data, night: night.body.cid, license: licenses.body.items[0].cid }
}

export interface ViewCase {
  name: string
  hash: (s: Sample) => string
  /** resolves once the view has drawn what it shows */
  ready: (page: Page, s: Sample) => Promise<void>
}

const verified = async (page: Page, selector: string): Promise<void> => { await page.locator(`${selector}[data-verify="verified"]`).first().waitFor() }

export const VIEWS: ViewCase[] = [
  {
    name: 'dashboard',
    hash: () => '#/',
    ready: async (page) => {
      await page.locator('#node-peer-id').waitFor()
      await page.locator('#collectives-card .members .did.named').first().waitFor()
      await page.locator('#live-state', { hasText: 'live' }).waitFor()
    }
  },
  {
    name: 'browse',
    hash: () => '#/browse?q=river&kind=asset',
    ready: async (page) => {
      await page.locator('#results .result [data-verify="verified"]').first().waitFor()
      await page.waitForFunction(() => Array.from(document.querySelectorAll('#results img')).every(i => (i as HTMLImageElement).complete))
    }
  },
  {
    name: 'asset',
    hash: (s) => `#/asset/${s.remix}`,
    ready: async (page) => {
      await verified(page, '#asset-verify')
      await page.locator('#licenses .license h3').first().waitFor()
      await page.locator('#asset-collective .node-word').waitFor()
    }
  },
  {
    name: 'lineage',
    hash: (s) => `#/asset/${s.night}/lineage`,
    ready: async (page, s) => {
      await page.locator('#lineage-nodes [data-verify="verified"]').first().waitFor()
      await page.waitForFunction((cid) => ['failed', 'warnings', 'healthy', 'tampered'].includes((document.querySelector('#lineage-graph') as any)?.cy?.getElementById(cid).data('state')), s.night)
      await page.waitForTimeout(400) // thumbnails drawn on the canvas
    }
  },
  {
    name: 'provenance',
    hash: (s) => `#/asset/${s.night}/provenance`,
    ready: async (page) => {
      await page.locator('#browser-verdict[data-verdict]').waitFor()
      await page.locator('#provenance-verdict').waitFor()
    }
  },
  {
    name: 'asset-record',
    hash: (s) => `#/asset/${s.remix}/record`,
    ready: async (page) => { await verified(page, '#asset-verify') }
  },
  {
    name: 'record',
    hash: (s) => `#/record/${s.license}`,
    ready: async (page) => { await page.locator('[data-verify="verified"]').first().waitFor() }
  },
  {
    name: 'upload',
    hash: (s) => `#/upload?parent=${s.remix}`,
    ready: async (page) => {
      await page.locator('#parents .parent-title a', { hasText: 'Sunrise remix' }).waitFor()
      await page.waitForFunction(() => (document.querySelector('#collective') as HTMLSelectElement | null)?.value !== '')
    }
  },
  {
    name: 'not-found',
    hash: () => '#/nowhere',
    ready: async (page) => { await page.locator('h1', { hasText: 'Not found' }).waitFor() }
  }
]

/**
 * What overflows in the page as drawn: every element with its own text whose text is wider than its box (unless
 * it scrolls or ends in an ellipsis on purpose), and every element reaching past the viewport sideways (unless a
 * scroll container holds it). The graph's canvas is left out: it pans. Returns one line per problem.
 */
export async function overflowProblems (page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const vw = document.documentElement.clientWidth
    const out: string[] = []
    const name = (el: Element): string => {
      const id = el.id !== '' ? `#${el.id}` : ''
      const cls = typeof el.className === 'string' && el.className !== '' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''
      return `${el.tagName.toLowerCase()}${id}${cls} "${(el.textContent ?? '').trim().slice(0, 40)}"`
    }
    if (document.documentElement.scrollWidth > vw + 1) out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`)
    const scrolls = (el: Element): boolean => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      if (el.closest('#lineage-graph') != null || el.closest('option, datalist, script, style') != null) continue
      // the hidden part of a closed <details> is not laid out (content-visibility), so its boxes mean nothing
      if (el.closest('details:not([open]) > :not(summary)') != null) continue
      const cs = getComputedStyle(el)
      const r = el.getBoundingClientRect()
      if (cs.visibility === 'hidden' || (r.width === 0 && r.height === 0)) continue
      let held = false
      for (let p = el.parentElement; p != null && p !== document.body; p = p.parentElement) if (scrolls(p)) { held = true; break }
      if (!held && (r.right > vw + 1 || r.left < -1)) out.push(`${name(el)} reaches past the viewport (${Math.round(r.left)}–${Math.round(r.right)} of ${vw})`)
      const ownText = Array.from(el.childNodes).some(n => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '')
      if (!ownText || cs.display === 'inline' || scrolls(el) || cs.textOverflow === 'ellipsis') continue
      if (el.scrollWidth > el.clientWidth + 1) out.push(`${name(el)} text overflows its box (${el.scrollWidth} > ${el.clientWidth})`)
    }
    return out
  })
}
