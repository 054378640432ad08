/**
 * The ISCC unit encoding (ISO 24138) for the Content-Code units this project makes: a header of four
 * variable-length nibbles (MainType, SubType, Version, Length) and the digest, in RFC 4648 base32 without padding,
 * prefixed "ISCC:". Only what Content-Codes need: MainType CONTENT, the Text and Image subtypes, version 0, lengths
 * of 32…256 bits (the nibble values here are all < 8, so each takes exactly one nibble and the header is 2 bytes).
 */
import { base32upper } from 'multiformats/bases/base32'
import { FingerprintInputError } from './errors.ts'

export const ISCC_MAINTYPE_CONTENT = 2
export const ISCC_SUBTYPE_TEXT = 0
export const ISCC_SUBTYPE_IMAGE = 1
export const ISCC_VERSION_0 = 0

export interface IsccUnit {
  /** "ISCC:" + base32 of header and digest, as iscc-core prints it */
  code: string
  /** The digest alone (bits / 8 bytes), what Hamming distances are taken over */
  digest: Uint8Array
  bits: number
}

/** Encode a Content-Code unit. `digest` may be longer than `bits`; it is cut, as iscc-core does. */
export function encodeContentUnit (subtype: number, bits: number, digest: Uint8Array): IsccUnit {
  if (!Number.isInteger(bits) || bits < 32 || bits > 256 || bits % 32 !== 0) {
    throw new FingerprintInputError(`ISCC unit length must be 32…256 bits in steps of 32, got ${bits}`, { details: { bits } })
  }
  const nbytes = bits / 8
  if (digest.length < nbytes) throw new FingerprintInputError(`digest too short for ${bits} bits`, { details: { bits } })
  const length = bits / 32 - 1 // 0 means 32 bits
  const body = digest.subarray(0, nbytes)
  const bytes = new Uint8Array(2 + nbytes)
  bytes[0] = (ISCC_MAINTYPE_CONTENT << 4) | subtype
  bytes[1] = (ISCC_VERSION_0 << 4) | length
  bytes.set(body, 2)
  return { code: 'ISCC:' + base32upper.baseEncode(bytes), digest: Uint8Array.from(body), bits }
}

/** Decode a Content-Code string back to subtype, bits and digest; anything else is a FingerprintInputError */
export function decodeContentUnit (code: string): { subtype: number, bits: number, digest: Uint8Array } {
  const body = code.startsWith('ISCC:') ? code.slice(5) : code
  let bytes: Uint8Array
  try {
    bytes = base32upper.baseDecode(body.toUpperCase())
  } catch (err) {
    throw new FingerprintInputError('ISCC code is not base32', { cause: err })
  }
  if (bytes.length < 2 || (bytes[0] >> 4) !== ISCC_MAINTYPE_CONTENT || (bytes[1] >> 4) !== ISCC_VERSION_0) {
    throw new FingerprintInputError('not an ISCC Content-Code v0 unit')
  }
  const bits = ((bytes[1] & 0x0f) + 1) * 32
  if (bytes.length !== 2 + bits / 8) throw new FingerprintInputError('ISCC code length does not match its header')
  return { subtype: bytes[0] & 0x0f, bits, digest: bytes.subarray(2) }
}
