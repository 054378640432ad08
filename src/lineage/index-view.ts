/**
 * The node's LineageView: summaries, license and revocation lists and lineage edges from the index, record bodies
 * from the block store. Read-only; each call is a few Level reads plus one block read per record body.
 */
import type { Page, RecordIndexApi, RecordQuery, RecordSummary } from '../index/types.ts'
import type { Credential } from '../records/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { HeldRecord, LineageParent, LineageView } from './view.ts'

export interface IndexLineageViewComponents {
  index: Pick<RecordIndexApi, 'get' | 'query' | 'lineage'> & Partial<Pick<RecordIndexApi, 'body' | 'bodies' | 'getMany'>>
  store: Pick<ContentStore, 'getRecord'>
  /**
   * An in-memory directory of license and revocation links (src/node/link-directory.ts); an answer of undefined, or
   * no directory, means ask the index (one range scan per question)
   */
  links?: {
    licensesOf(asset: string): Promise<string[] | undefined>
    revocationsOf(cid: string): Promise<string[] | undefined>
    licensesOfMany?(assets: string[]): Promise<string[][] | undefined>
    revocationsOfMany?(cids: string[]): Promise<string[][] | undefined>
  }
}

/** Largest page the index serves; lists longer than LIST_CAP records are cut there */
const PAGE = 1000
/** Most licenses of one asset, or revocations of one record, that the view reads (a hostile flood stops here) */
const LIST_CAP = 5000
/** Most parents of one asset record; ingredients are at most 256, each content reference at most 256 records */
const PARENTS_CAP = 5000

const decoder = new TextDecoder()
/** Parsed record bodies kept by one view */
const PARSED_CACHE = 4096

/** A LineageView reading the node's index and store */
export function createIndexLineageView (components: IndexLineageViewComponents): LineageView {
  const { index, store, links } = components

  // bodies from the index when it keeps them (one getMany per walk level), else one block read each
  const readBody = async (cid: string): Promise<Uint8Array | undefined> => {
    if (index.body == null) return await store.getRecord(cid)
    const body = await index.body(cid)
    // an index written without bodies (empty values) sends us to the block
    return body != null && body.byteLength === 0 ? await store.getRecord(cid) : body
  }

  // records are content-addressed, so a parsed body never goes stale: keep the recent ones (resolved values, so a
  // batch answers its hits without a promise each), and share the reads in flight
  const parsed = new Map<string, Credential>()
  const reading = new Map<string, Promise<Credential | undefined>>()
  const keep = (cid: string, credential: Credential): void => {
    parsed.set(cid, credential)
    if (parsed.size > PARSED_CACHE) parsed.delete(parsed.keys().next().value as string)
  }
  const parse = (bytes: Uint8Array | undefined): Credential | undefined =>
    bytes == null ? undefined : JSON.parse(decoder.decode(bytes)) as Credential
  const notFound = (err: Error): undefined => { if (err.name === 'NotFoundError') return undefined; throw err }

  const record = async (cid: string): Promise<Credential | undefined> => {
    const known = parsed.get(cid)
    if (known != null) return known
    let p = reading.get(cid)
    if (p == null) {
      p = readBody(cid).then(parse, notFound)
      reading.set(cid, p)
      p.then(c => { if (c != null) keep(cid, c) }, () => {}).finally(() => { reading.delete(cid) }).catch(() => {})
    }
    return await p
  }

  const records = async (cids: string[]): Promise<Array<Credential | undefined>> => {
    const out: Array<Credential | undefined> = cids.map(cid => parsed.get(cid))
    const missing: number[] = []
    out.forEach((c, i) => { if (c == null) missing.push(i) })
    if (missing.length === 0) return out
    if (index.bodies == null) {
      const read = await Promise.all(missing.map(async i => await record(cids[i])))
      missing.forEach((i, j) => { out[i] = read[j] })
      return out
    }
    const bodies = await index.bodies(missing.map(i => cids[i]))
    const fromBlocks: number[] = []
    missing.forEach((i, j) => {
      const body = bodies[j]
      // an index written without bodies (empty values) sends us to the block
      if (body != null && body.byteLength === 0) { fromBlocks.push(i); return }
      const c = parse(body)
      if (c != null) keep(cids[i], c)
      out[i] = c
    })
    if (fromBlocks.length > 0) {
      const read = await Promise.all(fromBlocks.map(async i => await store.getRecord(cids[i]).then(parse, notFound)))
      fromBlocks.forEach((i, j) => { const c = read[j]; if (c != null) keep(cids[i], c); out[i] = c })
    }
    return out
  }

  const bodiesOf = async <K extends 'license' | 'revocation'>(cids: string[]): Promise<Array<HeldRecord<K>>> => {
    const listed = cids.slice(0, LIST_CAP)
    const credentials = await records(listed)
    const out: Array<HeldRecord<K>> = []
    listed.forEach((cid, i) => { const c = credentials[i]; if (c != null) out.push({ cid, credential: c as Credential<K> }) })
    return out
  }

  /** `bodiesOf` for many lists: one read of every record they name */
  const bodiesOfMany = async <K extends 'license' | 'revocation'>(lists: string[][]): Promise<Array<Array<HeldRecord<K>>>> => {
    const capped = lists.map(l => l.slice(0, LIST_CAP))
    const credentials = await records(capped.flat())
    let at = 0
    return capped.map(list => {
      const out: Array<HeldRecord<K>> = []
      for (const cid of list) { const c = credentials[at++]; if (c != null) out.push({ cid, credential: c as Credential<K> }) }
      return out
    })
  }

  /** Parents read from the ingredients alone; undefined when a content reference needs the index to resolve it */
  const parentsFrom = (credential: Credential | undefined): LineageParent[] | undefined => {
    const ingredients = credential?.type.includes('AssetRecord') === true
      ? (credential as Credential<'asset'>).credentialSubject.ingredients ?? []
      : undefined
    if (ingredients == null || !ingredients.every(i => i.record != null || i.content == null)) return undefined
    const seen = new Set<string>()
    const out: LineageParent[] = []
    for (const i of ingredients) {
      if (i.record == null) continue
      const key = i.record + ' ' + i.relationship
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ cid: i.record, relationship: i.relationship })
    }
    return out
  }

  /** One hop of the index's own walk: it resolves content references and keeps ingredient order */
  const parentsFromIndex = async (cid: string): Promise<LineageParent[]> => {
    const graph = await index.lineage(cid, { direction: 'ancestors', depth: 1, limit: PARENTS_CAP })
    const seen = new Set<string>()
    const out: LineageParent[] = []
    for (const e of graph.edges) {
      if (e.from !== cid) continue
      const key = e.to + ' ' + e.relationship
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ cid: e.to, relationship: e.relationship })
    }
    return out
  }

  const list = async <K extends 'license' | 'revocation'>(q: RecordQuery & { kind: K }): Promise<Array<HeldRecord<K>>> => {
    const summaries: RecordSummary[] = []
    let cursor: string | undefined
    do {
      const page: Page<RecordSummary> = await index.query({ ...q, limit: PAGE, order: 'asc', cursor })
      summaries.push(...page.items)
      cursor = page.cursor ?? undefined
    } while (cursor != null && summaries.length < LIST_CAP)
    const bodies = await Promise.all(summaries.slice(0, LIST_CAP).map(async s => ({
      cid: s.cid,
      credential: JSON.parse(decoder.decode(await store.getRecord(s.cid))) as Credential<K>
    })))
    return bodies
  }

  const view: LineageView = {
    async summary (cid) {
      return await index.get(cid)
    },
    record,
    async licensesOf (asset) {
      const known = await links?.licensesOf(asset)
      return known != null ? await bodiesOf<'license'>(known) : await list({ kind: 'license', asset })
    },
    async revocationsOf (cid) {
      const known = await links?.revocationsOf(cid)
      return known != null ? await bodiesOf<'revocation'>(known) : await list({ kind: 'revocation', target: cid })
    },
    async parentsOf (cid): Promise<LineageParent[]> {
      // ingredients that name their record are read straight from the record; only content references need the
      // index, which resolves them to every asset record of that content
      return parentsFrom(await record(cid)) ?? await parentsFromIndex(cid)
    },

    async summaries (cids) {
      return index.getMany != null ? await index.getMany(cids) : await Promise.all(cids.map(async cid => await index.get(cid)))
    },
    records,
    async parentsOfMany (cids) {
      const credentials = await records(cids)
      const out = credentials.map(parentsFrom)
      const viaIndex: number[] = []
      out.forEach((parents, i) => { if (parents == null) viaIndex.push(i) })
      const resolved = await Promise.all(viaIndex.map(async i => await parentsFromIndex(cids[i])))
      viaIndex.forEach((i, j) => { out[i] = resolved[j] })
      return out as LineageParent[][]
    },
    async licensesOfMany (assets) {
      const known = await links?.licensesOfMany?.(assets)
      if (known != null) return await bodiesOfMany<'license'>(known)
      return await Promise.all(assets.map(async asset => await view.licensesOf(asset)))
    },
    async revocationsOfMany (cids) {
      const known = await links?.revocationsOfMany?.(cids)
      if (known != null) return await bodiesOfMany<'revocation'>(known)
      return await Promise.all(cids.map(async cid => await view.revocationsOf(cid)))
    }
  }
  return view
}
