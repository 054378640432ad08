/**
 * The off-loop sealer of large uploads (src/private/seal-offload.ts) gives exactly encryptStream's bytes — the fixed
 * vectors' construction — below, at and past the point where it hands chunks to a worker thread, for sources cut in
 * irregular pieces, both while that thread is still loading (batches sealed inline, then by the thread once it has
 * loaded) and once it has; a consumer that stops early leaves nothing that holds the process open.
 */
import { before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { encryptStream } from '../../src/private/content-cipher.ts'
import { newWork } from '../../src/private/content-header.ts'
import { BATCH_BYTES, encryptStreamRecycled, startSealer } from '../../src/private/seal-offload.ts'

const C = 'bagaaieraxbk5shnqdpbe6gdp4ddkwnfufxllsyd3zjlisimhkqnivkl7yvoq'
const CHUNK = 1024
/** chunks per batch: the first batch is sealed inline, the rest by the worker */
const PER = BATCH_BYTES / CHUNK

/** Copy each piece as it comes, as the store's importer does (pieces are reused after the next pull) */
async function collect (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const p of source) parts.push(Buffer.from(p))
  return Buffer.concat(parts)
}

async function * dribble (b: Uint8Array, seed = 11): AsyncGenerator<Uint8Array> {
  let at = 0
  let step = seed
  while (at < b.length) {
    step = (step * 1103515245 + 12345) % 3001 + 1
    yield b.subarray(at, at + step)
    at += step
  }
}

async function sameAsEncryptStream (size: number): Promise<void> {
  const pt = new Uint8Array(randomBytes(size))
  const { workKey, header } = newWork(new Uint8Array(randomBytes(32)), C, 1, CHUNK)
  const expected = await collect(encryptStream(dribble(pt), workKey, header))
  const result = { plaintextBytes: -1 }
  const got = await collect(encryptStreamRecycled(dribble(pt), workKey, header, result))
  assert.equal(got.length, expected.length)
  assert.ok(got.equals(expected), 'identical ciphertext')
  assert.equal(result.plaintextBytes, size)
}

describe('sealing while the sealing thread loads', () => {
  // this runs first in this file's process, so the thread starts cold here: the work's first batches are sealed
  // inline while it loads, the rest by the thread (the source slows down until the thread has loaded)
  it('a work started on a cold thread: the same bytes as encryptStream', async () => {
    const size = CHUNK * PER * 12 + 5
    const pt = new Uint8Array(randomBytes(size))
    const { workKey, header } = newWork(new Uint8Array(randomBytes(32)), C, 1, CHUNK)
    const expected = await collect(encryptStream(dribble(pt), workKey, header))
    let loaded = false
    const starting = startSealer().then(() => { loaded = true })
    let loadedAtStart: boolean | undefined
    const slow = async function * (): AsyncGenerator<Uint8Array> {
      let at = 0
      loadedAtStart = loaded
      for await (const p of dribble(pt)) {
        at += p.length
        // the thread loads while the first batches go by, and has loaded before the last ones
        if (!loaded && at > CHUNK * PER * 3) await starting
        yield p
      }
    }
    const got = await collect(encryptStreamRecycled(slow(), workKey, header))
    assert.equal(loadedAtStart, false, 'the thread had not loaded when the work began')
    assert.equal(loaded, true)
    assert.ok(got.equals(expected), 'identical ciphertext')
  })
})

describe('sealing off the event loop', () => {
  before(async () => { await startSealer() })
  const sizes = [0, 1, CHUNK, CHUNK * PER, CHUNK * PER + 1, CHUNK * (PER + 1), CHUNK * PER * 2, CHUNK * PER * 5 + 17, CHUNK * PER * 9 + CHUNK * 3]
  for (const size of sizes) {
    it(`${size} bytes: the same bytes as encryptStream, and the same plaintext count`, async () => {
      await sameAsEncryptStream(size)
    })
  }

  it('a consumer that stops early ends the stream, and the sealing thread does not hold the process open', async () => {
    const { workKey, header } = newWork(new Uint8Array(randomBytes(32)), C, 1, CHUNK)
    const stream = encryptStreamRecycled(dribble(new Uint8Array(randomBytes(CHUNK * PER * 8))), workKey, header)
    let n = 0
    for await (const p of stream) { if (p.length > 0 && ++n === 4) break }
    assert.equal(n, 4)
    // this file's process would not exit with a worker still referenced; node:test's timeout would catch that
  })
})
