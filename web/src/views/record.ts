/**
 * One record as JSON, with its in-browser signature check: #/record/<cid>, and the Record tab of an asset. Both
 * draw from the bytes the page verified (GET /v1/records/<cid>?raw=1, hashed to the CID, signature checked), never
 * from the node's JSON answer.
 */
import type { LicenseSubject, ValidRecord } from '../../../src/records/index.ts'
import type { ViewContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { formatTime } from '../format.ts'
import { assetLink, badge, didText, errorBox, loading, recordLink, unverifiedState, verifyBadge } from '../ui.ts'
import { licenseName, licenseSentences } from '../words.ts'

/** Links a record makes to others, by kind */
function related (item: ValidRecord): HTMLElement | null {
  const s = item.credential.credentialSubject as unknown as Record<string, unknown>
  const links: Array<HTMLElement | string> = []
  if (typeof s.asset === 'string') links.push('for asset ', assetLink(s.asset))
  if (typeof s.license === 'string') links.push(' under license ', recordLink(s.license))
  if (item.kind !== 'asset' && typeof s.record === 'string') links.push('about record ', recordLink(s.record))
  if (item.previous != null) links.push(links.length > 0 ? ' · ' : '', 'previous record of this author: ', recordLink(item.previous))
  return links.length > 0 ? h('p', null, ...links) : null
}

/** The record's facts, plain-word terms for a license, and its JSON, all from the verified record */
export function recordPanel (item: ValidRecord, ctx: ViewContext): HTMLElement {
  return h('section', { class: 'card', id: 'record-panel', 'data-trust': 'verified' },
    h('p', null, badge(item.kind, 'info'), ' ', verifyBadge(ctx.verifier, item.cid), ' signed by ', didText(item.author), ` on ${formatTime(item.time)}`),
    related(item),
    item.kind === 'license'
      ? h('div', { class: 'license' }, h('h3', null, licenseName(item.credential.credentialSubject as LicenseSubject)),
        h('ul', null, licenseSentences(item.credential.credentialSubject as LicenseSubject).map(s => h('li', null, s))))
      : null,
    h('p', { class: 'small' }, h('code', { class: 'cid' }, item.cid), ' · ', h('a', { href: `/v1/records/${item.cid}?raw=1` }, 'canonical bytes'),
      ' · ', h('a', { href: `/ipfs/${item.cid}?format=raw` }, 'as an IPFS block')),
    h('pre', { class: 'json' }, JSON.stringify(item.credential, null, 2)))
}

/** The record view: #/record/<cid> */
export function recordView (root: HTMLElement, ctx: ViewContext): void {
  const [cid = ''] = ctx.path
  replace(root, loading('the record'))
  void ctx.verifier.verify(cid).then(r => {
    if (ctx.signal.aborted) return
    if (r.status !== 'verified') { replace(root, h('h1', null, 'Record'), unverifiedState(r, 'this record')); return }
    document.title = `${r.kind} record · Atelier`
    replace(root, h('h1', null, `${r.kind[0].toUpperCase()}${r.kind.slice(1)} record`), recordPanel(r.record, ctx))
  }).catch(err => { if (!ctx.signal.aborted) replace(root, h('h1', null, 'Record'), errorBox(err)) })
}
