/**
 * The node's web page: a dashboard, search, asset pages with lineage graph, royalties and provenance, and an
 * upload form, over this node's HTTP API. Routes live in the URL fragment (#/asset/<cid>), so the gateway serves
 * one document and every view has an address. Record signatures are checked here, in the browser (verify.ts).
 */
import { getBytes } from './api.ts'
import type { View, ViewContext } from './context.ts'
import { byId, h, replace } from './dom.ts'
import { trustLegend } from './ui.ts'
import { createVerifier } from './verify.ts'
import { useVerifier } from './names.ts'
import { assetView } from './views/asset.ts'
import { browseView } from './views/browse.ts'
import { dashboardView } from './views/dashboard.ts'
import { forYouView } from './views/for-you.ts'
import { recordView } from './views/record.ts'
import { uploadView } from './views/upload.ts'

const VIEWS: Record<string, View> = {
  '': dashboardView,
  browse: browseView,
  'for-you': forYouView,
  asset: assetView,
  record: recordView,
  upload: uploadView
}

/** The nav entry a view belongs to */
const NAV_OF: Record<string, string> = { '': '', browse: 'browse', 'for-you': 'for-you', asset: 'browse', record: 'browse', upload: 'upload' }

const verifier = createVerifier(async (cid) => await getBytes(`/v1/records/${encodeURIComponent(cid)}?raw=1`))
useVerifier(verifier)

let leave: (() => void) | undefined

/** `#/asset/<cid>/lineage?depth=3` → view 'asset', path ['<cid>', 'lineage'], params depth=3 */
function parseHash (hash: string): { view: string, path: string[], params: URLSearchParams } {
  const raw = hash.replace(/^#\/?/, '')
  const q = raw.indexOf('?')
  const pathPart = q >= 0 ? raw.slice(0, q) : raw
  const params = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '')
  const [view = '', ...path] = pathPart.split('/').filter(s => s !== '').map(decodeURIComponent)
  return { view, path, params }
}

function route (): void {
  leave?.()
  leave = undefined
  const main = byId(document, 'view')
  const { view, path, params } = parseHash(location.hash)
  const render = VIEWS[view]
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav.top a[data-nav]')) {
    a.classList.toggle('active', a.dataset.nav === NAV_OF[view])
  }
  document.title = 'Atelier'
  if (render == null) {
    replace(main, h('h1', null, 'Not found'), h('p', null, 'This page has no view at ', h('code', null, location.hash), '. ', h('a', { href: '#/' }, 'Back to the dashboard')))
    return
  }
  const controller = new AbortController()
  const ctx: ViewContext = { path, params, verifier, signal: controller.signal }
  let cleanup: void | (() => void)
  try {
    cleanup = render(main, ctx)
  } catch (err) {
    replace(main, h('div', { class: 'error', role: 'alert' }, `This view failed: ${(err as Error).message}`))
  }
  leave = () => {
    controller.abort()
    if (typeof cleanup === 'function') cleanup()
  }
  main.focus({ preventScroll: true })
  window.scrollTo(0, 0)
}

document.querySelector('header.top')?.append(trustLegend())
window.addEventListener('hashchange', route)
route()
