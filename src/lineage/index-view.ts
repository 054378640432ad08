/**
 * The node's LineageView: summaries, license and revocation lists and lineage edges from the index, record bodies
 * from the block store. Read-only; each call is a few Level reads plus one block read per record body.
 */
import type { Page, RecordIndexApi, RecordQuery, RecordSummary } from '../index/types.ts'
import type { Credential } from '../records/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { HeldRecord, LineageParent, LineageView } from './view.ts'

export interface IndexLineageViewComponents {
  index: Pick<RecordIndexApi, 'get' | 'query' | 'lineage'> & Partial<Pick<RecordIndexApi, 'body'>>
  store: Pick<ContentStore, 'getRecord'>
  /**
   * An in-memory directory of license and revocation links (src/node/link-directory.ts); an answer of undefined, or
   * no directory, means ask the index (one range scan per question)
   */
  links?: {
    licensesOf(asset: string): Promise<string[] | undefined>
    revocationsOf(cid: string): Promise<string[] | undefined>
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

  const bodiesOf = async <K extends 'license' | 'revocation'>(cids: string[]): Promise<Array<HeldRecord<K>>> =>
    (await Promise.all(cids.slice(0, LIST_CAP).map(async cid => ({ cid, credential: await record(cid) as Credential<K> | undefined }))))
      .filter((r): r is HeldRecord<K> => r.credential != null)

  // bodies from the index when it keeps them (one getMany per walk level), else one block read each
  const readBody = async (cid: string): Promise<Uint8Array | undefined> => {
    if (index.body == null) return await store.getRecord(cid)
    const body = await index.body(cid)
    // an index written without bodies (empty values) sends us to the block
    return body != null && body.byteLength === 0 ? await store.getRecord(cid) : body
  }

  // records are content-addressed, so a parsed body never goes stale: keep the recent ones
  const parsed = new Map<string, Promise<Credential | undefined>>()
  const record = async (cid: string): Promise<Credential | undefined> => {
    let p = parsed.get(cid)
    if (p == null) {
      p = readBody(cid).then(
        bytes => bytes == null ? undefined : JSON.parse(decoder.decode(bytes)) as Credential,
        (err: Error) => { if (err.name === 'NotFoundError') return undefined; throw err }
      )
      parsed.set(cid, p)
      if (parsed.size > PARSED_CACHE) parsed.delete(parsed.keys().next().value as string)
      p.then(c => { if (c == null) parsed.delete(cid) }, () => { parsed.delete(cid) })
    }
    return await p
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

  return {
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
      const credential = await record(cid)
      const ingredients = credential?.type.includes('AssetRecord') === true
        ? (credential as Credential<'asset'>).credentialSubject.ingredients ?? []
        : undefined
      if (ingredients != null && ingredients.every(i => i.record != null || i.content == null)) {
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
      // one hop of the index's own walk: it resolves content references and keeps ingredient order
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
  }
}
