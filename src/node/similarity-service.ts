/**
 * SimilarityService: the node's near-duplicate search and its unattributed-copy alerts (issue 12 D3–D5).
 *
 * - Every asset record's claimed fingerprints are searchable (loaded from the index's `fingerprints` entries at
 *   start, then kept current from record events). For this node's own images, their turns (PDQ and ISCC of the
 *   eight rotations and flips, protocols/fingerprints.md §6) are computed from the held bytes once, kept in the node
 *   state by content CID, and searchable too, so a turned or mirrored copy is met from the side that holds the bytes.
 * - `unattributed(cid)`: the earlier look-alikes by other authors a work does not acknowledge (the provenance
 *   report's `possible.unattributed_derivative`).
 * - Alerts: later look-alikes of this node's own works. Candidates are found when either record of a pair arrives
 *   (so arrival order does not matter) and judged again when read (a grant or a revocation since counts).
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { PDQ_VARIANTS } from '../fingerprints/index.ts'
import type { ImageMatchCodes } from '../fingerprints/index.ts'
import { PairJudge, SimilarWorks, codesOfBytes, codesOfClaims, searchKeys, withTurns, MIN_PDQ_QUALITY } from '../similarity/index.ts'
import type { HammingSearchFactory, PairView, SimilarWork, UnattributedPair, WorkCodes } from '../similarity/index.ts'
import type { RecordSummary } from '../index/types.ts'
import type { AssetSubject, ValidRecord } from '../records/types.ts'

/** A fingerprint entry of the index */
export interface IndexedCode {
  cid: string
  alg: string
  code: Uint8Array
  quality?: number
}

/** The turns of a held image (ImageCodes with every dihedral field, and its straightened codes where it is tilted) */
export type Turns = ImageMatchCodes

/** Turns computed from bytes this node holds, kept by content CID (not derivable from records: node state) */
export interface TurnStore {
  get(content: string): Promise<Turns | undefined>
  put(content: string, turns: Turns): Promise<void>
  entries(): AsyncIterable<[string, Turns]>
}

export interface SimilarityComponents {
  view: PairView
  search: HammingSearchFactory
  /** every fingerprint entry of the index */
  fingerprints: () => AsyncIterable<IndexedCode>
  /** asset records of a content CID */
  assetsOf: (content: string) => Promise<RecordSummary[]>
  /** this node's own asset records */
  ownAssets: () => AsyncIterable<string>
  turns: TurnStore
  /** the turns of a held image, computed from its bytes; undefined when not held or not an image */
  computeTurns: (content: string, byteSize?: number) => Promise<Turns | undefined>
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

/** Most alert candidates kept; the oldest go first past it (each is a few hundred bytes) */
export const MAX_ALERTS = 10_000

/** The search keys of the turns alone (the work as it is comes from its record's entries) */
function turnKeys (t: Turns): ReturnType<typeof searchKeys> {
  const image: NonNullable<WorkCodes['image']> = { pdq: { hash: '', quality: t.pdq.quality, dihedral: t.pdq.dihedral }, isccDihedral: t.isccDihedral }
  if (t.straightened != null) image.straightened = t.straightened
  return searchKeys({ image }, MIN_PDQ_QUALITY)
    .filter(k => k.variant != null)
}

export class SimilarityService extends EventEmitter<SimilarityEvents> {
  private readonly c: SimilarityComponents
  private works: SimilarWorks
  private readonly candidates = new Map<string, UnattributedPair>()
  /** the load, then record events in arrival order, one at a time (an own image's turns are a decode) */
  private queue: Promise<void> = Promise.resolve()

  constructor (components: SimilarityComponents) {
    super()
    this.c = components
    this.works = this.fresh()
  }

  private fresh (): SimilarWorks {
    return new SimilarWorks({ search: this.c.search, codesOf: async (cid) => await this.codesOf(cid) })
  }

  /**
   * Load every indexed fingerprint and the turns kept (awaited), then look for look-alikes of the node's own works
   * (in the background: each own image without turns costs a decode). Record events that come meanwhile wait for
   * the load in the same queue, so none is lost and none is searched against a half-loaded index.
   */
  async start (): Promise<void> {
    const load = this.queue.then(async () => { await this.load() })
    this.queue = load.then(async () => { await this.scanOwn() }).catch(err => { this.c.logger.warn({ err }, 'similarity: the look at the node\'s own works stopped') })
    await load
  }

  private async load (): Promise<void> {
    const started = Date.now()
    let entries = 0
    for await (const e of this.c.fingerprints()) {
      this.works.addKeys(e.cid, [e])
      entries++
    }
    for await (const [content, turns] of this.c.turns.entries()) {
      for (const s of await this.c.assetsOf(content)) this.works.addKeys(s.cid, turnKeys(turns))
    }
    this.c.logger.info({ entries, codes: this.works.size, ms: Date.now() - started }, 'fingerprints loaded for the near-duplicate search')
  }

  private async scanOwn (): Promise<void> {
    for await (const cid of this.c.ownAssets()) {
      await this.ensureTurns(cid)
      await this.findCandidates(cid, false)
    }
  }

  /** Drop everything (the index was rebuilt) and load again */
  async reset (): Promise<void> {
    await this.idle()
    this.works = this.fresh()
    this.candidates.clear()
    await this.start()
  }

  /** A work's codes: its record's claims, with the turns this node computed for its content */
  async codesOf (cid: string): Promise<WorkCodes | undefined> {
    const credential = await this.c.view.record(cid)
    if (credential == null || credential.type[1] !== 'AssetRecord') return undefined
    const subject = credential.credentialSubject as AssetSubject
    const codes = codesOfClaims(subject.fingerprints)
    return withTurns(codes, await this.c.turns.get(subject.id.replace(/^ipfs:\/\//, '')))
  }

  /** Compute and keep the turns of a held image once (a decode); its codes are then searched with them too */
  private async ensureTurns (cid: string): Promise<void> {
    const credential = await this.c.view.record(cid)
    const subject = credential?.credentialSubject as AssetSubject | undefined
    if (subject?.fingerprints?.some(f => f.alg === 'pdq-256' || f.alg === 'iscc-image-64') !== true) return
    const content = subject.id.replace(/^ipfs:\/\//, '')
    if (await this.c.turns.get(content) != null) return
    const turns = await this.c.computeTurns(content, subject.byteSize)
    if (turns == null) return
    await this.c.turns.put(content, turns)
    this.works.addKeys(cid, turnKeys(turns))
  }

  /** A record was counted: an asset with codes becomes searchable, and is looked at against the rest */
  readonly onRecord = ({ record }: { record: ValidRecord }): void => {
    if (record.kind !== 'asset') return
    const subject = (record as ValidRecord<'asset'>).credential.credentialSubject
    if (subject.fingerprints == null || subject.fingerprints.length === 0) return
    this.queue = this.queue.then(async () => {
      const codes = await this.codesOf(record.cid)
      if (codes == null) return
      this.works.add(record.cid, codes)
      if (record.author === this.c.did) await this.ensureTurns(record.cid)
      await this.findCandidates(record.cid, true)
    }).catch(err => { this.c.logger.warn({ err, cid: record.cid }, 'similarity: a record was not added to the near-duplicate search') })
  }

  readonly onRetired = ({ record }: { record: ValidRecord }): void => {
    if (record.kind !== 'asset') return
    this.queue = this.queue.then(() => {
      this.works.remove(record.cid)
      for (const [key, p] of this.candidates) if (p.later === record.cid || p.earlier === record.cid) this.candidates.delete(key)
    })
  }

  /** Settled: every record event so far has been searched and judged (tests, shutdown) */
  async idle (): Promise<void> { await this.queue }

  /** Pairs of `cid` and its look-alikes where this node's own work is the earlier one: alert candidates */
  private async findCandidates (cid: string, announce: boolean): Promise<void> {
    for (const pair of await this.pairsOf(cid)) {
      if (pair.earlierAuthor !== this.c.did || pair.laterAuthor === this.c.did) continue
      const key = pair.earlier + '\0' + pair.later
      if (this.candidates.has(key)) continue
      if (this.candidates.size >= MAX_ALERTS) this.candidates.delete(this.candidates.keys().next().value as string)
      this.candidates.set(key, pair)
      this.c.logger.info({ later: pair.later, earlier: pair.earlier, alg: pair.alg, distance: pair.distance }, 'a later look-alike of one of this node\'s works, with no lineage, license or grant')
      if (announce) this.emit('alert', pair)
    }
  }

  private async pairsOf (cid: string): Promise<UnattributedPair[]> {
    // the querying side's turns, where its bytes are here (computed once, then kept)
    await this.ensureTurns(cid)
    const codes = await this.codesOf(cid)
    if (codes == null) return []
    const judge = new PairJudge(this.c.view)
    const out: UnattributedPair[] = []
    for (const match of (await this.works.query({ codes, exclude: cid })).works) {
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
  async similar (q: { record?: string, bytes?: Uint8Array, mediaType?: string, codes?: WorkCodes, radius?: number, limit?: number }): Promise<{ items: SimilarResult[], truncated: boolean }> {
    let codes: WorkCodes = q.codes ?? {}
    if (q.record != null) codes = await this.codesOf(q.record) ?? {}
    else if (q.bytes != null) codes = await codesOfBytes(q.bytes, q.mediaType ?? 'application/octet-stream')
    const answer = await this.works.query({ codes, radius: q.radius, limit: q.limit, exclude: q.record })
    const items = await Promise.all(answer.works.map(async (w) => {
      const s = await this.c.view.summary(w.cid)
      const r: SimilarResult = { ...w }
      if (s?.title != null) r.title = s.title
      if (s != null) { r.author = s.author; r.time = s.time }
      if (s?.content != null) r.content = s.content
      return r
    }))
    return { items, truncated: answer.truncated }
  }

  /** Later look-alikes of this node's works, judged now, newest first */
  async alerts (): Promise<UnattributedPair[]> {
    const judge = new PairJudge(this.c.view)
    const out: UnattributedPair[] = []
    for (const p of this.candidates.values()) {
      const match: SimilarWork = { cid: p.later, alg: p.alg, distance: p.distance }
      if (p.variant != null) match.variant = p.variant
      if (p.similarity != null) match.similarity = p.similarity
      const still = await judge.judge(p.earlier, match)
      if (still != null) out.push(still)
    }
    return out.sort((a, b) => b.laterTime - a.laterTime || (a.later < b.later ? -1 : 1))
  }
}

/**
 * What the turns of a held image hold: 2 adds the straightened codes of a picture tilted inside its frame. Turns
 * kept by an older release read as absent, so the node's own images get them computed again (one decode each).
 */
export const TURNS_VERSION = 2

/** The turn store over a sublevel of the node state: content CID → JSON of the turns */
export function turnStore (sub: { get(key: string): Promise<string | undefined>, put(key: string, value: string): Promise<void>, iterator(): AsyncIterable<[string, string]> }): TurnStore {
  const known = new Set<string>(PDQ_VARIANTS)
  const decode = (json: string): Turns | undefined => {
    const { v, ...t } = JSON.parse(json) as Turns & { v?: number }
    if (v !== TURNS_VERSION) return undefined
    // only the eight variants' fields are trusted back (the store is local, but a hand-edited one must not crash)
    for (const k of Object.keys(t.pdq.dihedral ?? {})) if (!known.has(k)) delete (t.pdq.dihedral as Record<string, string>)[k]
    return t
  }
  return {
    async get (content) {
      const v = await sub.get(content)
      return v == null ? undefined : decode(v)
    },
    async put (content, turns) { await sub.put(content, JSON.stringify({ ...turns, v: TURNS_VERSION })) },
    async * entries () {
      for await (const [k, v] of sub.iterator()) {
        const t = decode(v)
        if (t !== undefined) yield [k, t]
      }
    }
  }
}
