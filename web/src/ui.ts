/**
 * Shared pieces of the page: badges, error boxes, links to records and assets.
 */
import { ApiError } from './api.ts'
import { h } from './dom.ts'
import type { Child } from './dom.ts'
import { shortCid, shortDid } from './format.ts'
import { describeResult } from './verify.ts'
import { nameOf } from './names.ts'
import type { Verifier, VerifyResult } from './verify.ts'

/** A coloured label; `tone` picks the colour (ok, warn, bad, info, muted) */
export function badge (text: string, tone: 'ok' | 'warn' | 'bad' | 'info' | 'muted', title?: string): HTMLSpanElement {
  return h('span', { class: `badge badge-${tone}`, title }, text)
}

/** The message of an error as the node phrased it, with its code */
export function errorBox (err: unknown, prefix = ''): HTMLDivElement {
  const e = err as Error
  const code = err instanceof ApiError ? err.code : undefined
  return h('div', { class: 'error', role: 'alert' },
    prefix !== '' ? h('strong', null, prefix, ' ') : null,
    e?.message ?? String(err),
    code != null ? h('code', { class: 'error-code' }, code) : null)
}

/** A link to an asset record's page */
export function assetLink (cid: string, title?: string): HTMLAnchorElement {
  return h('a', { href: `#/asset/${cid}`, title: cid }, title ?? shortCid(cid))
}

/** A link to a record's page */
export function recordLink (cid: string, text?: string): HTMLAnchorElement {
  return h('a', { href: `#/record/${cid}`, title: cid, class: 'cid' }, text ?? shortCid(cid))
}

/**
 * A person: the did, shortened and full on hover, until its profile's name is known (names.ts); then the name, with
 * the did on hover and one click (or Enter) away. `data-did` always carries the did.
 */
export function didText (did: string | undefined): HTMLSpanElement {
  const el = h('span', { class: 'did', title: did ?? '', 'data-did': did ?? '' }, shortDid(did))
  if (did == null || did === '') return el
  void nameOf(did).then(name => {
    if (name == null) return
    let showingDid = false
    el.textContent = name
    el.classList.add('named')
    el.title = `${did}\nName from this creator's signed profile, checked in this browser. Click to show the did.`
    el.tabIndex = 0
    el.setAttribute('role', 'button')
    const toggle = (): void => {
      showingDid = !showingDid
      el.textContent = showingDid ? did : name
      el.classList.toggle('named', !showingDid)
    }
    el.addEventListener('click', toggle)
    el.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle() } })
  })
  return el
}

/** A did inside a sentence: `did:key:` and a base58btc key */
const DID_IN_TEXT = /did:key:z[1-9A-HJ-NP-Za-km-z]+/g

/**
 * A sentence with every did in it shown as a person (didText): the name once their profile is checked, the did on
 * hover and one click away. For text the node writes about people, such as a provenance finding's message.
 */
export function withPeople (text: string): Child[] {
  const out: Child[] = []
  let at = 0
  for (const m of text.matchAll(DID_IN_TEXT)) {
    if (m.index > at) out.push(text.slice(at, m.index))
    out.push(didText(m[0]))
    at = m.index + m[0].length
  }
  if (at < text.length) out.push(text.slice(at))
  return out
}

/** Tone of a verification result */
export function verifyTone (r: VerifyResult): 'ok' | 'bad' | 'muted' {
  return r.status === 'verified' ? 'ok' : r.status === 'tampered' ? 'bad' : 'muted'
}

/** A badge that fills in once the record's in-browser check finishes; `data-verify` carries the outcome */
export function verifyBadge (verifier: Verifier, cid: string, onResult?: (r: VerifyResult) => void): HTMLSpanElement {
  const el = badge('checking…', 'muted', 'checking the signature in this browser')
  el.dataset.verify = 'pending'
  el.dataset.cid = cid
  void verifier.verify(cid).then(r => {
    const { label, detail } = describeResult(r)
    el.textContent = r.status === 'verified' ? `✓ ${label}` : r.status === 'tampered' ? `✗ ${label}` : label
    el.className = `badge badge-${verifyTone(r)}`
    el.title = detail
    el.dataset.verify = r.status
    onResult?.(r)
  })
  return el
}

/**
 * The head badge of a record: who signed it and what was checked, "✓ Signed by Ada — signature checked", the
 * author by name once their profile is checked (the did on hover)
 */
export function signedByBadge (verifier: Verifier, cid: string): HTMLSpanElement {
  const el = verifyBadge(verifier, cid, r => {
    if (r.status !== 'verified') return
    el.replaceChildren('✓ Signed by ', didText(r.author), ' — signature checked')
  })
  return el
}

/**
 * Where a value on the page comes from, one word each, for the `data-trust` attribute of what shows it:
 * `verified`: read from record bytes this browser fetched, hashed to their CID and whose signature it checked;
 * `node`: this node's own word (its index, its computations, its report), not checked here.
 */
export type Trust = 'verified' | 'node'

/** Tooltip of the node's-word marker: what it means, in plain words */
export const NODE_WORD_DETAIL = 'Reported by this node and not checked in this browser: the node could have changed it. Titles, terms, shares and solid links without this mark come from signed records checked here.'

/** The marker put beside whatever the page shows on the node's word alone; the same everywhere, explained in the legend */
export function nodeWordMark (): HTMLSpanElement {
  return h('span', { class: 'node-word', title: NODE_WORD_DETAIL, 'data-mark': 'node-word' }, 'node\'s word')
}

/** `children` shown as the node's unverified word: wrapped with `data-trust="node"` and the marker */
export function nodeWord (...children: Child[]): HTMLSpanElement {
  return h('span', { 'data-trust': 'node' }, ...children, ' ', nodeWordMark())
}

/**
 * The state shown instead of a record's contents when this browser could not check it: nothing from the record is
 * shown, only why. `data-verify` carries the outcome (tampered or unavailable).
 */
export function unverifiedState (r: Exclude<VerifyResult, { status: 'verified' }>, what: string): HTMLDivElement {
  return h('div', { class: 'error unverified', role: 'alert', 'data-verify': r.status, 'data-cid': r.cid },
    h('strong', null, r.status === 'tampered' ? `✗ Could not verify ${what}: it fails the check in this browser. ` : `Could not verify ${what}. `),
    r.reason, ' ', h('span', { class: 'small' }, 'Nothing from it is shown.'))
}

/** What the page's marks mean: the legend in the header */
export function trustLegend (): HTMLDetailsElement {
  const row = (mark: HTMLElement, text: string): HTMLElement => h('li', null, mark, ' ', text)
  return h('details', { class: 'legend', id: 'trust-legend' },
    h('summary', null, 'What the marks mean'),
    h('ul', { class: 'plain' },
      row(badge('✓ signature checked', 'ok'), 'This browser fetched the record\'s bytes, checked that they hash to its id and that its author signed them. Titles, terms, shares and links shown beside it are read from those bytes.'),
      row(badge('✗ signature fails', 'bad'), 'The bytes the node sent do not match the record\'s id or signature: the page shows nothing from them.'),
      row(badge('not checked', 'muted'), 'The record could not be fetched, so it was not checked.'),
      row(nodeWordMark(), NODE_WORD_DETAIL)))
}

/** A "loading" line */
export function loading (what: string): HTMLParagraphElement {
  return h('p', { class: 'muted loading' }, `Loading ${what}…`)
}
