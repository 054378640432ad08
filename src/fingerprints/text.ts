/**
 * Text fingerprints from bytes: UTF-8 decoded strictly (a work that is not UTF-8 text is refused, not guessed at),
 * bounded in length, then ISCC Text-Code-64 and the MinHash signature (iscc-text.ts).
 */
import { FingerprintInputError } from './errors.ts'
import { MAX_TEXT_LENGTH } from './constants.ts'
import { textFingerprint } from './iscc-text.ts'
import type { IsccUnit } from './iscc-codec.ts'
import { toHex } from './hamming.ts'

export interface TextFingerprints {
  iscc: IsccUnit
  /** Code points after ISCC's collapse */
  characters: number
  /** The 64 minima as 512 hex digits (each minimum big-endian, 8 digits) */
  minhash: string
}

export function textFingerprints (input: Uint8Array | string, maxLength = MAX_TEXT_LENGTH): TextFingerprints {
  let text: string
  if (typeof input === 'string') text = input
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input)
    } catch (err) {
      throw new FingerprintInputError('text is not valid UTF-8', { cause: err })
    }
  }
  if (text.length > maxLength) {
    throw new FingerprintInputError(`text longer than ${maxLength} characters`, { details: { length: text.length, limit: maxLength } })
  }
  const r = textFingerprint(text)
  const be = new Uint8Array(r.minhash.length * 4)
  const view = new DataView(be.buffer)
  r.minhash.forEach((h, i) => view.setUint32(i * 4, h))
  return { iscc: r.iscc, characters: r.characters, minhash: toHex(be) }
}
