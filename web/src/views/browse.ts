/**
 * Search and browse: full-text search over asset titles, tags and descriptions with filters, as cards with
 * previews; pages follow the node's cursor. Nodes without /v1/search get a listing of /v1/records instead. Which
 * records match is the node's word; what a card shows of a record comes from its verified bytes once checked.
 */
import { getJson, searchRecords } from '../api.ts'
import type { SearchParams } from '../api.ts'
import type { ViewContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { formatTime } from '../format.ts'
import { contentPreview } from '../preview.ts'
import type { Collective, Page, RecordSummary } from '../types.ts'
import { badge, didText, errorBox, nodeWord, recordLink, verifyBadge } from '../ui.ts'
import type { VerifyResult } from '../verify.ts'

/** Results per page */
const PAGE_SIZE = 24
const KINDS = ['asset', 'license', 'grant', 'attestation', 'revocation', 'charter', 'membership']
/** Record kinds in words; the record kind itself on hover */
const KIND_WORDS: Record<string, string> = {
  asset: 'works', license: 'licenses', grant: 'license grants', attestation: 'endorsements', revocation: 'revocations',
  charter: 'collective charters', membership: 'memberships'
}
const kindBadge = (kind: string): HTMLSpanElement => badge((KIND_WORDS[kind] ?? kind).replace(/s$/, ''), 'info', `record kind: ${kind}`)
const MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml', 'audio/mpeg', 'audio/wav', 'video/mp4', 'video/webm', 'text/plain', 'text/markdown', 'application/pdf']

/**
 * One hit. The node's summary (title, author, time) shows first, marked as its word; once the record's bytes pass
 * the check, the card shows what they say instead, and the preview's media type comes from them too.
 */
function resultCard (s: RecordSummary, ctx: ViewContext): HTMLElement {
  const isAsset = s.kind === 'asset'
  const href = isAsset ? `#/asset/${s.cid}` : `#/record/${s.cid}`
  const media = h('div', { class: 'card-media' })
  const type = h('span', { class: 'muted small' })
  const title = h('h3', { class: 'result-title' }, nodeWord(h('a', { href }, s.title ?? `${s.kind} record`)))
  const byline = h('p', { class: 'small' }, nodeWord(didText(s.author), ' · ', formatTime(s.time)))
  if (!isAsset) replace(media, h('div', { class: 'preview compact none' }, kindBadge(s.kind)))
  const onResult = (r: VerifyResult): void => {
    if (r.status !== 'verified') return
    const subject = r.record.credential.credentialSubject as { title?: string, mediaType?: string, id?: string }
    title.dataset.trust = 'verified'
    replace(title, h('a', { href: r.kind === 'asset' ? `#/asset/${s.cid}` : `#/record/${s.cid}` }, r.kind === 'asset' && subject.title != null ? subject.title : `${r.kind} record`))
    byline.dataset.trust = 'verified'
    replace(byline, didText(r.author), ' · ', formatTime(r.record.time))
    if (r.kind === 'asset' && typeof subject.id === 'string') {
      type.textContent = subject.mediaType ?? ''
      replace(media, contentPreview(subject.id.replace(/^ipfs:\/\//, ''), subject.mediaType, { compact: true, alt: subject.title ?? '' }))
    }
  }
  return h('article', { class: 'result', 'data-cid': s.cid },
    h('a', { href, class: 'card-link' }, media),
    h('div', { class: 'result-body' },
      title,
      h('p', { class: 'small' }, kindBadge(s.kind), ' ', type),
      byline,
      h('p', { class: 'small' }, recordLink(s.cid), ' ', verifyBadge(ctx.verifier, s.cid, onResult))))
}

/** The browse view: #/browse?q=&kind=&mediaType=&author=&collective= */
export function browseView (root: HTMLElement, ctx: ViewContext): void {
  const p = ctx.params
  const value = (k: string, fallback = ''): string => p.get(k) ?? fallback
  const q = h('input', { type: 'search', name: 'q', placeholder: 'Search titles, tags, descriptions', props: { value: value('q') }, 'aria-label': 'Search' })
  const kind = h('select', { name: 'kind', 'aria-label': 'Kind' }, h('option', { value: '' }, 'any kind'), KINDS.map(k => h('option', { value: k, title: `record kind: ${k}` }, KIND_WORDS[k] ?? k)))
  kind.value = value('kind', 'asset')
  const mediaType = h('input', { name: 'mediaType', list: 'media-types', placeholder: 'media type', props: { value: value('mediaType') }, 'aria-label': 'Media type' })
  const author = h('input', { name: 'author', placeholder: 'author (did:key:…)', props: { value: value('author') }, 'aria-label': 'Author' })
  const collective = h('select', { name: 'collective', 'aria-label': 'Collective' }, h('option', { value: '' }, 'any collective'))
  const wanted = value('collective')
  if (wanted !== '') collective.append(h('option', { value: wanted }, wanted))
  collective.value = wanted
  void getJson<Page<Collective>>('/v1/collectives', ctx.signal).then(c => {
    for (const col of c.items) if (col.id !== wanted) collective.append(h('option', { value: col.id }, col.name))
    for (const opt of collective.options) if (opt.value === wanted && wanted !== '') opt.textContent = c.items.find(x => x.id === wanted)?.name ?? wanted
  }).catch(() => {})

  const results = h('div', { class: 'results', id: 'results' })
  const status = h('p', { class: 'muted small', id: 'results-status' })
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more')

  const form = h('form', { class: 'search', role: 'search' }, q, kind, mediaType, author, collective, h('button', { type: 'submit' }, 'Search'),
    h('datalist', { id: 'media-types' }, MEDIA_TYPES.map(m => h('option', { value: m }))))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const next = new URLSearchParams()
    for (const [k, el] of Object.entries({ q, kind, mediaType, author, collective })) if (el.value.trim() !== '') next.set(k, el.value.trim())
    if (kind.value === '') next.set('kind', '')
    location.hash = `#/browse?${next.toString()}`
  })

  replace(root, h('h1', null, 'Browse'), form, status, results, h('p', null, more))

  const params: SearchParams = {
    q: value('q'), kind: value('kind', 'asset'), mediaType: value('mediaType'), author: value('author'), collective: wanted, limit: PAGE_SIZE
  }
  let shown = 0
  const load = async (cursor?: string): Promise<void> => {
    more.disabled = true
    try {
      const page = await searchRecords({ ...params, cursor }, ctx.signal)
      shown += page.items.length
      results.append(...page.items.map(s => resultCard(s, ctx)))
      status.textContent = `${shown} ${shown === 1 ? 'result' : 'results'}` +
        (page.fullText ? '' : ' (this node has no full-text search: newest records, titles matched in this page)')
      if (shown === 0) results.append(h('p', { class: 'muted' }, 'Nothing found.'))
      more.hidden = page.cursor == null
      more.onclick = () => { if (page.cursor != null) void load(page.cursor) }
    } catch (err) {
      if (!ctx.signal.aborted) results.append(errorBox(err, 'Search failed:'))
    } finally {
      more.disabled = false
    }
  }
  void load()
}
