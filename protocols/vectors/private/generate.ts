/**
 * Writes content.json: fixed inputs of an encrypted work (protocols/private-collectives.md §9) and every value the
 * construction derives from them. Run: ./node_modules/.bin/node protocols/vectors/private/generate.ts
 * The tests check src/private (native crypto) and web/src/private-content.ts (@noble/ciphers) against it.
 */
import { createHash, hkdfSync } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { encryptStream, chunkNonce, sealChunk } from '../../../src/private/content-cipher.ts'
import { HEADER_BYTES, TAG_BYTES, newWork, payloadKey, workKeyLabel } from '../../../src/private/content-header.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const fill = (n: number, f: (i: number) => number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => f(i))

async function vector (name: string, plaintext: Uint8Array): Promise<object> {
  const epochKey = fill(32, i => i)
  const workKey = fill(32, i => 0x40 + i)
  const salt = fill(32, i => 0xa0 + i)
  const collective = 'bagaaieraxbk5shnqdpbe6gdp4ddkwnfufxllsyd3zjlisimhkqnivkl7yvoq'
  const epoch = 3
  const chunkSize = 1024
  const { header } = newWork(epochKey, collective, epoch, chunkSize, { workKey, salt })
  const parts: Uint8Array[] = []
  for await (const p of encryptStream([plaintext], workKey, header)) parts.push(p)
  const ciphertext = Buffer.concat(parts)
  const body = ciphertext.subarray(HEADER_BYTES)
  const n = Math.max(1, Math.ceil(plaintext.length / chunkSize))
  const key = payloadKey(workKey, header.salt)
  const chunks = Array.from({ length: n }, (_, i) => {
    const sealed = sealChunk(key, header.bytes, i, i === n - 1, plaintext.subarray(i * chunkSize, (i + 1) * chunkSize))
    return { index: i, nonce: hex(chunkNonce(i, i === n - 1)), sealed: hex(sealed) }
  })
  if (hex(Buffer.concat([header.bytes, ...chunks.map(c => Buffer.from(c.sealed, 'hex'))])) !== hex(ciphertext)) throw new Error('the stream is not its chunks')
  if (chunks.reduce((n, c) => n + c.sealed.length / 2, 0) !== body.length) throw new Error('chunks do not add up')
  return {
    name,
    input: { epochKey: hex(epochKey), collective, epoch, workKey: hex(workKey), salt: hex(salt), chunkSize, plaintext: hex(plaintext) },
    workKeyLabel: hex(workKeyLabel(collective, epoch)),
    wrapKey: hex(new Uint8Array(hkdfSync('sha256', epochKey, salt, workKeyLabel(collective, epoch), 32))),
    wrappedKey: hex(header.wrappedKey),
    payloadKey: hex(payloadKey(workKey, salt)),
    header: hex(header.bytes),
    chunks,
    ciphertextBytes: ciphertext.length,
    tagBytes: TAG_BYTES,
    ciphertextSha256: createHash('sha256').update(ciphertext).digest('hex')
  }
}

const vectors = [
  await vector('three chunks, the last partial', fill(2100, i => i % 251)),
  await vector('two full chunks', fill(2048, i => (i * 7) % 256)),
  await vector('empty work', new Uint8Array(0))
]
await writeFile(new URL('./content.json', import.meta.url), JSON.stringify({
  description: 'Encrypted works, protocols/private-collectives.md §9: fixed keys and salt → wrap, payload key, header, every sealed chunk (nonce = 0^7 ‖ uint32be(i) ‖ final flag; aad = header).',
  vectors
}, null, 2) + '\n')
