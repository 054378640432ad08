/**
 * Royalty calculator: how an amount an asset earns splits among its creators and up its lineage, as the node's
 * royalty report computes it (LAP / LRP policies of the licenses).
 */
import { getJson, query } from '../api.ts'
import { h, replace } from '../dom.ts'
import { formatBps, formatMoney, parseMoney } from '../format.ts'
import type { RoyaltyReport } from '../types.ts'
import { assetLink, didText, errorBox } from '../ui.ts'

function reportTable (r: RoyaltyReport): HTMLElement {
  return h('div', { id: 'royalty-result' },
    h('table', { class: 'table' },
      h('thead', null, h('tr', null, h('th', null, 'Payee'), h('th', { class: 'num' }, 'Amount'), h('th', { class: 'num' }, 'Share'))),
      h('tbody', null, r.payees.map(p => h('tr', null,
        h('td', null, didText(p.did)),
        h('td', { class: 'num' }, formatMoney(p.amount, r.currency)),
        h('td', { class: 'num' }, r.amount > 0 ? formatBps(Math.round(p.amount * 10000 / r.amount)) : '—'))))),
    r.assets.length > 1
      ? h('details', null, h('summary', null, `Through ${r.assets.length} assets`),
        h('table', { class: 'table' },
          h('thead', null, h('tr', null, h('th', null, 'Asset'), h('th', null, 'Policy'), h('th', { class: 'num' }, 'Received'), h('th', { class: 'num' }, 'Paid up'), h('th', { class: 'num' }, 'Kept'))),
          h('tbody', null, r.assets.map(a => h('tr', null,
            h('td', null, assetLink(a.cid, a.title)),
            h('td', null, a.policy != null ? `${a.policy} ${formatBps(a.rate ?? 0)}` : a.basis),
            h('td', { class: 'num' }, formatMoney(a.income, r.currency)),
            h('td', { class: 'num' }, formatMoney(a.paidUp, r.currency)),
            h('td', { class: 'num' }, formatMoney(a.kept, r.currency)))))))
      : null,
    r.truncated === true ? h('p', { class: 'muted small' }, 'The lineage is larger than the node walks for one report; the split covers the part it walked.') : null)
}

/** The calculator for one asset record */
export function royaltyCalculator (asset: string, signal: AbortSignal): HTMLElement {
  const amount = h('input', { name: 'amount', inputmode: 'decimal', props: { value: '100.00' }, 'aria-label': 'Amount', size: 10 })
  const currency = h('input', { name: 'currency', props: { value: 'EUR' }, 'aria-label': 'Currency', size: 6, maxlength: 12 })
  const out = h('div', { class: 'royalty-out' })
  const form = h('form', { class: 'inline', id: 'royalty-form' },
    h('label', null, 'If this work earns ', amount), h('label', null, currency), h('button', { type: 'submit' }, 'Split'))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const cur = currency.value.trim().toUpperCase()
    const minor = parseMoney(amount.value, cur)
    if (minor == null) {
      replace(out, errorBox(new Error(`"${amount.value}" is not an amount of ${cur}`)))
      return
    }
    replace(out, h('p', { class: 'muted' }, 'Computing…'))
    void getJson<RoyaltyReport>(`/v1/assets/${asset}/royalties${query({ amount: minor, currency: cur })}`, signal)
      .then(r => replace(out, reportTable(r)))
      .catch(err => { if (!signal.aborted) replace(out, errorBox(err)) })
  })
  return h('section', { class: 'card', id: 'royalties' },
    h('h2', null, 'Royalty calculator'),
    h('p', { class: 'muted small' }, 'How revenue of this work is shared among its creators and up its lineage, under the licenses\' royalty policies.'),
    form, out)
}
