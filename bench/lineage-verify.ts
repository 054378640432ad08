/**
 * Provenance verification benchmark: the time of a full report (`verifyProvenance`) over a depth-20 lineage of
 * real signed records, each derivation licensed by another author, with each asset's content (16 KiB, four raw
 * leaves under a dag-pb root) held and re-hashed.
 *
 *   node bench/lineage-verify.ts [--depth N] [--components N] [--runs N] [--filler N]
 *
 * `--components` adds that many extra componentOf parents (leaves) to every asset of the chain, so the walk is
 * wider than a chain; `--filler` indexes that many unrelated records first, so queries run on a fuller index.
 * Records are kept in memory (a Map standing in for the block store); the index is a real RecordIndex under
 * os.tmpdir(), removed at the end.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { NotFoundError } from '../src/errors.ts'
import { nativeCrypto } from '../src/identity/ed25519-native.ts'
import { RecordIndex } from '../src/index/index.ts'
import { verifyProvenance } from '../src/lineage/verify.ts'
import { createVerifyView } from '../src/lineage/verify-view.ts'
import { createSigner, issueRecord } from '../src/records/index.ts'
import type { Ingredient, LicenseTerms, Signer, ValidRecord } from '../src/records/types.ts'
import { importFile } from '../src/store/importer.ts'
import { percentile } from './util.ts'

export interface VerifyBenchOptions {
  /** ancestors above the verified asset. @default 20 */
  depth?: number
  /** extra componentOf parents per asset of the chain. @default 1 */
  components?: number
  /** reports timed. @default 50 */
  runs?: number
  /** unrelated records indexed first. @default 10000 */
  filler?: number
}

export interface VerifyBenchResult {
  depth: number
  records: number
  findings: number
  verdict: string
  runs: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

const TERMS: LicenseTerms = {
  commercialUse: true,
  commercialAttribution: true,
  derivativesAllowed: true,
  derivativesAttribution: true,
  derivativesApproval: false,
  derivativesReciprocal: false,
  commercialRevShare: 500,
  aiTraining: 'allowed'
}


const round = (n: number): number => Number(n.toFixed(2))

export async function benchVerify (options: VerifyBenchOptions = {}): Promise<VerifyBenchResult> {
  const depth = options.depth ?? 20
  const components = options.components ?? 1
  const runs = options.runs ?? 50
  const filler = options.filler ?? 10_000
  const dir = await mkdtemp(join(tmpdir(), 'atelier-bench-verify-'))
  const index = new RecordIndex({ path: join(dir, 'index') })
  await index.open()
  try {
    const records = new Map<string, Uint8Array>()
    const blocks = new Map<string, Uint8Array>()
    const signers: Signer[] = Array.from({ length: 4 }, () => createSigner(randomBytes(32), nativeCrypto))
    let time = Date.UTC(2025, 0, 1)
    const issue = <K extends 'asset' | 'license'>(kind: K, subject: any, signer: Signer): ValidRecord<K> => {
      time += 60_000
      const r = issueRecord(kind, subject, { signer, crypto: nativeCrypto, validFrom: new Date(time) })
      records.set(r.cid, r.bytes)
      return r
    }
    const content = async (): Promise<{ cid: string, size: number }> => {
      const bytes = randomBytes(16 * 1024)
      const { cid, size } = await importFile((async function * () { yield bytes })(), async (c, b) => { blocks.set(c.toString(), b.slice()) }, { chunkSize: 4096 })
      return { cid: cid.toString(), size }
    }
    const asset = async (signer: Signer, title: string, ingredients: Ingredient[]): Promise<ValidRecord<'asset'>> => {
      const c = await content()
      return issue('asset', {
        id: `ipfs://${c.cid}`,
        mediaType: 'application/octet-stream',
        byteSize: c.size,
        title,
        creators: [{ id: signer.did, share: 10000 }],
        ...(ingredients.length > 0 ? { ingredients } : {})
      }, signer)
    }

    // unrelated records, so index queries run over more than the lineage
    const fill: ValidRecord[] = []
    for (let i = 0; i < filler; i++) {
      fill.push(issue('asset', { id: `ipfs://${(await content()).cid}`, mediaType: 'image/png', byteSize: 16384, title: `filler ${i}`, creators: [{ id: signers[i % 4].did, share: 10000 }] }, signers[i % 4]))
      if (fill.length === 500) { await index.put(fill.splice(0)) }
    }
    await index.put(fill)

    const lineage: ValidRecord[] = []
    let parent: ValidRecord<'asset'> | undefined
    for (let level = depth; level >= 0; level--) {
      const signer = signers[level % signers.length]
      const ingredients: Ingredient[] = []
      if (parent != null) ingredients.push({ relationship: 'parentOf', record: parent.cid })
      for (let k = 0; k < components; k++) {
        const part = await asset(signers[(level + 1 + k) % signers.length], `component ${level}.${k}`, [])
        lineage.push(part, issue('license', { asset: part.cid, terms: TERMS, royaltyPolicy: 'LAP' }, signers[(level + 1 + k) % signers.length]))
        ingredients.push({ relationship: 'componentOf', record: part.cid })
      }
      const a = await asset(signer, `level ${level}`, ingredients)
      lineage.push(a, issue('license', { asset: a.cid, terms: TERMS, royaltyPolicy: 'LAP' }, signer))
      parent = a
    }
    await index.put(lineage)
    const leaf = parent as ValidRecord<'asset'>

    const view = createVerifyView({
      index,
      store: {
        async getRecord (cid) {
          const b = records.get(cid)
          if (b == null) throw new NotFoundError(cid)
          return b
        },
        async getBlock (cid) {
          const b = blocks.get(cid)
          if (b == null) throw new NotFoundError(cid)
          return b
        }
      },
      crypto: nativeCrypto
    })
    const first = await verifyProvenance(view, leaf.cid, { depth })
    for (let i = 0; i < 5; i++) await verifyProvenance(view, leaf.cid, { depth })
    const times: number[] = []
    for (let i = 0; i < runs; i++) {
      const t = performance.now()
      await verifyProvenance(view, leaf.cid, { depth })
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    return {
      depth,
      records: first.records.length,
      findings: first.findings.length,
      verdict: first.verdict,
      runs,
      p50Ms: round(percentile(times, 0.5)),
      p99Ms: round(percentile(times, 0.99)),
      maxMs: round(times[times.length - 1])
    }
  } finally {
    await index.close()
    await rm(dir, { recursive: true, force: true })
  }
}

export function toMarkdown (r: VerifyBenchResult): string {
  return [
    '| measure | value |',
    '|---|---|',
    `| provenance report, depth ${r.depth} (${r.records} records, ${r.findings} findings, verdict ${r.verdict}), p50 over ${r.runs} runs | ${r.p50Ms} ms |`,
    `| provenance report, p99 | ${r.p99Ms} ms |`,
    `| provenance report, max | ${r.maxMs} ms |`
  ].join('\n')
}

if (process.argv[1] != null && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { depth: { type: 'string' }, components: { type: 'string' }, runs: { type: 'string' }, filler: { type: 'string' } }
  })
  const result = await benchVerify({
    depth: values.depth != null ? Number(values.depth) : undefined,
    components: values.components != null ? Number(values.components) : undefined,
    runs: values.runs != null ? Number(values.runs) : undefined,
    filler: values.filler != null ? Number(values.filler) : undefined
  })
  process.stdout.write(toMarkdown(result) + '\n')
}
