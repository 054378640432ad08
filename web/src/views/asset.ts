/**
 * One asset: its preview and facts, license terms in plain words, its lineage graph with the royalty calculator,
 * its provenance report and its record. Tabs live in the URL (#/asset/<cid>/lineage) so each view has an address.
 */
import type { AssetSubject, LicenseSubject, ValidRecord } from '../../../src/records/index.ts'
import { getJson, query } from '../api.ts'
import type { ViewContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import type { Child } from '../dom.ts'
import { formatBps, formatBytes, formatTime } from '../format.ts'
import { contentPreview } from '../preview.ts'
import type { Collective, LineageGraph, Page, ProvenanceReport, RecordItem } from '../types.ts'
import { assetLink, badge, didText, errorBox, loading, nodeWord, nodeWordMark, recordLink, signedByBadge, unverifiedState, verifyBadge } from '../ui.ts'
import type { VerifyResult } from '../verify.ts'
import { licenseLines, licenseName, sourceTypeWords, trainingSentences } from '../words.ts'
import { relationshipWords } from '../graph-style.ts'
import { drawLineage, graphLegend, zoomControls } from './lineage-graph.ts'
import type { LineageDrawing } from './lineage-graph.ts'
import { privateWorkSection } from './private-work.ts'
import { provenancePanel } from './provenance.ts'
import { recordPanel } from './record.ts'
import { royaltyCalculator } from './royalties.ts'

const TABS = [['', 'Overview'], ['lineage', 'Lineage'], ['provenance', 'Provenance'], ['record', 'Record']] as const
const DEFAULT_DEPTH = 10
/** Provenance reports asked for one drawing (each walks that work's ancestors on the node) */
const VERDICTS_ASKED = 60

/** How a work used each thing it was made from, in words (the C2PA term on hover) */
const INGREDIENT_WORDS: Record<string, string> = { parentOf: 'remixed or adapted', componentOf: 'included as a part', inputTo: 'given to an AI as input' }

/** The asset's facts, every one read from its verified record */
function facts (item: ValidRecord, s: AssetSubject, signal: AbortSignal): HTMLElement {
  const content = s.id.replace(/^ipfs:\/\//, '')
  const rows: Array<[string, Child]> = [
    ['Content', h('a', { href: `/ipfs/${content}`, class: 'cid', title: content }, content)],
    ['Type', `${s.mediaType} · ${formatBytes(s.byteSize)}`],
    ['Author', didText(item.author)],
    ['Creators', h('ul', { class: 'plain' }, s.creators.map(c => h('li', null,
      c.name != null ? `${c.name} ` : '', didText(c.id), c.role != null ? ` (${c.role})` : '', ` — ${formatBps(c.share)}`)))],
    ['Signed', formatTime(item.time)]
  ]
  if (item.collective != null) rows.push(['Collective', collectiveName(item.collective, signal)])
  if (s.digitalSourceType != null) rows.push(['Source', sourceTypeWords(s.digitalSourceType)])
  if (s.tools != null && s.tools.length > 0) {
    rows.push(['Tools', h('ul', { class: 'plain' }, s.tools.map(t => h('li', null,
      t.name, t.version != null ? ` ${t.version}` : '', t.kind === 'aiModel' ? [' ', badge('AI model', 'info')] : null)))])
  }
  if (s.ingredients != null && s.ingredients.length > 0) {
    rows.push(['Made from', h('ul', { class: 'plain', id: 'ingredients' }, s.ingredients.map(i => h('li', null,
      i.record != null ? assetLink(i.record, i.title) : (i.title ?? i.content ?? 'an ingredient'), ' ',
      h('span', { class: 'muted small term', title: relationshipWords(i.relationship).term }, `(${INGREDIENT_WORDS[i.relationship] ?? relationshipWords(i.relationship).label}${i.kind != null && i.kind !== 'asset' ? `, ${i.kind}` : ''})`))))])
  }
  if (s.tags != null && s.tags.length > 0) rows.push(['Tags', s.tags.map(t => h('a', { href: `#/browse?q=${encodeURIComponent(t)}`, class: 'tag' }, t))])
  return h('dl', { class: 'facts', id: 'asset-facts', 'data-trust': 'verified' }, rows.map(([term, dd]) => [h('dt', null, term), h('dd', null, dd)]))
}

/**
 * The collective a record was published in, by name: the signed record gives its id; the name is the node's word
 * (its collectives list), so it carries the marker. The id stays on hover.
 */
function collectiveName (id: string, signal: AbortSignal): HTMLElement {
  const link = h('a', { href: `#/browse?collective=${id}&kind=asset`, title: id, id: 'asset-collective' }, 'a collective')
  void getJson<Page<Collective>>('/v1/collectives', signal).then(p => {
    const c = p.items.find(x => x.id === id)
    if (c != null) link.replaceChildren(nodeWord(c.name))
  }).catch(() => {})
  return h('span', null, link, h('span', { class: 'muted small' }, ' · see its other works'))
}

/** One sentence of a license's terms: the technical term on hover; the payees of a revenue split by name */
function licenseLine (l: ReturnType<typeof licenseLines>[number]): HTMLElement {
  if (l.splits != null) {
    const payees = l.splits.flatMap((s, i) => [i > 0 ? ', ' : '', didText(s.id), ` (${formatBps(s.share)})`])
    return h('li', { class: 'split' }, 'Revenue goes to ', ...payees, '.')
  }
  return l.term != null ? h('li', null, h('abbr', { title: l.term }, l.text)) : h('li', null, l.text)
}

/**
 * One license offered for `asset`, drawn from its own verified bytes: the node's listing gives only its CID. A
 * record that fails the check, is not a license, or names another asset shows why instead of any terms.
 */
function licenseArticle (asset: string, cid: string, ctx: ViewContext): HTMLElement {
  const article = h('article', { class: 'license', 'data-cid': cid }, loading('the license'))
  void ctx.verifier.verify(cid).then(r => {
    if (r.status !== 'verified') { replace(article, unverifiedState(r, 'this license')); return }
    const subject = r.record.credential.credentialSubject as LicenseSubject
    if (r.kind !== 'license' || subject.asset !== asset) {
      replace(article, unverifiedState({ status: 'tampered', cid, code: 'ERR_NOT_THIS_ASSET', reason: `the node listed a ${r.kind} record that is not a license of this asset.` }, 'this license'))
      return
    }
    article.dataset.trust = 'verified'
    replace(article,
      h('h3', null, licenseName(subject), ' ', verifyBadge(ctx.verifier, cid)),
      h('ul', null, licenseLines(subject).map(licenseLine)),
      h('p', { class: 'muted small' }, 'Offered by ', didText(r.author), ` on ${formatTime(r.record.time)} · `, recordLink(cid, 'license record')))
  })
  return article
}

function licensesSection (asset: string, ctx: ViewContext): HTMLElement {
  const body = h('div', { id: 'licenses' }, loading('licenses'))
  void getJson<Page<RecordItem>>(`/v1/assets/${asset}/licenses`, ctx.signal).then(page => {
    // only the CIDs of the node's answer are used: the terms come from each record's own bytes
    const cids = [...new Set(page.items.map(l => l.cid))]
    if (cids.length === 0) {
      replace(body, h('p', { class: 'muted' }, nodeWord('No license offered: all rights are reserved by the creators unless they grant one.')))
      return
    }
    replace(body, cids.map(cid => licenseArticle(asset, cid, ctx)),
      h('p', { class: 'muted small' }, 'Terms are read from each signed license record, checked in this browser. Which licenses there are is ', nodeWord('the list this node holds'), '.'))
  }).catch(err => { if (!ctx.signal.aborted) replace(body, errorBox(err)) })
  return h('section', { class: 'card' }, h('h2', null, 'License'), body)
}

/** One look-alike as the node lists it */
interface SimilarItem { cid: string, alg: string, distance: number, variant?: string, similarity?: number, title?: string, author?: string, time?: string }

/** How near, in words: the share of the code's bits that differ, and the turn or mirror under which */
function nearness (i: SimilarItem): string {
  const bits = i.alg === 'pdq-256' ? 256 : 64
  const kind = i.alg.startsWith('iscc-text') ? 'text' : 'picture'
  const same = Math.round(100 * (1 - i.distance / bits))
  const turned = i.variant != null ? `, once ${VARIANT_WORDS[i.variant] ?? i.variant}` : ''
  const text = i.similarity != null ? `, ${Math.round(i.similarity * 100)} % of its phrases shared` : ''
  return `${kind} fingerprint ${same} % alike${turned}${text}`
}

/** PDQ's variants in words: flipX is upside down, flipY a left-to-right mirror (test/fingerprints/robustness.spec.ts) */
const VARIANT_WORDS: Record<string, string> = {
  rotate90: 'turned 90°', rotate180: 'turned 180°', rotate270: 'turned 270°', flipX: 'flipped upside down',
  flipY: 'mirrored', flipPlus1: 'mirrored across a diagonal', flipMinus1: 'mirrored across a diagonal',
  straightened: 'turned a few degrees'
}

/** Works the node finds near this one by their fingerprints (GET /v1/similar) */
function similarSection (asset: string, ctx: ViewContext): HTMLElement {
  const body = h('div', { id: 'similar-works' }, loading('similar works'))
  void getJson<{ items: SimilarItem[] }>(`/v1/similar${query({ record: asset, limit: 20 })}`, ctx.signal).then(({ items }) => {
    if (items.length === 0) {
      replace(body, h('p', { class: 'muted' }, nodeWord('No other work this node holds looks like this one.')))
      return
    }
    replace(body,
      h('ul', { class: 'plain' }, items.map(i => h('li', { 'data-cid': i.cid },
        nodeWord(assetLink(i.cid, i.title)), ' ', h('span', { class: 'muted small', title: `${i.alg}, ${i.distance} bits differ` }, nearness(i)),
        i.author != null ? [' · by ', didText(i.author)] : null, i.time != null ? ` · ${formatTime(Date.parse(i.time))}` : null))),
      h('p', { class: 'muted small' }, 'Found by comparing perceptual fingerprints, which survive resizing, recompression, small crops and turns. ',
        'A look-alike by another author that names no lineage, license or grant shows in the provenance report. The list is ', nodeWord('this node\'s answer'), '.'))
  }).catch(err => { if (!ctx.signal.aborted) replace(body, errorBox(err)) })
  return h('section', { class: 'card' }, h('h2', null, 'Similar works'), body)
}

function overview (item: ValidRecord, s: AssetSubject, ctx: ViewContext): HTMLElement {
  const content = s.id.replace(/^ipfs:\/\//, '')
  const training = trainingSentences(s.trainingMining)
  return h('div', null,
    h('div', { class: 'asset-top' },
      h('figure', { class: 'asset-preview' }, contentPreview(content, s.mediaType, { alt: s.title }),
        // the content's CID is the signed one (in the facts); its bytes are not hashed here
        h('figcaption', { class: 'muted small' }, 'Preview: ', nodeWord('the content as this node serves it'))),
      h('div', null,
        s.description != null ? h('p', { class: 'description' }, s.description) : null,
        facts(item, s, ctx.signal),
        training.length > 0 ? h('div', { class: 'training' }, h('h3', null, 'AI training and data mining'), h('ul', null, training.map(t => h('li', null, t)))) : null)),
    privateWorkSection(item, s),
    licensesSection(item.cid, ctx),
    similarSection(item.cid, ctx))
}

function lineagePanel (asset: string, ctx: ViewContext): { el: HTMLElement, cleanup: () => void } {
  const direction = h('select', { name: 'direction', 'aria-label': 'Direction' },
    h('option', { value: 'both' }, 'parents and derivatives'), h('option', { value: 'ancestors' }, 'parents only'), h('option', { value: 'descendants' }, 'derivatives only'))
  direction.value = ctx.params.get('direction') ?? 'both'
  const depth = h('input', { type: 'number', name: 'depth', min: 1, max: 100, props: { value: ctx.params.get('depth') ?? String(DEFAULT_DEPTH) }, 'aria-label': 'Depth', class: 'narrow' })
  const graphBox = h('div', { class: 'graph', id: 'lineage-graph', role: 'img', 'aria-label': 'Lineage graph' })
  const list = h('ul', { class: 'node-list', id: 'lineage-nodes' })
  const status = h('p', { class: 'muted small' }, loading('the lineage'))
  let drawing: LineageDrawing | undefined

  const draw = async (): Promise<void> => {
    drawing?.destroy()
    drawing = undefined
    replace(list)
    try {
      const graph = await getJson<LineageGraph>(`/v1/assets/${asset}/lineage${query({ direction: direction.value, depth: depth.value, limit: 2000 })}`, ctx.signal)
      if (ctx.signal.aborted) return
      const d = drawing = drawLineage(graphBox, graph, (cid) => { location.hash = `#/asset/${cid}/lineage` })
      replace(status, `${graph.nodes.length} ${graph.nodes.length === 1 ? 'asset' : 'assets'}, ${graph.edges.length} links`,
        graph.cursor != null ? ' (more beyond this page)' : '', '. Click a work to open it; scroll or pinch to zoom, drag to move. ',
        'Titles, pictures and solid links come from records checked here; which works are listed, dashed links and provenance verdicts are ', nodeWordMark(), '.')
      // each work's provenance verdict (the node's report) colours its frame; a bounded number of questions
      for (const n of graph.nodes.filter(x => x.present !== false).slice(0, VERDICTS_ASKED)) {
        void getJson<ProvenanceReport>(`/v1/assets/${n.cid}/provenance`, ctx.signal).then(r => { d.setVerdict(n.cid, r.verdict) }).catch(() => {})
      }
      const sorted = [...graph.nodes].sort((a, b) => (a.side === 'ancestor' ? -a.depth : a.depth) - (b.side === 'ancestor' ? -b.depth : b.depth))
      list.append(...sorted.map(n => {
        // the node's title until the record is checked; then the title its own bytes carry
        const label = h('span', { class: 'node-label' }, nodeWord(assetLink(n.cid, n.title ?? (n.present === false ? 'a parent this node does not hold' : undefined))))
        const onResult = (r: VerifyResult): void => {
          d.setResult(r)
          if (r.status !== 'verified' || r.kind !== 'asset') return
          const subject = r.record.credential.credentialSubject as AssetSubject
          label.dataset.trust = 'verified'
          replace(label, assetLink(n.cid, subject.title))
          // a link is confirmed when the derivative's own record names that parent with that relationship
          for (const e of graph.edges) {
            if (e.from === n.cid && (subject.ingredients ?? []).some(i => i.record === e.to && i.relationship === e.relationship)) d.confirmEdge(e)
          }
        }
        return h('li', { 'data-cid': n.cid, class: n.cid === asset ? 'current' : '' },
          label, ' ', h('span', { class: 'muted small' }, n.side === 'root' || n.cid === asset ? 'this asset' : n.side === 'ancestor' ? `parent, ${n.depth} ${n.depth === 1 ? 'generation' : 'generations'} up` : `derivative, ${n.depth} ${n.depth === 1 ? 'generation' : 'generations'} down`),
          ' ', n.present === false ? badge('not held', 'muted') : verifyBadge(ctx.verifier, n.cid, onResult))
      }))
    } catch (err) {
      if (!ctx.signal.aborted) replace(status, errorBox(err))
    }
  }
  const form = h('form', { class: 'inline' }, h('label', null, 'Show ', direction), h('label', null, 'depth ', depth), h('button', { type: 'submit', class: 'secondary' }, 'Redraw'))
  form.addEventListener('submit', (e) => { e.preventDefault(); void draw() })
  void draw()
  return {
    el: h('div', null,
      h('section', { class: 'card' }, h('h2', null, 'Lineage'), form, status, h('div', { class: 'graph-wrap' }, graphBox, zoomControls(() => drawing)), graphLegend(), list),
      royaltyCalculator(asset, ctx)),
    cleanup: () => drawing?.destroy()
  }
}

/** The asset view: #/asset/<cid>[/lineage|/provenance|/record], drawn from the record's verified bytes only */
export function assetView (root: HTMLElement, ctx: ViewContext): () => void {
  const [cid = '', tab = ''] = ctx.path
  let cleanup = (): void => {}
  replace(root, loading('the asset'))
  void ctx.verifier.verify(cid).then(r => {
    if (ctx.signal.aborted) return
    if (r.status !== 'verified') {
      replace(root, h('h1', null, 'Asset'), unverifiedState(r, 'this record'))
      return
    }
    if (r.kind !== 'asset') { location.replace(`#/record/${cid}`); return }
    const item = r.record
    const s = item.credential.credentialSubject as AssetSubject
    const headBadge = signedByBadge(ctx.verifier, cid)
    headBadge.id = 'asset-verify'
    let body: HTMLElement
    if (tab === 'lineage') {
      const panel = lineagePanel(cid, ctx)
      body = panel.el
      cleanup = panel.cleanup
    } else if (tab === 'provenance') {
      body = provenancePanel(cid, ctx)
    } else if (tab === 'record') {
      body = recordPanel(item, ctx)
    } else {
      body = overview(item, s, ctx)
    }
    document.title = `${s.title} · Atelier`
    replace(root,
      h('div', { class: 'asset-head' },
        h('h1', { id: 'asset-title', 'data-trust': 'verified' }, s.title),
        h('p', null, headBadge, ' ', h('a', { href: `#/upload?parent=${cid}`, class: 'button secondary small' }, 'Make a derivative'))),
      h('nav', { class: 'tabs', 'aria-label': 'Asset views' }, TABS.map(([name, label]) =>
        h('a', { href: `#/asset/${cid}${name !== '' ? `/${name}` : ''}`, class: name === tab ? 'active' : '', 'aria-current': name === tab ? 'page' : null }, label))),
      body)
  }).catch(err => { if (!ctx.signal.aborted) replace(root, h('h1', null, 'Asset'), errorBox(err)) })
  return () => { cleanup() }
}
