/**
 * "Made from" on the upload form: parents are chosen by searching titles, never by pasting a CID. Each chosen
 * parent is a row with its title (read from its checked record), the relationship in words (the C2PA term on
 * hover) and a hidden input carrying the record CID the form sends.
 */
import type { AssetSubject } from '../../../src/records/index.ts'
import { searchRecords } from '../api.ts'
import type { ViewContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { formatTime } from '../format.ts'
import { RELATIONSHIP_WORDS } from '../graph-style.ts'
import { assetLink, didText } from '../ui.ts'

/** Relationships a person can pick, in words; the precise term on hover */
const RELATIONSHIPS = ['parentOf', 'componentOf', 'inputTo'] as const
const CHOICE_WORDS: Record<string, string> = {
  parentOf: 'made from it (a remix, adaptation or edit)',
  componentOf: 'includes it as a part',
  inputTo: 'gave it to an AI as input or training data'
}
/** Matches offered for one search */
const MATCHES = 8

export interface ParentPicker {
  el: HTMLElement
  /** the chosen parents, in order */
  chosen(): Array<{ record: string, relationship: string }>
  clear(): void
}

export function parentPicker (ctx: ViewContext): ParentPicker {
  const rows = h('div', { id: 'parents' })
  const has = (cid: string): boolean => rows.querySelector(`[data-record="${CSS.escape(cid)}"]`) != null

  const add = (cid: string, title?: string): void => {
    if (has(cid)) return
    const name = h('span', { class: 'parent-title' }, assetLink(cid, title ?? 'checking…'))
    if (title == null) {
      void ctx.verifier.verify(cid).then(r => {
        const t = r.status === 'verified' && r.kind === 'asset' ? (r.record.credential.credentialSubject as AssetSubject).title : undefined
        replace(name, assetLink(cid, t ?? 'a work this page could not check'))
      })
    }
    const relationship = h('select', { name: 'relationship', 'aria-label': 'How this work uses it' },
      RELATIONSHIPS.map(v => h('option', { value: v, title: RELATIONSHIP_WORDS[v].term }, CHOICE_WORDS[v])))
    const row = h('div', { class: 'parent-row', 'data-record': cid },
      h('input', { type: 'hidden', name: 'parent', props: { value: cid } }),
      name, relationship,
      h('button', { type: 'button', class: 'secondary small', title: 'Remove this parent', onclick: () => row.remove() }, 'Remove'))
    rows.append(row)
  }
  for (const cid of ctx.params.getAll('parent')) add(cid)

  const query = h('input', { type: 'search', id: 'parent-search', placeholder: 'Search works by title', 'aria-label': 'Search works by title', autocomplete: 'off' })
  const matches = h('ul', { class: 'parent-matches plain', id: 'parent-matches', 'aria-live': 'polite' })
  let asked = 0
  const search = async (): Promise<void> => {
    const q = query.value.trim()
    const mine = ++asked
    if (q === '') { replace(matches); return }
    try {
      const page = await searchRecords({ q, kind: 'asset', limit: MATCHES }, ctx.signal)
      if (mine !== asked) return
      if (page.items.length === 0) { replace(matches, h('li', { class: 'muted small' }, 'No work matches.')); return }
      replace(matches, page.items.map(s => h('li', null,
        h('button', {
          type: 'button',
          class: 'secondary small pick',
          'data-cid': s.cid,
          onclick: () => { add(s.cid); replace(matches); query.value = '' }
        }, 'Add'), ' ',
        h('strong', null, s.title ?? 'untitled'), ' ', h('span', { class: 'muted small' }, 'by ', didText(s.author), ` · ${formatTime(s.time)}`))))
    } catch {
      if (mine === asked) replace(matches, h('li', { class: 'muted small' }, 'Search is not available.'))
    }
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  query.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { void search() }, 200) })
  query.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); clearTimeout(timer); void search() } })

  return {
    el: h('div', null, rows, h('div', { class: 'field' }, h('label', { for: 'parent-search' }, 'Find a work'), query), matches),
    chosen: () => [...rows.querySelectorAll<HTMLElement>('.parent-row')].map(row => ({
      record: row.dataset.record ?? '',
      relationship: row.querySelector<HTMLSelectElement>('select[name="relationship"]')?.value ?? 'parentOf'
    })),
    clear: () => { replace(rows); replace(matches); query.value = '' }
  }
}
