/**
 * The codes of a file, computed here from its bytes: images by PDQ-256 (with its rotations and flips) and ISCC
 * Image-Code-64, text by ISCC Text-Code-64 and MinHash. Which kind a file is comes from its media type; a file of
 * another kind, or one the fingerprint code refuses (too large, not decodable), has no codes.
 */
import { FingerprintInputError, imageFingerprints, textFingerprints } from '../fingerprints/index.ts'
import { codesOfImage, codesOfText } from './codes.ts'
import type { WorkCode } from './types.ts'

const TEXT_TYPES = new Set(['application/json', 'application/xml', 'application/x-tex', 'application/rtf'])

export type WorkKind = 'image' | 'text' | undefined

/** Which fingerprints a media type gets (SVG is text: its pixels are whatever a renderer makes of it) */
export function kindOf (mediaType: string): WorkKind {
  const mt = mediaType.toLowerCase().split(';')[0].trim()
  if (mt.startsWith('image/') && mt !== 'image/svg+xml') return 'image'
  if (mt.startsWith('text/') || mt === 'image/svg+xml' || TEXT_TYPES.has(mt)) return 'text'
  return undefined
}

/**
 * The codes of `bytes`, or [] when the kind has none or the input is refused (too large, undecodable); with
 * `strict`, a refused input throws its FingerprintInputError (400) instead.
 */
export async function codesOfBytes (bytes: Uint8Array, mediaType: string, options: { strict?: boolean } = {}): Promise<WorkCode[]> {
  try {
    const kind = kindOf(mediaType)
    if (kind === 'image') return codesOfImage(await imageFingerprints(bytes))
    if (kind === 'text') return codesOfText(textFingerprints(bytes))
    return []
  } catch (err) {
    if (err instanceof FingerprintInputError && options.strict !== true) return []
    throw err
  }
}
