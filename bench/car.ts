/**
 * CAR export framing (issue 11 D6): the node's hand-written CARv1 framing (src/store/car.ts) against @ipld/car's
 * CarWriter, the library that would replace it, over the same blocks in memory, so only the framing is measured.
 * Both outputs are hashed and must be byte-identical. Two shapes, as `GET /ipfs/<cid>?format=car` exports them: a
 * file of 1 MiB raw blocks, and many small record blocks (~1.1 KB, as a collective's records).
 *
 *   node bench/car.ts [--file-mib N] [--records N] [--rounds N]     (defaults 256 / 100,000 / 3)
 *
 * Rounds alternate the two, so both see the same machine; the best round of each is reported with their ratio.
 */
import { createHash, randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { CarWriter } from '@ipld/car'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { encodeCarBlock, encodeCarHeader } from '../src/store/car.ts'

interface Block { cid: CID, bytes: Uint8Array }

export interface CarShapeResult {
  label: string
  blocks: number
  bytes: number
  /** best round, MiB/s of CAR output */
  ours: number
  library: number
}

async function makeBlocks (count: number, size: number): Promise<Block[]> {
  const out: Block[] = []
  for (let i = 0; i < count; i++) {
    const bytes = new Uint8Array(randomBytes(size))
    out.push({ cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes })
  }
  return out
}

/** The node's framing: the header, then each block's prefix and bytes, as content-store.ts streams them */
async function ours (blocks: Block[]): Promise<{ bytes: number, digest: string }> {
  const hash = createHash('sha256')
  let n = 0
  const header = encodeCarHeader(blocks[0].cid)
  hash.update(header)
  n += header.byteLength
  for (const b of blocks) {
    for (const part of encodeCarBlock(b.cid, b.bytes)) {
      hash.update(part)
      n += part.byteLength
    }
    // a consumer takes each block in a later turn, as an HTTP response does
    if ((n & 0xff) === 0) await Promise.resolve()
  }
  return { bytes: n, digest: hash.digest('hex') }
}

/** @ipld/car: CarWriter.create with one root; blocks put one by one while its output is read */
async function library (blocks: Block[]): Promise<{ bytes: number, digest: string }> {
  const { writer, out } = CarWriter.create([blocks[0].cid])
  const hash = createHash('sha256')
  let n = 0
  const reading = (async () => {
    for await (const part of out) {
      hash.update(part)
      n += part.byteLength
    }
  })()
  for (const b of blocks) await writer.put(b)
  await writer.close()
  await reading
  return { bytes: n, digest: hash.digest('hex') }
}

async function shape (label: string, blocks: Block[], rounds: number): Promise<CarShapeResult> {
  let best = { ours: 0, library: 0 }
  let size = 0
  for (let r = 0; r < rounds; r++) {
    let t = performance.now()
    const a = await ours(blocks)
    const oursMiBps = a.bytes / 1024 / 1024 / ((performance.now() - t) / 1000)
    t = performance.now()
    const b = await library(blocks)
    const libraryMiBps = b.bytes / 1024 / 1024 / ((performance.now() - t) / 1000)
    if (a.digest !== b.digest || a.bytes !== b.bytes) throw new Error(`${label}: the two CARs differ (${a.bytes} / ${b.bytes} bytes)`)
    size = a.bytes
    best = { ours: Math.max(best.ours, oursMiBps), library: Math.max(best.library, libraryMiBps) }
  }
  return { label, blocks: blocks.length, bytes: size, ...best }
}

export async function benchCar (options: { fileMiB?: number, records?: number, rounds?: number } = {}): Promise<CarShapeResult[]> {
  const rounds = options.rounds ?? 3
  const file = await makeBlocks(options.fileMiB ?? 256, 1024 * 1024)
  const records = await makeBlocks(options.records ?? 100_000, 1100)
  return [
    await shape(`a file of ${file.length} blocks of 1 MiB`, file, rounds),
    await shape(`${records.length.toLocaleString('en')} record-sized blocks (1,100 B)`, records, rounds)
  ]
}

export function carTable (results: CarShapeResult[]): string {
  return [
    '| CAR of | hand-written framing (src/store/car.ts) | @ipld/car CarWriter, same run | ratio |',
    '|---|---|---|---|',
    ...results.map(r => `| ${r.label}, ${(r.bytes / 1e6).toFixed(1)} MB | ${r.ours.toFixed(0)} MiB/s | ${r.library.toFixed(0)} MiB/s | ${(r.ours / r.library).toFixed(2)}× |`)
  ].join('\n')
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { 'file-mib': { type: 'string' }, records: { type: 'string' }, rounds: { type: 'string' } } })
  const results = await benchCar({
    fileMiB: values['file-mib'] != null ? Number(values['file-mib']) : undefined,
    records: values.records != null ? Number(values.records) : undefined,
    rounds: values.rounds != null ? Number(values.rounds) : undefined
  })
  console.log(carTable(results))
}
