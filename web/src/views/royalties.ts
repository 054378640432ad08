/**
 * Royalty calculator: how an amount an asset earns splits among its creators and up its lineage (LAP / LRP
 * policies of the licenses), computed in this browser from records it verified (royalty-split.ts), with the
 * node's own report beside it only as a cross-check: when the two differ, the page says so.
 */
import type { RoyaltyReport } from '../../../src/lineage/royalties.ts'
import { getJson, query } from '../api.ts'
import type { ViewContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { formatBps, formatMoney, parseMoney } from '../format.ts'
import { samePayees, splitInBrowser } from '../royalty-split.ts'
import type { BrowserSplit } from '../royalty-split.ts'
import type { RoyaltyReport as NodeRoyaltyReport } from '../types.ts'
import { assetLink, badge, didText, errorBox, nodeWordMark } from '../ui.ts'

function reportTable (r: RoyaltyReport, checked: number): HTMLElement {
  return h('div', { id: 'royalty-result', 'data-trust': 'verified' },
    h('p', { class: 'small' }, badge('✓ computed in this browser', 'ok', 'Split here with the node\'s rules, from records whose CIDs and signatures this browser checked.'),
      ` from ${checked} verified ${checked === 1 ? 'record' : 'records'}. Which licenses and revocations exist is `, nodeWordMark(), '.'),
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
    r.truncated ? h('p', { class: 'muted small' }, 'The lineage is larger than this page walks for one split; the split covers the part it walked.') : null)
}

/** The outcome of a split: the table, or why there is none */
function splitView (split: BrowserSplit): HTMLElement {
  if (split.status === 'computed') return reportTable(split.report, split.checked)
  return h('div', { id: 'royalty-result', class: 'error unverified', role: 'alert', 'data-verify': 'unverified' },
    h('strong', null, `Could not verify the split: ${split.failed.length} ${split.failed.length === 1 ? 'record' : 'records'} it needs failed the check in this browser. `),
    h('ul', { class: 'plain small' }, split.failed.slice(0, 10).map(f => h('li', null, h('code', null, f.cid), `: ${f.reason}`))),
    'No split is shown.')
}

/** Compare the node's own report with the split made here; say so when they differ */
function crossCheck (mine: BrowserSplit, theirs: NodeRoyaltyReport, out: HTMLElement): void {
  if (mine.status !== 'computed') return
  const same = samePayees(mine.report, theirs)
  out.append(same
    ? h('p', { class: 'muted small', id: 'royalty-node-check', 'data-agrees': 'true' }, 'The node\'s own report gives the same split.')
    : h('p', { class: 'error small', id: 'royalty-node-check', 'data-agrees': 'false', role: 'alert' },
      'The node\'s own report gives a different split (', nodeWordMark(), '). The split above is the one computed from checked records.'))
}

/** The calculator for one asset record */
export function royaltyCalculator (asset: string, ctx: ViewContext): HTMLElement {
  const { signal } = ctx
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
    replace(out, h('p', { class: 'muted' }, 'Checking the lineage\'s records and computing…'))
    const theirs = getJson<NodeRoyaltyReport>(`/v1/assets/${asset}/royalties${query({ amount: minor, currency: cur })}`, signal)
    theirs.catch(() => {}) // only a cross-check: its failure is not the split's
    void splitInBrowser(asset, { amount: minor, currency: cur }, { verifier: ctx.verifier, getJson, signal })
      .then(async mine => {
        replace(out, splitView(mine))
        // a node that could not answer leaves no cross-check line; the split above stands on its own
        await theirs.then(t => { if (!signal.aborted) crossCheck(mine, t, out) }, () => {})
      })
      .catch(err => { if (!signal.aborted) replace(out, errorBox(err)) })
  })
  return h('section', { class: 'card', id: 'royalties' },
    h('h2', null, 'Royalty calculator'),
    h('p', { class: 'muted small' }, 'How revenue of this work is shared among its creators and up its lineage, under the licenses\' royalty policies, computed in this browser from the signed records.'),
    form, out)
}
