/** Bit distances and hex for the fixed-length codes (PDQ 32 bytes, ISCC digests 8…32 bytes) */

const POPCOUNT = new Uint8Array(256).map((_, i) => {
  let c = 0
  for (let v = i; v !== 0; v >>= 1) c += v & 1
  return c
})

/** Number of differing bits; codes of different lengths are a programming error */
export function hamming (a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`codes differ in length (${a.length} and ${b.length} bytes)`)
  let d = 0
  for (let i = 0; i < a.length; i++) d += POPCOUNT[a[i] ^ b[i]]
  return d
}

export function toHex (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

/** Lower- or upper-case hex of an even length to bytes; anything else is a RangeError */
export function fromHex (s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new RangeError('not hex')
  return Uint8Array.from(Buffer.from(s, 'hex'))
}

/** Hamming distance of two hex codes */
export function hammingHex (a: string, b: string): number {
  return hamming(fromHex(a), fromHex(b))
}
