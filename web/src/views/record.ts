/**
 * One record as JSON, with its in-browser signature check: #/record/<cid>, and the Record tab of an asset.
 */
import type { LicenseSubject } from '../../../src/records/index.ts'
import { getJson } from '../api.ts'
import type { ViewContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { formatTime } from '../format.ts'
import type { RecordItem } from '../types.ts'
import { assetLink, badge, didText, errorBox, loading, recordLink, verifyBadge } from '../ui.ts'
import { licenseName, licenseSentences } from '../words.ts'

/** Links a record makes to others, by kind */
function related (item: RecordItem): HTMLElement | null {
  const s = item.record.credentialSubject as unknown as Record<string, unknown>
  const links: Array<HTMLElement | string> = []
  if (typeof s.asset === 'string') links.push('for asset ', assetLink(s.asset))
  if (typeof s.license === 'string') links.push(' under license ', recordLink(s.license))
  if (item.kind !== 'asset' && typeof s.record === 'string') links.push('about record ', recordLink(s.record))
  if (typeof item.record.previous === 'string') links.push(links.length > 0 ? ' · ' : '', 'previous record of this author: ', recordLink(item.record.previous))
  return links.length > 0 ? h('p', null, ...links) : null
}

/** The record's facts, plain-word terms for a license, and its JSON */
export function recordPanel (item: RecordItem, ctx: ViewContext): HTMLElement {
  return h('section', { class: 'card' },
    h('p', null, badge(item.kind, 'info'), ' ', verifyBadge(ctx.verifier, item.cid), ' signed by ', didText(item.author), ` on ${formatTime(item.time)}`),
    related(item),
    item.kind === 'license'
      ? h('div', { class: 'license' }, h('h3', null, licenseName(item.record.credentialSubject as LicenseSubject)),
        h('ul', null, licenseSentences(item.record.credentialSubject as LicenseSubject).map(s => h('li', null, s))))
      : null,
    h('p', { class: 'small' }, h('code', { class: 'cid' }, item.cid), ' · ', h('a', { href: `/v1/records/${item.cid}?raw=1` }, 'canonical bytes'),
      ' · ', h('a', { href: `/ipfs/${item.cid}?format=raw` }, 'as an IPFS block')),
    h('pre', { class: 'json' }, JSON.stringify(item.record, null, 2)))
}

/** The record view: #/record/<cid> */
export function recordView (root: HTMLElement, ctx: ViewContext): void {
  const [cid = ''] = ctx.path
  replace(root, loading('the record'))
  void getJson<RecordItem>(`/v1/records/${encodeURIComponent(cid)}`, ctx.signal).then(item => {
    document.title = `${item.kind} record · Atelier`
    replace(root, h('h1', null, `${item.kind[0].toUpperCase()}${item.kind.slice(1)} record`), recordPanel(item, ctx))
  }).catch(err => { if (!ctx.signal.aborted) replace(root, h('h1', null, 'Record'), errorBox(err)) })
}
