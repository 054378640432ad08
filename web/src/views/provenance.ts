/**
 * The provenance report of an asset: the node's own verification report (signatures, content binding, parents,
 * license compatibility, AI-training consent, conflicting claims) with a badge per finding, shown as the node's
 * word (this page does not re-run those checks), and beside it the page's own check of every record in the
 * lineage, done in this browser, with titles read from the records it checked.
 */
import { ApiError, getJson, query } from '../api.ts'
import type { ViewContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { formatTime, plural } from '../format.ts'
import type { Finding, LineageGraph, Page, ProvenanceReport, RecordItem, Severity } from '../types.ts'
import { assetLink, badge, errorBox, loading, nodeWord, nodeWordMark, recordLink, verifyBadge, withPeople } from '../ui.ts'
import type { VerifyResult } from '../verify.ts'

const SEVERITY_TONE: Record<Severity, 'bad' | 'warn' | 'info'> = { error: 'bad', warning: 'warn', info: 'info' }
/** Severities in words, and what each means (on hover) */
const SEVERITY_WORDS: Record<Severity, string> = { error: 'problem', warning: 'warning', info: 'note' }
const SEVERITY_MEANS: Record<Severity, string> = {
  error: 'A check the node ran failed (severity: error).',
  warning: 'Something to look at; the node does not count it as a failure (severity: warning).',
  info: 'A check the node ran that passed, or a remark (severity: info).'
}
/** The node's verdict in words, naming what was checked and how many problems; never a check mark, since this page did not make those checks */
function verdictWords (verdict: string, errors: number, warnings: number): { tone: 'ok' | 'warn' | 'bad' | 'muted', text: string, means: string } {
  switch (verdict) {
    case 'verified': return { tone: 'ok', text: 'Provenance: no problems found', means: 'The node checked this work and its ancestors (signatures, content, parents, licenses, AI-training consent) and found no error and no warning.' }
    case 'warnings': return { tone: 'warn', text: `Provenance: ${plural(warnings, 'warning')}`, means: 'The node found no error, but warnings worth a look (listed below).' }
    case 'failed': return { tone: 'bad', text: `Provenance: failed — ${plural(errors, 'problem')}`, means: 'At least one of the node\'s checks failed (listed below).' }
    default: return { tone: 'muted', text: `Provenance: ${verdict}`, means: 'A verdict this page does not know.' }
  }
}
/** How far up the page checks the lineage itself */
const ANCESTOR_DEPTH = 100
const ANCESTOR_LIMIT = 2000

function reportView (r: ProvenanceReport): HTMLElement {
  const counts = r.counts ?? {
    errors: r.findings.filter(f => f.severity === 'error').length,
    warnings: r.findings.filter(f => f.severity === 'warning').length,
    infos: r.findings.filter(f => f.severity === 'info').length
  }
  const v = verdictWords(String(r.verdict), counts.errors, counts.warnings)
  const verdict = badge(v.text, v.tone, `${v.means} This is the node's own report: this browser did not re-run these checks.`)
  verdict.id = 'provenance-verdict'
  verdict.dataset.verdict = r.verdict
  const rank: Record<string, number> = { error: 0, warning: 1, info: 2 }
  const problems = r.findings.filter(f => f.severity !== 'info').sort((a, b) => (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3))
  const notes = r.findings.filter(f => f.severity === 'info')
  return h('div', { id: 'provenance-report', 'data-trust': 'node' },
    h('p', { class: 'verdict' }, verdict, ' ', nodeWordMark(), ' ',
      h('span', { class: 'muted small' }, `${plural(counts.errors, 'problem')} · ${plural(counts.warnings, 'warning')} · ${plural(counts.infos, 'note')}`,
        r.records != null ? ` · ${plural(r.records.length, 'record')} checked` : '', r.checkedAt != null ? ` · ${formatTime(r.checkedAt)}` : '')),
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

/** An RFC 3339 time inside a sentence, as the node writes them in findings */
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b/g

/** A finding's message for people: its dids as names (did on hover), its times as the page's dates */
function findingMessage (message: string): ReturnType<typeof withPeople> {
  return withPeople(message.replace(ISO_TIME, t => formatTime(t)))
}

/** Findings, one badge each: errors first, then warnings, then notes */
function findingList (findings: Finding[]): HTMLElement {
  return h('ul', { class: 'findings' }, findings.map(f => h('li', { class: `finding finding-${f.severity}`, 'data-code': f.code, 'data-severity': f.severity },
    badge(SEVERITY_WORDS[f.severity] ?? f.severity, SEVERITY_TONE[f.severity] ?? 'info', `${SEVERITY_MEANS[f.severity] ?? ''} Check: ${f.code}`), ' ',
    h('span', { class: 'finding-message', title: f.code }, ...findingMessage(f.message)),
    f.record != null ? h('span', { class: 'small' }, ' — ', recordLink(f.record)) : null)))
}

interface CheckedRecord {
  cid: string
  what: string
  /** 'asset': a record of the lineage; 'license': listed by the node as a license of the asset */
  role: 'asset' | 'license'
  /** the title the node gave, shown as its word until the record is checked */
  title?: string
}

/** A verified record that is not what the node listed it as counts as a failed check */
function asListed (r: VerifyResult, c: CheckedRecord, asset: string): VerifyResult {
  if (r.status !== 'verified') return r
  const subject = r.record.credential.credentialSubject as { asset?: string }
  if (c.role === 'asset' && r.kind !== 'asset') return { status: 'tampered', cid: r.cid, code: 'ERR_NOT_AN_ASSET', reason: `the node listed a ${r.kind} record as an asset of the lineage` }
  if (c.role === 'license' && (r.kind !== 'license' || subject.asset !== asset)) return { status: 'tampered', cid: r.cid, code: 'ERR_NOT_THIS_ASSET', reason: `the node listed a ${r.kind} record that is not a license of this asset` }
  return r
}

/** The first cell of a row: the node's title until the check, then what the record's own bytes say */
function rowLabel (c: CheckedRecord): { el: HTMLElement, update: (r: VerifyResult) => void } {
  const text = (title: string | undefined): HTMLElement => c.role === 'asset' ? assetLink(c.cid, title) : h('a', { href: `#/record/${c.cid}` }, 'License')
  const el = h('span', { class: 'node-label' }, c.role === 'asset' ? nodeWord(text(c.title)) : text(undefined))
  return {
    el,
    update: (r) => {
      if (r.status !== 'verified' || c.role !== 'asset') return
      el.dataset.trust = 'verified'
      replace(el, text((r.record.credential.credentialSubject as { title?: string }).title))
    }
  }
}

function browserChecks (asset: string, records: CheckedRecord[], ctx: ViewContext): HTMLElement {
  const summary = badge(`checking ${plural(records.length, 'record')}…`, 'muted')
  summary.id = 'browser-verdict'
  const results: VerifyResult[] = []
  const done = (r: VerifyResult): void => {
    results.push(r)
    if (results.length < records.length) return
    const bad = results.filter(x => x.status === 'tampered').length
    const unchecked = results.filter(x => x.status === 'unavailable').length
    summary.dataset.verdict = bad > 0 ? 'tampered' : unchecked > 0 ? 'incomplete' : 'verified'
    summary.className = `badge badge-${bad > 0 ? 'bad' : unchecked > 0 ? 'warn' : 'ok'}`
    summary.title = 'This browser\'s own check: each record\'s bytes hash to its id and carry its author\'s valid signature.'
    summary.textContent = bad > 0
      ? `✗ Signatures: ${bad} of ${plural(records.length, 'record')} fail the check (altered or invalid)`
      : unchecked > 0 ? `Signatures: ${unchecked} of ${plural(records.length, 'record')} could not be fetched` : `✓ Signatures: all ${plural(records.length, 'record')} checked in this browser`
  }
  const row = (c: CheckedRecord): HTMLElement => {
    const label = rowLabel(c)
    // the badge shows the record's own check; a record that is not what the node listed it as fails here
    const cell = h('td', null, verifyBadge(ctx.verifier, c.cid, r => {
      const checked = asListed(r, c, asset)
      label.update(checked)
      if (checked !== r) replace(cell, badge('✗ not as listed', 'bad', checked.status === 'tampered' ? checked.reason : ''))
      done(checked)
    }))
    return h('tr', { 'data-cid': c.cid }, h('td', null, label.el, ' ', h('span', { class: 'muted small' }, c.what)), h('td', null, recordLink(c.cid)), cell)
  }
  return h('section', { class: 'card', id: 'signature-checks' },
    h('h2', null, 'Signatures checked in this browser'),
    h('p', { class: 'muted small' }, 'The page fetched each record and checked its ', h('abbr', { title: 'eddsa-jcs-2022 Data Integrity proof, checked with @noble/curves' }, 'signature'), ' and its ', h('abbr', { title: 'content identifier: the hash of the record\'s bytes' }, 'id (CID)'), ' itself, so it does not have to trust this node. Which records make up the lineage is ', nodeWord('the list this node holds'), '.'),
    h('p', null, summary),
    h('table', { class: 'table' },
      h('thead', null, h('tr', null, h('th', null, 'Record'), h('th', null, 'CID'), h('th', null, 'Check'))),
      h('tbody', null, records.map(row))))
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
      cid: n.cid, what: n.cid === asset ? 'this asset' : `ancestor, ${n.depth} up`, role: 'asset' as const, ...(n.title != null ? { title: n.title } : {})
    }))
    for (const l of licenses.items) records.push({ cid: l.cid, what: 'license of this asset', role: 'license' })
    replace(mine, browserChecks(asset, records, ctx))
  }).catch(err => { if (!ctx.signal.aborted) replace(mine, errorBox(err)) })
  return h('div', null,
    h('section', { class: 'card' }, h('h2', null, 'Provenance report'),
      h('p', { class: 'muted small' }, 'This node checked this asset and its ancestors with its own copies: signatures, content, parents, licenses of each derivation, AI-training consent, conflicting claims. Its verdict and findings are ', nodeWord('its own report'), ': this browser does not re-run them; its own check of each record is below.'),
      server),
    mine)
}
