/**
 * Shared pieces of the page: badges, error boxes, links to records and assets.
 */
import { ApiError } from './api.ts'
import { h } from './dom.ts'
import { shortCid, shortDid } from './format.ts'
import { describeResult } from './verify.ts'
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

/** A did, shortened, full on hover */
export function didText (did: string | undefined): HTMLSpanElement {
  return h('span', { class: 'did', title: did ?? '' }, shortDid(did))
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

/** A "loading" line */
export function loading (what: string): HTMLParagraphElement {
  return h('p', { class: 'muted loading' }, `Loading ${what}…`)
}
