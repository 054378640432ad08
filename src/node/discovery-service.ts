/**
 * DiscoveryService: the node's "for you" ranking (issue 13), computed from what the node holds and nothing else.
 * Builds the discovery graph (src/discovery/) from the index at start, keeps it current from the record service's
 * events, adds look-alike edges and flags from the similarity service, and the node's private follows (a local
 * setting in the node state, never a record). Ranking reads only memory: it dials, sends and fetches nothing.
 */
import type { Logger } from 'pino'
import { DiscoveryGraph, E_FOLLOW, E_SIMILAR, NODE_COLLECTIVE, NODE_CREATOR } from '../discovery/graph.ts'
import { ingest, retire } from '../discovery/ingest.ts'
import type { IngestRecord } from '../discovery/ingest.ts'
import { rank } from '../discovery/rank.ts'
import type { RankOptions } from '../discovery/rank.ts'
import { words } from '../discovery/reasons.ts'
import type { Reason } from '../discovery/reasons.ts'
import type { RecordIndexApi, RecordSummary } from '../index/types.ts'
import type { RecordKind } from '../records/types.ts'
import type { StateSublevel } from './state.ts'

/** Kinds the graph is made of, in the order a rebuild reads them (revocations and removals after what they undo) */
const GRAPH_KINDS: RecordKind[] = ['charter', 'membership', 'asset', 'attestation', 'follow', 'grant', 'revocation']
const PAGE = 500
/** Look-alikes linked per work */
const SIMILAR_PER_WORK = 8
/** Most private follows kept */
export const MAX_PRIVATE_FOLLOWS = 10_000
const PRIVATE = 'private-follow:'

export interface DiscoveryComponents {
  index: Pick<RecordIndexApi, 'query' | 'body' | 'get'>
  did: string
  logger: Logger
  clock: () => number
  /** private follows: target → JSON time */
  privateFollows: StateSublevel
  /** names of dids (profiles) for the reasons' words */
  namesOf?: (dids: Iterable<string>) => Promise<Map<string, string>>
  similarity?: {
    similar: (q: { record: string, limit: number }) => Promise<{ items: Array<{ cid: string }> }>
    unattributed: (cid: string) => Promise<unknown[]>
  }
}

export interface DiscoverItem {
  /** the work's asset record CID */
  record: string
  title?: string
  author?: string
  authorName?: string
  time?: string
  score: number
  reasons: Array<Reason & { text: string }>
}

export interface DiscoverQuery { limit?: number, kind?: string, collective?: string }

export class DiscoveryService {
  readonly graph = new DiscoveryGraph()
  private readonly c: DiscoveryComponents
  /** look-alike lookups, one at a time after the load */
  private queue: Promise<void> = Promise.resolve()
  private stopped = false

  constructor (components: DiscoveryComponents) { this.c = components }

  /** Build the graph from the index and the private follows; look-alike edges follow in the background */
  async start (): Promise<void> {
    const assets: string[] = []
    for (const kind of GRAPH_KINDS) {
      let cursor: string | undefined
      do {
        const page = await this.c.index.query({ kind, order: 'asc', limit: PAGE, ...(cursor != null ? { cursor } : {}) })
        for (const s of page.items) {
          const r = await this.read(s)
          if (r != null) ingest(this.graph, r)
          if (kind === 'asset') assets.push(s.cid)
        }
        cursor = page.cursor ?? undefined
      } while (cursor != null && !this.stopped)
    }
    for await (const [target] of this.c.privateFollows.iterator()) this.followLocally(target)
    for (const cid of assets) this.enqueueSimilar(cid)
  }

  async stop (): Promise<void> { this.stopped = true; await this.queue }

  /** Resolves once every look-alike lookup so far is done (tests) */
  async idle (): Promise<void> { await this.queue }

  /** Drop everything and build again (after a reindex) */
  async reset (): Promise<void> { await this.queue; this.graph.clear(); await this.start() }

  readonly onRecord = ({ record }: { record: IngestRecord }): void => {
    ingest(this.graph, record)
    // look-alikes are found by a work's fingerprint claims: a work with none has no codes to search by (the
    // similarity service's codesOf is empty), and looking would cost two index reads and two parses per asset
    if (record.kind === 'asset' && hasFingerprints(record)) this.enqueueSimilar(record.cid)
  }

  readonly onRetired = ({ record }: { record: { cid: string } }): void => { retire(this.graph, record.cid) }

  private async read (s: RecordSummary): Promise<IngestRecord | undefined> {
    const body = await this.c.index.body(s.cid)
    if (body == null) return undefined
    const credential = JSON.parse(new TextDecoder().decode(body)) as IngestRecord['credential']
    return { cid: s.cid, kind: s.kind, author: s.author, time: s.time, collective: s.collective ?? null, credential } as IngestRecord
  }

  private enqueueSimilar (cid: string): void {
    const sim = this.c.similarity
    if (sim == null) return
    this.queue = this.queue.then(async () => {
      if (this.stopped) return
      const w = this.graph.id(cid)
      if (w === undefined) return
      for (const item of (await sim.similar({ record: cid, limit: SIMILAR_PER_WORK })).items) {
        const other = this.graph.id(item.cid)
        if (other !== undefined) this.graph.link(w, other, E_SIMILAR, E_SIMILAR, `similar:${cid}`)
      }
      this.graph.flag(w, (await sim.unattributed(cid)).length > 0)
    }).catch(err => { this.c.logger.warn({ err, cid }, 'discovery: look-alikes of a work could not be read') })
  }

  private followLocally (target: string): void {
    const self = this.graph.node(this.c.did, NODE_CREATOR)
    const t = this.graph.node(target, target.startsWith('did:') ? NODE_CREATOR : NODE_COLLECTIVE)
    this.graph.addEdge(self, t, E_FOLLOW, undefined, PRIVATE + target)
  }

  /** Follow privately: a local setting that never leaves the node */
  async followPrivately (target: string): Promise<boolean> {
    if (await this.c.privateFollows.get(target) !== undefined) return false
    let n = 0
    for await (const _ of this.c.privateFollows.keys()) if (++n >= MAX_PRIVATE_FOLLOWS) throw new RangeError(`at most ${MAX_PRIVATE_FOLLOWS} private follows`)
    await this.c.privateFollows.put(target, JSON.stringify(this.c.clock()))
    this.followLocally(target)
    return true
  }

  async unfollowPrivately (target: string): Promise<boolean> {
    if (await this.c.privateFollows.get(target) === undefined) return false
    await this.c.privateFollows.del(target)
    this.graph.removeRecord(PRIVATE + target)
    return true
  }

  async privateFollowList (): Promise<string[]> {
    const out: string[] = []
    for await (const k of this.c.privateFollows.keys()) out.push(k)
    return out
  }

  /** The ranking for this node's creator, with reasons in words (names from profiles where known) */
  async discover (q: DiscoverQuery): Promise<DiscoverItem[]> {
    const o: RankOptions = { now: this.c.clock(), limit: q.limit ?? 20 }
    if (q.kind != null) o.kind = q.kind
    if (q.collective != null) o.collective = q.collective
    const ranked = rank(this.graph, this.c.did, o)
    const summaries = await Promise.all(ranked.map(async r => await this.c.index.get(r.key)))
    const people = new Set<string>()
    const collectives = new Set<string>()
    for (const r of ranked) for (const reason of r.reasons) for (const v of reason.via) (v.startsWith('did:') ? people : collectives).add(v)
    for (const s of summaries) if (s != null) people.add(s.author)
    const names = this.c.namesOf != null ? await this.c.namesOf(people) : new Map<string, string>()
    for (const cid of collectives) {
      const s = await this.c.index.get(cid)
      if (s?.kind === 'charter' && s.title != null) names.set(cid, s.title)
    }
    const name = (k: string): string => names.get(k) ?? (k.length > 24 ? `${k.slice(0, 16)}…${k.slice(-6)}` : k)
    return ranked.map((r, i) => {
      const s = summaries[i]
      const item: DiscoverItem = { record: r.key, score: r.score, reasons: r.reasons.map(x => ({ ...x, text: words(x, name) })) }
      if (s?.title != null) item.title = s.title
      if (s != null) {
        item.author = s.author
        const n = names.get(s.author)
        if (n != null) item.authorName = n
        item.time = new Date(s.time).toISOString()
      }
      return item
    })
  }
}

/** Builds the service and hooks it to the record events and reindexing (atelier-node.ts calls this) */
export function createDiscoveryService (w: {
  index: DiscoveryComponents['index'] & { on: (event: 'reindexed', fn: () => void) => unknown }
  records: { on: ((event: 'record', fn: (e: { record: IngestRecord }) => void) => unknown) & ((event: 'retired', fn: (e: { record: { cid: string } }) => void) => unknown) }
  similarity?: DiscoveryComponents['similarity']
  names?: { namesOf: NonNullable<DiscoveryComponents['namesOf']> }
  state: { privateFollows: StateSublevel }
  did: string
  clock: () => number
  logger: Logger
}): DiscoveryService {
  const names = w.names
  const service = new DiscoveryService({
    index: w.index,
    did: w.did,
    logger: w.logger,
    clock: w.clock,
    privateFollows: w.state.privateFollows,
    ...(names != null ? { namesOf: async (dids: Iterable<string>) => await names.namesOf(dids) } : {}),
    ...(w.similarity != null ? { similarity: w.similarity } : {})
  })
  w.records.on('record', service.onRecord)
  w.records.on('retired', service.onRetired)
  w.index.on('reindexed', () => { service.reset().catch(err => { w.logger.warn({ err }, 'discovery: rebuild after a reindex failed') }) })
  return service
}

/** Whether an asset record claims any fingerprint */
function hasFingerprints (record: IngestRecord): boolean {
  const claims = (record.credential.credentialSubject as { fingerprints?: unknown[] }).fingerprints
  return Array.isArray(claims) && claims.length > 0
}
