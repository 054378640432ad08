/**
 * What the crash checks cost at scale (docs/durability.md): an index of N generated records (default 100,000),
 * then the start-up check after a crash (`checkBodies`: keys of bodies against summaries, held against counted)
 * and `atelier doctor`'s full comparison with a rebuild (every body validated, a scratch index built, every
 * entry compared). Run: node bench/reconcile.ts [records]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RecordIndex } from '../src/index/index.ts'
import { nativeCrypto } from '../src/identity/index.ts'
import { validateRecord } from '../src/records/index.ts'
import { generateRecords } from './ingest.ts'

const count = Number(process.argv[2] ?? 100_000)
const dir = await mkdtemp(join(tmpdir(), 'atelier-bench-reconcile-'))
try {
  let t = performance.now()
  const records = generateRecords(count)
  const signS = (performance.now() - t) / 1000
  const index = new RecordIndex({ path: join(dir, 'index') })
  await index.open()
  t = performance.now()
  for (let i = 0; i < records.length; i += 512) await index.put(records.slice(i, i + 512))
  const putS = (performance.now() - t) / 1000
  t = performance.now()
  const check = await index.checkBodies()
  const checkMs = performance.now() - t
  t = performance.now()
  const bytes = records.map(r => r.bytes)
  records.length = 0
  const cmp = await index.compareWithRebuild((async function * () {
    for await (const b of index.storedBodies()) yield validateRecord(b.bytes, { crypto: nativeCrypto })
  })())
  const compareS = (performance.now() - t) / 1000
  await index.close()
  console.log(`| records | start-up check (keys) | doctor: validate + rebuild beside + compare | problems |\n|---|---|---|---|\n` +
    `| ${check.bodies.toLocaleString('en')} | ${Math.round(checkMs)} ms | ${compareS.toFixed(1)} s | ${check.bodiesWithoutEntries.count + check.entriesWithoutBody.count + cmp.missing.count + cmp.extra.count + cmp.differ.count} |`)
  console.log(`(generated and signed in ${signS.toFixed(1)} s, indexed in ${putS.toFixed(1)} s; ${bytes.length} records)`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
