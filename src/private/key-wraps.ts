/**
 * A wrap (epoch-keys.ts) as a key record carries it: `enc` and `ct` in base64url without padding (records.md §3.13),
 * so a key record is plain JSON like every other record.
 */
import type { KeyWrap } from '../records/types.ts'
import type { Wrap } from './epoch-keys.ts'

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url'))

export function toKeyWrap (wrap: Wrap): KeyWrap {
  return { to: wrap.to, enc: b64(wrap.enc), ct: b64(wrap.ct) }
}

export function fromKeyWrap (wrap: KeyWrap): Wrap {
  return { to: wrap.to, enc: bytes(wrap.enc), ct: bytes(wrap.ct) }
}
