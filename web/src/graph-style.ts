/**
 * How the lineage graph looks: one colour per provenance state (the legend below the graph uses the same), kind
 * icons for works without a picture, and plain words for the links. Kept apart from the drawing so the legend and
 * the graph can never disagree.
 */

/** What a node's colour says, worst first: the page's own signature check, then the node's provenance verdict */
export type NodeState = 'tampered' | 'failed' | 'warnings' | 'healthy' | 'pending' | 'absent'

export const STATE_COLOURS: Record<NodeState, string> = {
  tampered: '#c53030',
  failed: '#dd6b20',
  warnings: '#d69e2e',
  healthy: '#2f855a',
  pending: '#9aa5b1',
  absent: '#cbd2d9'
}

/** The legend's words for each state; `term` is the precise meaning, shown on hover */
export const STATE_WORDS: Record<NodeState, { label: string, term: string }> = {
  healthy: { label: 'Healthy', term: 'Signature checked in this browser, and the node\'s provenance report found no problem.' },
  warnings: { label: 'Needs a look', term: 'Signature checked; the node\'s provenance report has warnings.' },
  failed: { label: 'Provenance failed', term: 'Signature checked, but the node\'s provenance report found errors (a missing parent, an unlicensed derivation, …).' },
  tampered: { label: 'Signature fails', term: 'The record\'s bytes do not match its id or its author\'s signature, checked in this browser.' },
  pending: { label: 'Checking', term: 'The check has not finished yet.' },
  absent: { label: 'Not held here', term: 'A parent this node has no copy of.' }
}

/**
 * The state of a node from its signature check (`signature`: verified, tampered, unavailable, pending) and the
 * node's provenance verdict (verified, warnings, failed, or undefined while unknown)
 */
export function nodeState (signature: string, verdict: string | undefined, present: boolean): NodeState {
  if (!present) return 'absent'
  if (signature === 'tampered') return 'tampered'
  if (verdict === 'failed') return 'failed'
  if (signature !== 'verified') return 'pending'
  if (verdict === 'warnings') return 'warnings'
  if (verdict === 'verified') return 'healthy'
  return 'pending'
}

/** Links in words, read from the derivative to its parent: "Remix — made from → Sunrise" */
export const RELATIONSHIP_WORDS: Record<string, { label: string, term: string }> = {
  parentOf: { label: 'made from', term: 'C2PA relationship parentOf: a remix, adaptation or edit of the parent' },
  componentOf: { label: 'includes', term: 'C2PA relationship componentOf: the parent is a part of this work' },
  inputTo: { label: 'AI input', term: 'C2PA relationship inputTo: the parent was given to an AI model as input or training data' },
  licensedTo: { label: 'licensed to', term: 'a license or grant of the parent covers this work' }
}

/** A relationship in words, the precise term kept for hover */
export function relationshipWords (rel: string): { label: string, term: string } {
  return RELATIONSHIP_WORDS[rel] ?? { label: rel, term: rel }
}

/** A small SVG (as a data URI) standing for a work of this media type when there is no picture to show */
export function kindIcon (mediaType: string | undefined): string {
  const top = (mediaType ?? '').split('/')[0]
  const shape = top === 'audio'
    ? '<path d="M26 14v20a5 5 0 1 1-3-4.6V17l12-3v16a5 5 0 1 1-3-4.6V10z" fill="#52606d"/>'
    : top === 'video'
      ? '<rect x="9" y="13" width="30" height="22" rx="3" fill="#52606d"/><path d="M21 18l9 6-9 6z" fill="#fff"/>'
      : top === 'text' || mediaType === 'application/pdf'
        ? '<path d="M13 8h16l7 7v25H13z" fill="#fff" stroke="#52606d" stroke-width="2"/><path d="M17 20h14M17 25h14M17 30h10" stroke="#52606d" stroke-width="2"/>'
        : top === 'image'
          ? '<rect x="9" y="11" width="30" height="26" rx="3" fill="#fff" stroke="#52606d" stroke-width="2"/><path d="M12 33l9-10 6 7 4-4 5 7z" fill="#52606d"/>'
          : '<path d="M13 8h16l7 7v25H13z" fill="#fff" stroke="#52606d" stroke-width="2"/>'
  return `data:image/svg+xml;utf8,${encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48"><rect width="48" height="48" fill="#eef1f4"/>${shape}</svg>`)}`
}

/** Pictures the graph shows as thumbnails: an image small enough to fetch for a 64-pixel square */
export const THUMBNAIL_MAX_BYTES = 4 * 1024 * 1024
