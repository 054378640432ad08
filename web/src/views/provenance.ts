/**
 * The provenance report of an asset: the node's own verification report (signatures, content binding, parents,
 * license compatibility, AI-training consent, conflicting claims) with a badge per finding, and beside it the
 * page's own check of every record in the lineage, done in this browser.
 */
import { ApiError, getJson, query } from '../api.ts'
import type { ViewContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { formatTime } from '../format.ts'
import type { Finding, LineageGraph, Page, ProvenanceReport, RecordItem, Severity } from '../types.ts'
import { assetLink, badge, errorBox, loading, recordLink, verifyBadge } from '../ui.ts'
import type { VerifyResult } from '../verify.ts'

const SEVERITY_TONE: Record<Severity, 'bad' | 'warn' | 'info'> = { error: 'bad', warning: 'warn', info: 'info' }
const VERDICT: Record<ProvenanceReport['verdict'], { tone: 'ok' | 'warn' | 'bad', text: string }> = {
  verified: { tone: 'ok', text: 'Verified' },
  warnings: { tone: 'warn', text: 'Verified with warnings' },
  failed: { tone: 'bad', text: 'Failed' }
}
/** How far up the page checks the lineage itself */
const ANCESTOR_DEPTH = 100
const ANCESTOR_LIMIT = 2000

function reportView (r: ProvenanceReport): HTMLElement {
  const v = VERDICT[r.verdict] ?? { tone: 'muted', text: r.verdict }
  const verdict = badge(v.text, v.tone as 'ok')
  verdict.id = 'provenance-verdict'
  verdict.dataset.verdict = r.verdict
  const counts = r.counts ?? {
    errors: r.findings.filter(f => f.severity === 'error').length,
    warnings: r.findings.filter(f => f.severity === 'warning').length,
    infos: r.findings.filter(f => f.severity === 'info').length
  }
  const rank: Record<string, number> = { error: 0, warning: 1, info: 2 }
  const problems = r.findings.filter(f => f.severity !== 'info').sort((a, b) => (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3))
  const notes = r.findings.filter(f => f.severity === 'info')
  return h('div', { id: 'provenance-report' },
    h('p', { class: 'verdict' }, verdict, ' ',
      h('span', { class: 'muted small' }, `${counts.errors} errors · ${counts.warnings} warnings · ${counts.infos} notes`,
        r.records != null ? ` · ${r.records.length} records checked` : '', r.checkedAt != null ? ` · ${formatTime(r.checkedAt)}` : '')),
    r.findings.length === 0
      ? h('p', { class: 'muted' }, 'No findings.')
      : [
          problems.length > 0
            ? findingList(problems)
            : h('p', { class: 'muted' }, 'No problems found.'),
          notes.length > 0
            ? h('details', { class: 'passed', open: problems.length === 0 && notes.length <= 6 },
              h('summary', null, `${notes.length} ${notes.length === 1 ? 'note' : 'notes'}: checks passed and remarks`), findingList(notes))
            : null
        ])
}

/** Findings, one badge each: errors first, then warnings, then notes */
function findingList (findings: Finding[]): HTMLElement {
  return h('ul', { class: 'findings' }, findings.map(f => h('li', { class: `finding finding-${f.severity}`, 'data-code': f.code, 'data-severity': f.severity },
    badge(f.severity, SEVERITY_TONE[f.severity] ?? 'info'), ' ',
    h('code', null, f.code), ' ',
    h('span', null, f.message),
    f.record != null ? h('span', { class: 'small' }, ' — ', recordLink(f.record)) : null)))
}

interface CheckedRecord { cid: string, what: string, link: HTMLElement }

function browserChecks (records: CheckedRecord[], ctx: ViewContext): HTMLElement {
  const summary = badge(`checking ${records.length} records…`, 'muted')
  summary.id = 'browser-verdict'
  const results: VerifyResult[] = []
  const done = (r: VerifyResult): void => {
    results.push(r)
    if (results.length < records.length) return
    const bad = results.filter(x => x.status === 'tampered').length
    const unchecked = results.filter(x => x.status === 'unavailable').length
    summary.dataset.verdict = bad > 0 ? 'tampered' : unchecked > 0 ? 'incomplete' : 'verified'
    summary.className = `badge badge-${bad > 0 ? 'bad' : unchecked > 0 ? 'warn' : 'ok'}`
    summary.textContent = bad > 0
      ? `✗ ${bad} of ${records.length} records fail the check: tampered or invalid`
      : unchecked > 0 ? `${unchecked} of ${records.length} records could not be fetched` : `✓ all ${records.length} records verified in this browser`
  }
  return h('section', { class: 'card', id: 'signature-checks' },
    h('h2', null, 'Signatures checked in this browser'),
    h('p', { class: 'muted small' }, 'The page fetched each record\'s bytes and checked its eddsa-jcs-2022 proof and its CID itself (@noble/curves), so it does not have to trust this node.'),
    h('p', null, summary),
    h('table', { class: 'table' },
      h('thead', null, h('tr', null, h('th', null, 'Record'), h('th', null, 'CID'), h('th', null, 'Check'))),
      h('tbody', null, records.map(r => h('tr', { 'data-cid': r.cid }, h('td', null, r.link, ' ', h('span', { class: 'muted small' }, r.what)), h('td', null, recordLink(r.cid)),
        h('td', null, verifyBadge(ctx.verifier, r.cid, done)))))))
}

/** The provenance tab of an asset */
export function provenancePanel (asset: string, ctx: ViewContext): HTMLElement {
  const server = h('div', null, loading('the provenance report'))
  const mine = h('div', null, loading('the lineage records'))
  void getJson<ProvenanceReport>(`/v1/assets/${asset}/provenance`, ctx.signal)
    .then(r => replace(server, reportView(r)))
    .catch(err => {
      if (ctx.signal.aborted) return
      if (err instanceof ApiError && err.status === 404 && /no route/i.test(err.message)) {
        replace(server, h('p', { class: 'muted', id: 'provenance-unavailable' }, 'This node does not serve provenance reports (its version has no /v1/assets/…/provenance). The signature checks below are done by this page alone.'))
      } else {
        replace(server, errorBox(err, 'The provenance report failed:'))
      }
    })
  void Promise.all([
    getJson<LineageGraph>(`/v1/assets/${asset}/lineage${query({ direction: 'ancestors', depth: ANCESTOR_DEPTH, limit: ANCESTOR_LIMIT })}`, ctx.signal),
    getJson<Page<RecordItem>>(`/v1/assets/${asset}/licenses`, ctx.signal)
  ]).then(([graph, licenses]) => {
    const records: CheckedRecord[] = graph.nodes.filter(n => n.present !== false).map(n => ({
      cid: n.cid, what: n.cid === asset ? 'this asset' : `ancestor, ${n.depth} up`, link: assetLink(n.cid, n.title)
    }))
    for (const l of licenses.items) records.push({ cid: l.cid, what: 'license of this asset', link: h('a', { href: `#/record/${l.cid}` }, 'License') })
    replace(mine, browserChecks(records, ctx))
  }).catch(err => { if (!ctx.signal.aborted) replace(mine, errorBox(err)) })
  return h('div', null,
    h('section', { class: 'card' }, h('h2', null, 'Provenance report'),
      h('p', { class: 'muted small' }, 'The node checked this asset and its ancestors: signatures, content, parents, licenses of each derivation, AI-training consent, conflicting claims.'),
      server),
    mine)
}
