import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { decryptRange, decryptStream, encryptStream, planRange, workPayloadKey } from '../../src/private/content-cipher.ts'
import { HEADER_BYTES, TAG_BYTES, ciphertextSize, decodeHeader, newWork, plaintextSize, unwrapWorkKey } from '../../src/private/content-header.ts'
import { decryptWork } from '../../web/src/private-content.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url')
const file = JSON.parse(await readFile(new URL('../../protocols/vectors/private/content.json', import.meta.url), 'utf8'))
const C = 'bagaaieraxbk5shnqdpbe6gdp4ddkwnfufxllsyd3zjlisimhkqnivkl7yvoq'

async function collect (source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of source) parts.push(p)
  return new Uint8Array(Buffer.concat(parts))
}

/** Feed `b` in pieces of irregular sizes, as a socket would */
async function * dribble (b: Uint8Array, seed = 7): AsyncGenerator<Uint8Array> {
  let at = 0
  let step = seed
  while (at < b.length) {
    step = (step * 1103515245 + 12345) % 5003 + 1
    yield b.subarray(at, at + step)
    at += step
  }
}

async function encrypted (pt: Uint8Array, chunk = 1024): Promise<{ ct: Uint8Array, epochKey: Uint8Array }> {
  const epochKey = new Uint8Array(randomBytes(32))
  const { workKey, header } = newWork(epochKey, C, 2, chunk)
  return { ct: await collect(encryptStream(dribble(pt), workKey, header)), epochKey }
}

describe('encrypted works: vectors (protocols/vectors/private/content.json)', () => {
  for (const v of file.vectors) {
    it(`native crypto gives every value of "${v.name}"`, async () => {
      const i = v.input
      const { workKey, header } = newWork(bytes(i.epochKey), i.collective, i.epoch, i.chunkSize, { workKey: bytes(i.workKey), salt: bytes(i.salt) })
      assert.equal(hex(header.wrappedKey), v.wrappedKey)
      assert.equal(hex(header.bytes), v.header)
      const parts = await collect(encryptStream([bytes(i.plaintext)], workKey, header))
      assert.equal(parts.length, v.ciphertextBytes)
      assert.equal(createHash('sha256').update(parts).digest('hex'), v.ciphertextSha256)
      assert.equal(hex(unwrapWorkKey(bytes(i.epochKey), i.collective, i.epoch, bytes(i.salt), bytes(v.wrappedKey))), i.workKey)
      assert.equal(hex(await collect(decryptStream([parts], (h) => workPayloadKey(bytes(i.epochKey), i.collective, h)))), i.plaintext)
    })

    it(`@noble/ciphers derives the same wrap, payload key and chunks for "${v.name}"`, () => {
      const i = v.input
      const label = bytes(v.workKeyLabel)
      assert.equal(hex(hkdf(sha256, bytes(i.epochKey), bytes(i.salt), label, 32)), v.wrapKey)
      assert.equal(hex(chacha20poly1305(bytes(v.wrapKey), new Uint8Array(12), label).encrypt(bytes(i.workKey))), v.wrappedKey)
      assert.equal(hex(hkdf(sha256, bytes(i.workKey), bytes(i.salt), new TextEncoder().encode('atelier/content/v1'), 32)), v.payloadKey)
      const pt = bytes(i.plaintext)
      for (const c of v.chunks) {
        const piece = pt.subarray(c.index * i.chunkSize, (c.index + 1) * i.chunkSize)
        assert.equal(hex(chacha20poly1305(bytes(v.payloadKey), bytes(c.nonce), bytes(v.header)).encrypt(piece)), c.sealed)
      }
      const ct = new Uint8Array(Buffer.concat([bytes(v.header), ...v.chunks.map((c: any) => bytes(c.sealed))]))
      const enc = { scheme: 'atelier-stream-chacha20poly1305-v1', epoch: i.epoch, chunkSize: i.chunkSize, plaintextSize: pt.length, salt: b64u(bytes(i.salt)), wrappedKey: v.wrappedKey.length > 0 ? b64u(bytes(v.wrappedKey)) : '' }
      assert.equal(hex(decryptWork(ct, bytes(i.epochKey), i.collective, enc)), i.plaintext)
    })
  }
})

describe('encrypted works: streaming', () => {
  it('round-trips any size, fed in irregular pieces, with sizes as specified', async () => {
    for (const n of [0, 1, 1023, 1024, 1025, 2048, 5000, 70_000]) {
      const pt = new Uint8Array(randomBytes(n))
      const { ct, epochKey } = await encrypted(pt)
      assert.equal(ct.length, ciphertextSize(n, 1024), `size of ${n}`)
      assert.equal(plaintextSize(ct.length, 1024), n)
      const back = await collect(decryptStream(dribble(ct, n), (h) => workPayloadKey(epochKey, C, h)))
      assert.deepEqual(back, pt, `round trip of ${n}`)
    }
  })

  it('detects truncation at a chunk boundary, inside a chunk, and of the header', async () => {
    const { ct, epochKey } = await encrypted(new Uint8Array(randomBytes(3000)))
    const keyOf = (h: any): Uint8Array => workPayloadKey(epochKey, C, h)
    for (const cut of [HEADER_BYTES + 1040, HEADER_BYTES + 2 * 1040, ct.length - 1, HEADER_BYTES + 500]) {
      await assert.rejects(collect(decryptStream([ct.subarray(0, cut)], keyOf)), { name: 'DecryptionError' }, `cut at ${cut}`)
    }
    await assert.rejects(collect(decryptStream([ct.subarray(0, 50)], keyOf)), { name: 'NotEncryptedError' })
  })

  it('detects reordered and duplicated chunks, any flipped bit, and a header moved to another epoch or collective', async () => {
    const { ct, epochKey } = await encrypted(new Uint8Array(randomBytes(3000)))
    const keyOf = (h: any): Uint8Array => workPayloadKey(epochKey, C, h)
    const s = 1024 + TAG_BYTES
    const chunk = (i: number): Uint8Array => ct.subarray(HEADER_BYTES + i * s, Math.min(ct.length, HEADER_BYTES + (i + 1) * s))
    const swapped = Buffer.concat([ct.subarray(0, HEADER_BYTES), chunk(1), chunk(0), chunk(2)])
    await assert.rejects(collect(decryptStream([swapped], keyOf)), { name: 'DecryptionError' })
    const dup = Buffer.concat([ct.subarray(0, HEADER_BYTES), chunk(0), chunk(0), chunk(2)])
    await assert.rejects(collect(decryptStream([dup], keyOf)), { name: 'DecryptionError' })
    for (const at of [9, 20, 60, HEADER_BYTES + 3, HEADER_BYTES + s + 1030, ct.length - 1]) {
      const t = Uint8Array.from(ct)
      t[at] ^= 0x01
      await assert.rejects(collect(decryptStream([t], keyOf)), (err: any) => ['DecryptionError', 'NotEncryptedError'].includes(err.name), `flip at ${at}`)
    }
    await assert.rejects(collect(decryptStream([ct], (h) => workPayloadKey(epochKey, C + 'x', h))), { name: 'DecryptionError' })
    await assert.rejects(collect(decryptStream([ct], (h) => workPayloadKey(new Uint8Array(32), C, h))), { name: 'DecryptionError' })
  })
})

describe('encrypted works: ranges', () => {
  it('gives the exact plaintext of ranges at, before and after chunk boundaries, reading only the chunks they touch', async () => {
    const n = 5000
    const pt = new Uint8Array(randomBytes(n))
    const { ct, epochKey } = await encrypted(pt)
    const header = decodeHeader(ct)
    const key = workPayloadKey(epochKey, C, header)
    let read = 0
    const reader = (offset: number, length: number): AsyncIterable<Uint8Array> => { read += length; return dribble(ct.subarray(offset, offset + length)) }
    const cases: Array<[number, number]> = [[0, 0], [0, 1023], [1023, 1024], [1024, 1024], [1024, 2047], [1000, 3100], [4095, 4096], [4096, 4999], [4999, 4999], [0, 4999], [2047, 2048]]
    for (const [a, b] of cases) {
      read = 0
      const got = await collect(decryptRange(reader, header, key, ct.length, a, b))
      assert.deepEqual(got, pt.subarray(a, b + 1), `range ${a}-${b}`)
      const plan = planRange(header, n, a, b)
      assert.equal(read, plan.length)
      assert.ok(read <= (plan.lastChunk - plan.firstChunk + 1) * (1024 + TAG_BYTES), `range ${a}-${b} read ${read}`)
    }
    const t = Uint8Array.from(ct)
    t[HEADER_BYTES + 2 * (1024 + TAG_BYTES) + 5] ^= 1
    const bad = (offset: number, length: number): Iterable<Uint8Array> => [t.subarray(offset, offset + length)]
    await assert.rejects(collect(decryptRange(bad, header, key, t.length, 2048, 2100)), { name: 'DecryptionError' })
    assert.deepEqual(await collect(decryptRange(bad, header, key, t.length, 0, 2047)), pt.subarray(0, 2048), 'chunks the range does not touch are not read')
  })

  it('the browser module refuses a header the record does not describe and a wrong size', async () => {
    const pt = new Uint8Array(randomBytes(3000))
    const { ct, epochKey } = await encrypted(pt)
    const h = decodeHeader(ct)
    const enc = { scheme: 'atelier-stream-chacha20poly1305-v1', epoch: 2, chunkSize: 1024, plaintextSize: 3000, salt: b64u(h.salt), wrappedKey: b64u(h.wrappedKey) }
    assert.deepEqual(decryptWork(ct, epochKey, C, enc), pt)
    assert.throws(() => decryptWork(ct, epochKey, C, { ...enc, epoch: 3 }), { code: 'ERR_HEADER_MISMATCH' })
    assert.throws(() => decryptWork(ct, epochKey, C, { ...enc, plaintextSize: 2999 }), { code: 'ERR_SIZE_MISMATCH' })
    assert.throws(() => decryptWork(ct.subarray(0, ct.length - 1040 + 100), epochKey, C, enc), { code: 'ERR_DECRYPTION' })
  })
})
