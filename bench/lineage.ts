/**
 * Lineage report benchmark (royalty part): the royalty split of an amount earned by an asset with 1,000 ancestors,
 * target ≤ 50 ms. Measured twice:
 *
 * - over a MemoryLineageView: the split itself (walk, license choice, cycle-safe ordering, exact apportionment);
 * - over the node's real view (createIndexLineageView: a Level index in a temp dir plus record bodies from a map
 *   standing in for the block store), which adds the index reads: per asset one `get`, one one-hop `lineage`, one
 *   license `query` and one revocation `query`, plus a record body read per asset and per license.
 *
 *   node bench/lineage.ts [--ancestors N] [--runs N]      (defaults 1,000 / 30)
 *
 * The graph: a chain of N ancestors (so the walk is N deep) where each asset also has up to two more parents among
 * the 50 before it (so there are many diamonds and paths), 1–3 creators each, one license each (LAP or LRP, 0.01–
 * 0.2 %), every tenth with splits. Records are generated, not signed: the reports read only the view.
 */
import { randomBytes } from 'node:crypto'
import { LinkDirectory } from '../src/node/link-directory.ts'
import { NotFoundError } from '../src/errors.ts'
import { FastFsBlockstore } from '../src/store/fs-blockstore.ts'
import { CID } from 'multiformats/cid'
import { silentLogger } from '../src/node/logger.ts'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { base58btc } from 'multiformats/bases/base58'
import { RecordIndex } from '../src/index/index.ts'
import { createIndexLineageView } from '../src/lineage/index-view.ts'
import { MemoryLineageView } from '../src/lineage/memory-view.ts'
import { splitRoyalties } from '../src/lineage/royalties.ts'
import type { LineageView } from '../src/lineage/view.ts'
import type { Credential, RecordKind, Relationship, SubjectByKind, ValidRecord } from '../src/records/types.ts'
import { rng, randomCid } from './util.ts'

export interface LineageBenchOptions {
  /** ancestors of the earning asset. @default 1000 */
  ancestors?: number
  /** measured splits per view (after 3 warm-up runs). @default 30 */
  runs?: number
  log?: (line: string) => void
}

export interface SplitTiming {
  runs: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

export interface LineageBenchResult {
  ancestors: number
  records: number
  payees: number
  memory: SplitTiming
  /** index scans for licenses and revocations */
  index: SplitTiming
  /** the node's view: licenses and revocations from its in-memory link directory; parsed records cached */
  node: SplitTiming
  /** cold, as on a daemon: a fresh view per split, the node's block files on disk */
  nodeColdDisk: SplitTiming
  /** one-off load of the link directory from the index, ms */
  directoryLoadMs: number
}

const RELATIONSHIPS: Relationship[] = ['parentOf', 'componentOf', 'inputTo']

/** xorshift32 with a mixed seed */


function did (): string {
  const bytes = new Uint8Array(34)
  bytes[0] = 0xed
  bytes[1] = 0x01
  bytes.set(randomBytes(32), 2)
  return `did:key:${base58btc.encode(bytes)}`
}

function record<K extends RecordKind> (kind: K, author: string, time: number, subject: SubjectByKind[K]): ValidRecord<K> {
  const iso = new Date(time).toISOString()
  const credential: Credential<K> = {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://atelier.works/ns/records/v1'],
    type: ['VerifiableCredential', kind[0].toUpperCase() + kind.slice(1) + 'Record'],
    issuer: author,
    validFrom: iso,
    credentialSchema: { id: `https://atelier.works/schemas/${kind}/1.json`, type: 'JsonSchema' },
    credentialSubject: subject,
    proof: {
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-jcs-2022',
      created: iso,
      verificationMethod: `${author}#${author.slice('did:key:'.length)}`,
      proofPurpose: 'assertionMethod',
      proofValue: 'z' + base58btc.encode(randomBytes(64)).slice(1)
    }
  }
  const bytes = new TextEncoder().encode(JSON.stringify(credential))
  return { cid: randomCid(0x0200), bytes, credential, kind, author, time }
}

/** Half to the author, half to a partner (all to the author when the partner is the author) */
function splitsOf (author: string, partner: string): Array<{ id: string, share: number }> {
  return partner === author ? [{ id: author, share: 10000 }] : [{ id: author, share: 5000 }, { id: partner, share: 5000 }]
}

/** The records of a lineage with `ancestors` ancestors above the returned root */
export function generateLineage (ancestors: number, seed = 1): { records: ValidRecord[], root: string } {
  const random = rng(seed)
  const people = Array.from({ length: 200 }, did)
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]
  const records: ValidRecord[] = []
  const assets: string[] = []
  let time = Date.UTC(2025, 0, 1)
  for (let i = 0; i <= ancestors; i++) {
    const who = [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(people)))]
    const shares = who.map(() => Math.floor(10000 / who.length))
    shares[0] += 10000 - shares.reduce((s, x) => s + x, 0)
    const parents = new Set<string>()
    if (i > 0) parents.add(assets[i - 1])
    for (let k = 0; k < 2 && i > 1; k++) if (random() < 0.6) parents.add(assets[Math.max(0, i - 1 - Math.floor(random() * 50))])
    const asset = record('asset', who[0], time++, {
      id: `ipfs://${randomCid(0x55)}`,
      mediaType: 'image/png',
      byteSize: 1000,
      title: `work ${i}`,
      creators: who.map((id, j) => ({ id, share: shares[j] })),
      ...(parents.size > 0 ? { ingredients: [...parents].map(p => ({ relationship: pick(RELATIONSHIPS), record: p })) } : {})
    })
    records.push(asset)
    assets.push(asset.cid)
    if (i < ancestors) {
      records.push(record('license', who[0], time++, {
        asset: asset.cid,
        terms: {
          commercialUse: true,
          commercialAttribution: true,
          derivativesAllowed: true,
          derivativesAttribution: true,
          derivativesApproval: false,
          derivativesReciprocal: false,
          commercialRevShare: 1 + Math.floor(random() * 20),
          aiTraining: 'notAllowed'
        },
        royaltyPolicy: random() < 0.5 ? 'LAP' : 'LRP',
        ...(i % 10 === 0 ? { splits: splitsOf(who[0], pick(people)) } : {})
      }))
    }
  }
  return { records, root: assets[assets.length - 1] }
}

function quantile (sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

/** Time `runs` splits; with a factory, each split gets a fresh view (nothing cached from the one before) */
async function time (viewOrFactory: LineageView | (() => LineageView), root: string, runs: number): Promise<{ timing: SplitTiming, payees: number }> {
  const viewFor = typeof viewOrFactory === 'function' ? viewOrFactory : () => viewOrFactory
  let payees = 0
  for (let i = 0; i < 3; i++) payees = (await splitRoyalties(viewFor(), root, { amount: 1_000_000_00, currency: 'EUR' })).payees.length
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const view = viewFor()
    const t = performance.now()
    await splitRoyalties(view, root, { amount: 1_000_000_00, currency: 'EUR' })
    ms.push(performance.now() - t)
  }
  ms.sort((a, b) => a - b)
  const round = (x: number): number => Math.round(x * 100) / 100
  return { timing: { runs, p50Ms: round(quantile(ms, 0.5)), p99Ms: round(quantile(ms, 0.99)), maxMs: round(ms[ms.length - 1]) }, payees }
}

/** Run the benchmark; the Level index lives in a temp dir removed at the end */
export async function benchLineage (options: LineageBenchOptions = {}): Promise<LineageBenchResult> {
  const ancestors = options.ancestors ?? 1000
  const runs = options.runs ?? 30
  const log = options.log ?? (() => {})
  const { records, root } = generateLineage(ancestors)
  log(`  ${records.length} records, ${ancestors} ancestors`)

  const memory = await time(new MemoryLineageView(records), root, runs)
  log(`  memory view: p50 ${memory.timing.p50Ms} ms, p99 ${memory.timing.p99Ms} ms`)

  const dir = await mkdtemp(join(tmpdir(), 'atelier-lineage-bench-'))
  const index = new RecordIndex({ path: join(dir, 'index') })
  try {
    await index.open()
    for (let i = 0; i < records.length; i += 256) await index.put(records.slice(i, i + 256))
    const bodies = new Map(records.map(r => [r.cid, r.bytes]))
    const store = {
      async getRecord (c: string) {
        const b = bodies.get(c)
        if (b == null) throw new NotFoundError(`no record ${c}`)
        return b
      }
    }
    const view = createIndexLineageView({ index, store })
    const indexed = await time(view, root, runs)
    log(`  index view: p50 ${indexed.timing.p50Ms} ms, p99 ${indexed.timing.p99Ms} ms`)
    // the node's own view: the same, with licenses and revocations looked up in its in-memory link directory
    const links = new LinkDirectory({ index, logger: silentLogger() })
    const loadStart = performance.now()
    await links.licensesOf(root)
    const directoryLoadMs = Math.round((performance.now() - loadStart) * 100) / 100
    const nodeView = createIndexLineageView({ index, store, links })
    const node = await time(nodeView, root, runs)
    log(`  node view: p50 ${node.timing.p50Ms} ms, p99 ${node.timing.p99Ms} ms (directory loaded in ${directoryLoadMs} ms)`)
    // as on a daemon: record bodies read from the node's block files on disk
    const blocks = new FastFsBlockstore(join(dir, 'blocks'))
    await blocks.open()
    for (const r of records) await blocks.put(CID.parse(r.cid), r.bytes)
    const disk = { getRecord: async (c: string) => await blocks.getBytes(CID.parse(c)) }
    const coldDisk = await time(() => createIndexLineageView({ index, store: disk, links }), root, runs)
    log(`  node view, cold: p50 ${coldDisk.timing.p50Ms} ms, p99 ${coldDisk.timing.p99Ms} ms`)
    return { ancestors, records: records.length, payees: memory.payees, memory: memory.timing, index: indexed.timing, node: node.timing, nodeColdDisk: coldDisk.timing, directoryLoadMs }
  } finally {
    await index.close()
    await rm(dir, { recursive: true, force: true })
  }
}

/** The result as a markdown section for docs/benchmarks.md */
export function toMarkdown (r: LineageBenchResult): string {
  return `Target: a royalty split over a ${r.ancestors.toLocaleString('en')}-ancestor graph in ≤ 50 ms.
${r.records.toLocaleString('en')} records (${r.ancestors.toLocaleString('en')} ancestors with many diamonds, a license each, LAP and LRP mixed);
${r.payees} payees; ${r.memory.runs} splits per view after 3 warm-up runs.

| view | p50 | p99 | max |
|---|---|---|---|
| in memory (the split alone) | ${r.memory.p50Ms} ms | ${r.memory.p99Ms} ms | ${r.memory.maxMs} ms |
| index only: a range scan per asset for licenses and per license for revocations | ${r.index.p50Ms} ms | ${r.index.p99Ms} ms | ${r.index.maxMs} ms |
| the node's view (index + in-memory license/revocation directory), repeated split, parsed records cached | ${r.node.p50Ms} ms | ${r.node.p99Ms} ms | ${r.node.maxMs} ms |
| **cold, as on a daemon**: a fresh view per split, nothing cached, record bodies from the index (block files on disk present) | ${r.nodeColdDisk.p50Ms} ms | ${r.nodeColdDisk.p99Ms} ms | ${r.nodeColdDisk.maxMs} ms |

Per asset the index-backed views read an index \`get\` and a one-hop \`lineage\`; the plain index view also runs two
range scans (licenses, their revocations), which the node's link directory answers from memory (loaded once from
the index in ${r.directoryLoadMs} ms here, then kept current from record events). Parsed record bodies are
content-addressed, so each view keeps the recent ones; the cold row starts every split with an empty cache and
reads record bodies from the index's body sublevel (one getMany per walk level) rather than one block file each.
`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { ancestors: { type: 'string' }, runs: { type: 'string' } } })
  const result = await benchLineage({
    ancestors: values.ancestors != null ? Number(values.ancestors) : undefined,
    runs: values.runs != null ? Number(values.runs) : undefined,
    log: (line) => { process.stderr.write(line + '\n') }
  })
  process.stdout.write(toMarkdown(result))
}
