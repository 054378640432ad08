/**
 * Names benchmark: what showing names beside dids costs a list answer. An index holds P profiles (about two per
 * creator, one in ten revoked by its author) and A asset records by those creators; measured:
 * (a) the NameDirectory's first question (it lists every profile from the index),
 * (b) names for the authors of a page of 50 records, warm (what GET /v1/records adds to each page), against
 * (c) the page's own index query (what GET /v1/records costs before names); the ratio b/c is the figure to watch.
 *
 *   node bench/profiles.ts [--creators N] [--assets N] [--pages N]      (defaults 5,000 / 50,000 / 500)
 *
 * Records are signed (issueRecord, native crypto) so the directory reads real bodies. Data lives under
 * os.tmpdir() and is removed at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { RecordIndex } from '../src/index/index.ts'
import { createSigner, issueRecord } from '../src/records/index.ts'
import type { ValidRecord } from '../src/records/index.ts'
import { nativeCrypto } from '../src/identity/ed25519-native.ts'
import { NameDirectory } from '../src/profiles/name-directory.ts'
import { percentile, rng } from './util.ts'

const { values } = parseArgs({ options: { creators: { type: 'string' }, assets: { type: 'string' }, pages: { type: 'string' } } })
const CREATORS = Number(values.creators ?? 5000)
const ASSETS = Number(values.assets ?? 50_000)
const PAGES = Number(values.pages ?? 500)
const CONTENT = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

const dir = await mkdtemp(join(tmpdir(), 'atelier-bench-profiles-'))
const logger = pino({ level: 'silent' })
try {
  const index = new RecordIndex({ path: join(dir, 'index'), logger })
  await index.open()
  const random = rng(42)
  const signers = Array.from({ length: CREATORS }, (_, i) => {
    const seed = new Uint8Array(32)
    new DataView(seed.buffer).setUint32(0, i + 1)
    return createSigner(seed, nativeCrypto)
  })
  const base = Date.parse('2025-01-01T00:00:00Z')
  let batch: ValidRecord[] = []
  const flush = async (): Promise<void> => { await index.put(batch); batch = [] }
  let profiles = 0
  const started = performance.now()
  for (const [i, signer] of signers.entries()) {
    const own = 1 + Math.floor(random() * 3)
    for (let j = 0; j < own; j++) {
      const p = issueRecord('profile', { id: signer.did, name: `creator ${i} v${j}` }, { signer, crypto: nativeCrypto, validFrom: new Date(base + j * 1000) })
      batch.push(p)
      profiles++
      if (random() < 0.1) batch.push(issueRecord('revocation', { record: p.cid, effectiveFrom: '2025-02-01T00:00:00Z' }, { signer, crypto: nativeCrypto, validFrom: new Date(base + 5000) }))
    }
    if (batch.length >= 512) await flush()
  }
  for (let k = 0; k < ASSETS; k++) {
    const signer = signers[Math.floor(random() * CREATORS)]
    batch.push(issueRecord('asset', { id: `ipfs://${CONTENT}`, mediaType: 'text/plain', byteSize: 1, title: `work ${k}`, creators: [{ id: signer.did, share: 10000 }] },
      { signer, crypto: nativeCrypto, validFrom: new Date(base + 10_000 + k) }))
    if (batch.length >= 512) await flush()
  }
  await flush()
  console.log(`indexed ${profiles} profiles of ${CREATORS} creators and ${ASSETS} assets in ${Math.round(performance.now() - started)} ms`)

  const names = new NameDirectory({ index, logger, clock: () => Date.parse('2025-06-01T00:00:00Z') })
  let t = performance.now()
  await names.nameOf(signers[0].did)
  const loadMs = performance.now() - t

  // pages of 50 assets at random places in time, as a client paging /v1/records would see them
  const queryMs: number[] = []
  const namesMs: number[] = []
  const uncachedMs: number[] = []
  // answers not cached: every did resolved from the list, with the index read for its candidate's revocations
  const uncached = new NameDirectory({ index, logger, clock: () => Date.parse('2025-06-01T00:00:00Z') }, { maxCached: 0 })
  await uncached.nameOf(signers[0].did)
  for (let i = 0; i < PAGES; i++) {
    const since = base + 10_000 + Math.floor(random() * ASSETS)
    t = performance.now()
    const page = await index.query({ kind: 'asset', since, limit: 50, order: 'asc' })
    queryMs.push(performance.now() - t)
    t = performance.now()
    await names.namesOf(page.items.map(s => s.author))
    namesMs.push(performance.now() - t)
    t = performance.now()
    await uncached.namesOf(page.items.map(s => s.author))
    uncachedMs.push(performance.now() - t)
  }
  for (const list of [queryMs, namesMs, uncachedMs]) list.sort((a, b) => a - b)
  const q50 = percentile(queryMs, 0.5)
  const n50 = percentile(namesMs, 0.5)
  const u50 = percentile(uncachedMs, 0.5)
  console.log(`directory load (first question, ${profiles} profiles): ${loadMs.toFixed(0)} ms`)
  console.log(`page of 50 assets, index query: p50 ${q50.toFixed(2)} ms, p99 ${percentile(queryMs, 0.99).toFixed(2)} ms`)
  console.log(`names of its authors, cached answers: p50 ${n50.toFixed(3)} ms, p99 ${percentile(namesMs, 0.99).toFixed(3)} ms (${PAGES} pages)`)
  console.log(`names of its authors, nothing cached: p50 ${u50.toFixed(3)} ms, p99 ${percentile(uncachedMs, 0.99).toFixed(3)} ms`)
  console.log(`ratio names / query, p50: cached ${(n50 / q50).toFixed(3)}, uncached ${(u50 / q50).toFixed(3)}`)
  await index.close()
} finally {
  await rm(dir, { recursive: true, force: true })
}
