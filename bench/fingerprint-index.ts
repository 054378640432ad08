/**
 * Fingerprints in the node (issue 12 D2): what they cost where they run.
 *
 * 1. The index: put rate of asset records carrying two fingerprints (pdq-256, iscc-image-64: two `fingerprints`
 *    entries each) next to the same records without, in the same run, alternating A/B/A/B so load drifts hit both;
 *    then `iterateFingerprints()` (what the near-duplicate search loads from), entries per second.
 * 2. The event loop at add time: how long the synchronous part of an image's fingerprints holds the JS thread (PDQ's
 *    downsample, DCT and dihedral hashes, and ISCC's 32×32 DCT, on the ≤ 512 px decode) next to the whole
 *    `computeFingerprints` (decode on libvips threads included), on generated 1600×1200 PNGs.
 *
 * Printed only (not wired into bench/run.ts). `node bench/fingerprint-index.ts [records=20000] [images=20]`
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { RecordIndex } from '../src/index/index.ts'
import { computeFingerprints } from '../src/fingerprints/claims.ts'
import { decodeImage, isccPixels, pdqOfImage } from '../src/fingerprints/image.ts'
import { isccImageCode } from '../src/fingerprints/iscc-image.ts'
import { makeAsset, fakeDid } from '../test/index/fixtures.ts'
import { png, structuredImage } from '../test/fingerprints/generated.ts'
import type { ValidRecord } from '../src/records/types.ts'

const RECORDS = Number(process.argv[2] ?? 20_000)
const IMAGES = Number(process.argv[3] ?? 20)
const BATCH = 512

function records (n: number, withFingerprints: boolean, seed: number): ValidRecord[] {
  const authors = Array.from({ length: 100 }, () => fakeDid())
  return Array.from({ length: n }, (_, i) => makeAsset({
    author: authors[i % authors.length],
    time: Date.UTC(2025, 0, 1) + seed * 1e7 + i,
    title: `work ${i}`,
    ...(withFingerprints
      ? { fingerprints: [{ alg: 'pdq-256', bits: 256, code: randomBytes(32).toString('hex'), quality: 80 }, { alg: 'iscc-image-64', bits: 64, code: 'ISCC:EEA4ADZP6A4JHHZ4' }] }
      : {})
  }))
}

async function putRate (dir: string, name: string, rs: ValidRecord[]): Promise<{ rate: number, index: RecordIndex }> {
  const index = new RecordIndex({ path: join(dir, name) })
  await index.open()
  const t = performance.now()
  for (let i = 0; i < rs.length; i += BATCH) await index.put(rs.slice(i, i + BATCH))
  return { rate: rs.length / ((performance.now() - t) / 1000), index }
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]
const ms = (x: number): string => x.toFixed(1)

const dir = await mkdtemp(join(tmpdir(), 'atelier-bench-fp-index-'))
try {
  const rates: Record<'with' | 'without', number[]> = { with: [], without: [] }
  let iterated = { entries: 0, ms: 0 }
  for (let round = 0; round < 2; round++) {
    for (const kind of ['with', 'without'] as const) {
      const { rate, index } = await putRate(dir, `${kind}-${round}`, records(RECORDS, kind === 'with', round))
      rates[kind].push(rate)
      if (kind === 'with' && round === 1) {
        const t = performance.now()
        let n = 0
        for await (const _ of index.iterateFingerprints()) n++
        iterated = { entries: n, ms: performance.now() - t }
      }
      await index.close()
    }
  }
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
  console.log(`index put, ${RECORDS} asset records in batches of ${BATCH}, two rounds each, alternating:`)
  console.log(`  with 2 fingerprints: ${rates.with.map(Math.round).join(', ')} records/s; without: ${rates.without.map(Math.round).join(', ')} records/s; ratio ${(avg(rates.with) / avg(rates.without)).toFixed(2)}x`)
  console.log(`  iterateFingerprints: ${iterated.entries} entries in ${Math.round(iterated.ms)} ms = ${Math.round(iterated.entries / (iterated.ms / 1000))} entries/s`)

  const images = await Promise.all(Array.from({ length: IMAGES }, async (_, i) => await png(structuredImage(100 + i, 1600, 1200))))
  const syncMs: number[] = []
  const wallMs: number[] = []
  for (const bytes of images) {
    const img = await decodeImage(bytes)
    const pixels = await isccPixels(img) // its resize runs in libvips, off the JS thread
    let t = performance.now()
    pdqOfImage(img)
    isccImageCode(pixels)
    syncMs.push(performance.now() - t)
    t = performance.now()
    await computeFingerprints(bytes, 'image')
    wallMs.push(performance.now() - t)
  }
  console.log(`image fingerprints at add time, ${IMAGES} generated 1600×1200 PNGs (decoded to ≤ 512 px):`)
  console.log(`  JS thread held (PDQ + ISCC hashing): p50 ${ms(pct(syncMs, 0.5))} ms, max ${ms(Math.max(...syncMs))} ms`)
  console.log(`  whole computeFingerprints (decode included): p50 ${ms(pct(wallMs, 0.5))} ms, max ${ms(Math.max(...wallMs))} ms; held share ${(pct(syncMs, 0.5) / pct(wallMs, 0.5)).toFixed(2)}`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
