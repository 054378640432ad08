/**
 * Previews of content by media type, straight from the node's /ipfs gateway: images, audio and video by URL
 * (the browser streams and ranges them), text by its first few KiB. Other types get a download link.
 */
import { getBytes } from './api.ts'
import { h } from './dom.ts'

/** How much of a text file a preview shows */
const TEXT_PREVIEW_BYTES = 4096
/** Largest SVG turned into a typed blob for an <img> (the gateway serves SVG as an unknown type) */
const SVG_PREVIEW_BYTES = 2 * 1024 * 1024

/** Whether the page can preview this media type */
export function previewKind (mediaType: string | undefined): 'image' | 'svg' | 'audio' | 'video' | 'text' | 'none' {
  const t = (mediaType ?? '').toLowerCase()
  if (t === 'image/svg+xml') return 'svg'
  if (t.startsWith('image/')) return 'image'
  if (t.startsWith('audio/')) return 'audio'
  if (t.startsWith('video/')) return 'video'
  if (t.startsWith('text/') || t === 'application/json' || t === 'application/xml' || t.endsWith('+json')) return 'text'
  return 'none'
}

/** A preview element for content `cid` of `mediaType`; `compact` for cards, full size on the asset page */
export function contentPreview (cid: string, mediaType: string | undefined, options: { compact?: boolean, alt?: string } = {}): HTMLElement {
  const src = `/ipfs/${cid}`
  const cls = options.compact === true ? 'preview compact' : 'preview'
  switch (previewKind(mediaType)) {
    case 'image':
      return h('div', { class: cls }, h('img', { src, alt: options.alt ?? '', loading: 'lazy', decoding: 'async' }))
    case 'svg': {
      const img = h('img', { alt: options.alt ?? '', decoding: 'async' })
      void getBytes(src, { headers: { range: `bytes=0-${SVG_PREVIEW_BYTES - 1}` } }).then(bytes => {
        img.src = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/svg+xml' }))
      }).catch(() => {})
      return h('div', { class: cls }, img)
    }
    case 'audio':
      return h('div', { class: `${cls} media` }, h('audio', { src, controls: true, preload: 'none' }))
    case 'video':
      return h('div', { class: `${cls} media` }, h('video', { src, controls: true, preload: 'metadata', muted: options.compact === true }))
    case 'text': {
      const pre = h('pre', { class: 'text-preview' }, '…')
      void getBytes(src, { headers: { range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` } }).then(bytes => {
        pre.textContent = new TextDecoder().decode(bytes)
      }).catch(err => { pre.textContent = `(could not load: ${(err as Error).message})` })
      return h('div', { class: cls }, pre)
    }
    default:
      return h('div', { class: `${cls} none` }, h('span', null, mediaType ?? 'unknown type'), h('a', { href: src, download: '' }, 'download'))
  }
}
