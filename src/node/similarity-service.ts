/**
 * SimilarityService: the node's near-duplicate search and its unattributed-copy alerts (issue 12 D3–D5).
 *
 * - Every asset record's claimed fingerprints are searchable (loaded from the index's `fingerprints` entries at
 *   start, then kept current from record events); for works whose bytes this node computed fingerprints of (its own
 *   adds), their PDQ rotations and flips are searchable too (kept in the node state, keyed by content CID), so a
 *   turned or mirrored copy is found from the side that holds the bytes.
 * - `unattributed(cid)`: the earlier look-alikes by other authors a work does not acknowledge (the provenance
 *   report's `possible.unattributed_derivative`).
 * - Alerts: later look-alikes of this node's own works. Candidates are found when either record of a pair arrives
 *   (so arrival order does not matter) and judged again when read (a grant or a revocation that came since counts).
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { PairJudge, SimilarWorks, codesOfClaims, codesOfBytes } from '../similarity/index.ts'
import type { FingerprintClaim, HammingSearchFactory, PairView, SimilarWork, UnattributedPair, WorkCode } from '../similarity/index.ts'
import type { RecordSummary } from '../index/types.ts'
import type { ValidRecord } from '../records/types.ts'

/** A fingerprint entry of the index */
export interface IndexedCode {
  cid: string
  /** the asset's content CID */
  content: string
  alg: string
  code: Uint8Array
  quality?: number
}

/** Codes computed from bytes this node holds, kept by content CID (not derivable from records: node state) */
export interface VariantStore {
  get(content: string): Promise<WorkCode[] | undefined>
  put(content: string, codes: WorkCode[]): Promise<void>
  entries(): AsyncIterable<[string, WorkCode[]]>
}

export interface SimilarityComponents {
  view: PairView
  search: HammingSearchFactory
  /** every fingerprint entry of the index */
  fingerprints: () => AsyncIterable<IndexedCode>
  /** asset records of a content CID (the index's content entries) */
  assetsOf: (content: string) => Promise<RecordSummary[]>
  /** this node's own asset records, newest first, a page at a time */
  ownAssets: () => AsyncIterable<string>
  variants: VariantStore
  did: string
  logger: Logger
}

/** A found work as the API shows it */
export interface SimilarResult extends SimilarWork {
  title?: string
  author?: string
  time?: number
  content?: string
}

export interface SimilarityEvents {
  /** a later look-alike of one of this node's works, found as its record arrived */
  alert: [UnattributedPair]
}

/** Most alert candidates kept; the oldest go first past it (a bound in bytes: each is a few hundred) */
export const MAX_ALERTS = 10_000

export class SimilarityService extends EventEmitter<SimilarityEvents> {
  private readonly c: SimilarityComponents
  private works: SimilarWorks
  private readonly candidates = new Map<string, UnattributedPair>()
  private loaded = false

  constructor (components: SimilarityComponents) {
    super()
    this.c = components
    this.works = this.fresh()
  }

  private fresh (): SimilarWorks {
    return new SimilarWorks({ search: this.c.search, codesOf: async (cid) => await this.codesOf(cid) })
  }

  /** Load every indexed fingerprint, then look for look-alikes of the node's own works */
  async start (): Promise<void> {
    const started = Date.now()
    let entries = 0
    for await (const e of this.c.fingerprints()) {
      this.works.addCodes(e.cid, [e.quality != null ? { alg: e.alg, code: e.code, quality: e.quality } : { alg: e.alg, code: e.code }])
      entries++
    }
    // rotations and flips of the works whose bytes this node fingerprinted (its own adds: few)
    for await (const [content, codes] of this.c.variants.entries()) {
      for (const s of await this.c.assetsOf(content)) this.works.addCodes(s.cid, codes)
    }
    this.loaded = true
    this.c.logger.info({ entries, codes: this.works.size, ms: Date.now() - started }, 'fingerprints loaded')
    for await (const cid of this.c.ownAssets()) await this.findCandidates(cid, false)
  }

  /** Drop everything (the index was rebuilt) and load again */
  async reset (): Promise<void> {
    this.works = this.fresh()
    this.candidates.clear()
    this.loaded = false
    await this.start()
  }

  /** The codes a record claims plus the variants computed here for its content */
  async codesOf (cid: string): Promise<WorkCode[] | undefined> {
    const credential = await this.c.view.record(cid)
    const subject = credential?.credentialSubject as { fingerprints?: FingerprintClaim[] } | undefined
    if (subject == null) return undefined
    return [...codesOfClaims(subject.fingerprints), ...await this.variantsOf(cid)]
  }

  private async variantsOf (cid: string): Promise<WorkCode[]> {
    const content = (await this.c.view.summary(cid))?.content
    return content == null ? [] : await this.c.variants.get(content) ?? []
  }

  /** Remember the codes computed from bytes this node added (their variants), before the record is ingested */
  async computed (content: string, codes: WorkCode[]): Promise<void> {
    const variants = codes.filter(c => c.variant != null)
    if (variants.length > 0) await this.c.variants.put(content, variants)
  }

  /** A record was counted: an asset with codes becomes searchable, and is looked at against the rest */
  readonly onRecord = ({ record }: { record: ValidRecord }): void => {
    if (record.kind !== 'asset' || !this.loaded) return
    this.codesOf(record.cid).then(async codes => {
      if (codes == null || codes.length === 0) return
      this.works.add(record.cid, codes)
      await this.findCandidates(record.cid, true)
    }).catch(err => { this.c.logger.warn({ err, cid: record.cid }, 'similarity: record not added') })
  }

  readonly onRetired = ({ record }: { record: ValidRecord }): void => {
    this.works.remove(record.cid)
    for (const [key, p] of this.candidates) if (p.later === record.cid || p.earlier === record.cid) this.candidates.delete(key)
  }

  /** Pairs of `cid` and its look-alikes where this node's own work is the earlier one: alert candidates */
  private async findCandidates (cid: string, announce: boolean): Promise<void> {
    for (const pair of await this.pairsOf(cid)) {
      if (pair.earlierAuthor !== this.c.did || pair.laterAuthor === this.c.did) continue
      const key = pair.earlier + '\0' + pair.later
      if (this.candidates.has(key)) continue
      if (this.candidates.size >= MAX_ALERTS) this.candidates.delete(this.candidates.keys().next().value as string)
      this.candidates.set(key, pair)
      if (announce) this.emit('alert', pair)
    }
  }

  private async pairsOf (cid: string): Promise<UnattributedPair[]> {
    const codes = await this.codesOf(cid)
    if (codes == null || codes.length === 0) return []
    const judge = new PairJudge(this.c.view)
    const out: UnattributedPair[] = []
    for (const match of await this.works.query({ codes, exclude: cid })) {
      const pair = await judge.judge(cid, match)
      if (pair != null) out.push(pair)
    }
    return out
  }

  /** Earlier look-alikes by others that `cid` does not acknowledge (the report's finding) */
  async unattributed (cid: string): Promise<UnattributedPair[]> {
    return (await this.pairsOf(cid)).filter(p => p.later === cid)
  }

  /** Works near a record, a file's bytes, or given codes */
  async similar (q: { record?: string, bytes?: Uint8Array, mediaType?: string, codes?: WorkCode[], radius?: number, limit?: number }): Promise<SimilarResult[]> {
    let codes = q.codes ?? []
    if (q.record != null) codes = await this.codesOf(q.record) ?? []
    else if (q.bytes != null) codes = await codesOfBytes(q.bytes, q.mediaType ?? 'application/octet-stream', { strict: true })
    const found = await this.works.query({ codes, radius: q.radius, limit: q.limit, exclude: q.record })
    return await Promise.all(found.map(async (w) => {
      const s = await this.c.view.summary(w.cid)
      const r: SimilarResult = { ...w }
      if (s?.title != null) r.title = s.title
      if (s != null) { r.author = s.author; r.time = s.time }
      if (s?.content != null) r.content = s.content
      return r
    }))
  }

  /** Later look-alikes of this node's works, judged now, newest first */
  async alerts (): Promise<UnattributedPair[]> {
    const judge = new PairJudge(this.c.view)
    const out: UnattributedPair[] = []
    for (const p of this.candidates.values()) {
      const still = await judge.judge(p.earlier, { cid: p.later, alg: p.alg, distance: p.distance, ...(p.variant != null ? { variant: p.variant } : {}) })
      if (still != null) out.push(still)
    }
    return out.sort((a, b) => b.laterTime - a.laterTime || (a.later < b.later ? -1 : 1))
  }
}

/** The variant store over a sublevel of the node state: content CID → JSON `[{ alg, code (hex), quality, variant }]` */
export function variantStore (sub: { get(key: string): Promise<string | undefined>, put(key: string, value: string): Promise<void>, iterator(): AsyncIterable<[string, string]> }): VariantStore {
  const decode = (json: string): WorkCode[] => (JSON.parse(json) as Array<{ alg: string, code: string, quality?: number, variant?: string }>)
    .map(c => ({ ...c, code: Uint8Array.from(Buffer.from(c.code, 'hex')) }))
  return {
    async get (content) {
      const v = await sub.get(content)
      return v == null ? undefined : decode(v)
    },
    async put (content, codes) {
      await sub.put(content, JSON.stringify(codes.map(c => ({ ...c, code: Buffer.from(c.code).toString('hex') }))))
    },
    async * entries () {
      for await (const [k, v] of sub.iterator()) yield [k, decode(v)]
    }
  }
}
