/**
 * "For you": works ranked for this node's creator by its own node, from what the node holds (GET /v1/discover: it
 * sends and fetches nothing to rank), each with the reasons in words ("endorsed by Alice, whom you follow"). The
 * ranking is private to the node's creator, so it needs the API token, kept in this tab's session as for uploads.
 * Titles, names and reasons are the node's word; the record's own check runs beside each item.
 */
import { ApiError, getJsonAuthed, getToken, query, setToken } from '../api.ts'
import type { ViewContext } from '../context.ts'
import { h, replace } from '../dom.ts'
import { formatTime, shortDid } from '../format.ts'
import { errorBox, loading, nodeWord, verifyBadge } from '../ui.ts'

/** One ranked work as GET /v1/discover returns it */
export interface DiscoverItem {
  record: string
  title?: string
  author?: string
  authorName?: string
  time?: string
  score: number
  reasons: Array<{ code: string, via: string[], text: string }>
}

const KINDS = ['', 'image', 'audio', 'video', 'text']

function itemCard (item: DiscoverItem, ctx: ViewContext): HTMLElement {
  const creator = item.authorName ?? (item.author != null ? shortDid(item.author) : 'unknown creator')
  return h('article', { class: 'for-you-item card', 'data-cid': item.record },
    h('h3', { class: 'result-title' }, nodeWord(h('a', { href: `#/asset/${item.record}` }, item.title ?? 'untitled work'))),
    h('p', { class: 'small' }, 'by ', h('span', { class: 'creator', title: item.author ?? '' }, creator),
      item.time != null ? ` · ${formatTime(item.time)}` : '', ' ', verifyBadge(ctx.verifier, item.record)),
    h('ul', { class: 'reasons' }, item.reasons.map(r => h('li', { 'data-reason': r.code }, r.text))))
}

/** #/for-you?kind=image */
export function forYouView (root: HTMLElement, ctx: ViewContext): void {
  const kind = h('select', { name: 'kind', 'aria-label': 'Kind of work' }, KINDS.map(k => h('option', { value: k }, k === '' ? 'any kind' : k)))
  kind.value = ctx.params.get('kind') ?? ''
  kind.addEventListener('change', () => { location.hash = kind.value === '' ? '#/for-you' : `#/for-you?kind=${kind.value}` })
  const token = h('input', { type: 'password', id: 'for-you-token', name: 'token', autocomplete: 'off', placeholder: 'contents of $ATELIER_HOME/api-token', size: 48 })
  const tokenRow = h('form', { class: 'token-row', id: 'for-you-token-form', hidden: getToken() !== '' }, token, h('button', { type: 'submit' }, 'Show'))
  tokenRow.addEventListener('submit', (e) => { e.preventDefault(); setToken(token.value.trim()); load().catch(shown) })
  const list = h('div', { id: 'for-you-items', class: 'for-you' })
  replace(root, h('h1', null, 'For you'),
    h('p', { class: 'muted small' }, 'Ranked by this node from your follows, your collectives, endorsements, lineage and look-alikes it already holds. Nothing is sent anywhere to rank them.'),
    h('p', null, kind), tokenRow, list)

  async function load (): Promise<void> {
    replace(list, loading('works for you'))
    try {
      const q = query({ limit: 30, kind: kind.value === '' ? undefined : kind.value })
      const res = await getJsonAuthed<{ items: DiscoverItem[] }>(`/v1/discover${q}`, ctx.signal)
      tokenRow.hidden = true
      if (res.items.length === 0) {
        replace(list, h('p', { class: 'muted', id: 'for-you-empty' }, 'Nothing yet: follow creators or collectives and endorse works you like, and works near them show here.'))
        return
      }
      replace(list, ...res.items.map(i => itemCard(i, ctx)))
    } catch (err) {
      if (ctx.signal.aborted) return
      if (err instanceof ApiError && err.code === 'ERR_UNAUTHORIZED') {
        tokenRow.hidden = false
        replace(list, errorBox(err, 'This list is private to the node\'s creator: enter the API token.'))
      } else replace(list, errorBox(err, 'Could not rank works:'))
    }
  }
  /** load() shows the node's errors itself; anything else that escapes it is shown the same way */
  function shown (err: unknown): void { replace(list, errorBox(err, 'Could not rank works:')) }
  load().catch(shown)
}
