/**
 * LinkDirectory: which license records name each asset, and which revocations name each record, held in memory.
 *
 * A royalty split or a provenance report asks this for every asset of a lineage; answered from the index, each
 * question is a Level range scan, and 1,000 ancestors cost ~2,000 scans (~120 ms here). The directory is loaded
 * from the index on first use and kept current from the record service's events. Licenses and revocations are a
 * small share of a node's records; past `maxEntries` the directory turns itself off and every question goes back
 * to the index, so memory stays bounded on any node.
 */
import type { Logger } from 'pino'
import type { RecordIndexApi } from '../index/types.ts'
import type { RecordEvent } from './record-service.ts'

export interface LinkDirectoryInit {
  /** links held in memory before the directory gives up and defers to the index. @default 500000 */
  maxEntries?: number
}

const DEFAULT_MAX_ENTRIES = 500_000
const PAGE = 1000

interface Links {
  licenses: Map<string, string[]>
  revocations: Map<string, string[]>
  size: number
}

export class LinkDirectory {
  private readonly index: Pick<RecordIndexApi, 'query'>
  private readonly log: Logger
  private readonly max: number
  private loading?: Promise<Links | undefined>
  /** true once the directory gave up (too many links): every question goes to the index */
  private off = false
  /** events that arrived while loading, applied once it is done */
  private readonly pending: RecordEvent['record'][] = []

  constructor (components: { index: Pick<RecordIndexApi, 'query'>, logger: Logger }, init: LinkDirectoryInit = {}) {
    this.index = components.index
    this.log = components.logger.child({ component: 'link-directory' })
    this.max = init.maxEntries ?? DEFAULT_MAX_ENTRIES
  }

  /** Keep the directory current: call with every indexed record */
  readonly onRecord = ({ record }: RecordEvent): void => {
    if (record.kind !== 'license' && record.kind !== 'revocation') return
    if (this.loading == null || this.off) return
    this.pending.push(record)
    void this.loading.then(links => { if (links != null) this.drain(links) }).catch(err => { this.log.warn({ err }, 'license and revocation directory could not load; questions go to the index') })
  }

  /** A retired license or revocation no longer counts: start again from the index on the next question */
  readonly onRetired = ({ record }: { record: RecordEvent['record'] }): void => {
    if (record.kind !== 'license' && record.kind !== 'revocation') return
    if (this.off) return
    this.loading = undefined
    this.pending.length = 0
  }

  /** Forget everything loaded (the index was rebuilt); the next question loads the directory again. Events that
   * arrive before then are in the index it loads from. */
  reset (): void {
    this.loading = undefined
    this.off = false
    this.pending.length = 0
  }

  /** License record CIDs of `asset`; undefined when the directory is off (ask the index) */
  async licensesOf (asset: string): Promise<string[] | undefined> {
    const links = await this.links()
    return links == null ? undefined : (links.licenses.get(asset) ?? [])
  }

  /** Revocation record CIDs naming `cid`; undefined when the directory is off (ask the index) */
  async revocationsOf (cid: string): Promise<string[] | undefined> {
    const links = await this.links()
    return links == null ? undefined : (links.revocations.get(cid) ?? [])
  }

  /** `licensesOf()` of many assets at once, in the order asked; undefined when the directory is off */
  async licensesOfMany (assets: string[]): Promise<string[][] | undefined> {
    const links = await this.links()
    return links == null ? undefined : assets.map(asset => links.licenses.get(asset) ?? [])
  }

  /** `revocationsOf()` of many records at once, in the order asked; undefined when the directory is off */
  async revocationsOfMany (cids: string[]): Promise<string[][] | undefined> {
    const links = await this.links()
    return links == null ? undefined : cids.map(cid => links.revocations.get(cid) ?? [])
  }

  private async links (): Promise<Links | undefined> {
    this.loading ??= this.load()
    const links = await this.loading
    if (links != null) this.drain(links)
    return links
  }

  private drain (links: Links): void {
    for (const r of this.pending.splice(0)) {
      const s = r.credential.credentialSubject as { asset?: string, record?: string }
      if (r.kind === 'license' && s.asset != null) add(links, links.licenses, s.asset, r.cid)
      if (r.kind === 'revocation' && s.record != null) add(links, links.revocations, s.record, r.cid)
    }
    if (links.size > this.max) this.giveUp(links)
  }

  private async load (): Promise<Links | undefined> {
    const started = Date.now()
    const links: Links = { licenses: new Map(), revocations: new Map(), size: 0 }
    for (const [kind, map, field] of [['license', links.licenses, 'asset'], ['revocation', links.revocations, 'target']] as const) {
      let cursor: string | undefined
      do {
        const page = await this.index.query({ kind, limit: PAGE, cursor, order: 'asc' })
        for (const s of page.items) {
          const key = s[field]
          if (key != null) add(links, map, key, s.cid)
        }
        if (links.size > this.max) return this.giveUp(links)
        cursor = page.cursor ?? undefined
      } while (cursor != null)
    }
    this.log.debug({ links: links.size, ms: Date.now() - started }, 'license and revocation directory loaded')
    return links
  }

  private giveUp (links: Links): undefined {
    this.log.info({ links: links.size, max: this.max }, 'too many licenses and revocations to hold in memory; lineage reports read them from the index')
    this.off = true
    this.pending.length = 0
    links.licenses.clear()
    links.revocations.clear()
    this.loading = Promise.resolve(undefined)
    return undefined
  }
}

function add (links: Links, map: Map<string, string[]>, key: string, cid: string): void {
  const list = map.get(key)
  if (list == null) map.set(key, [cid])
  else if (!list.includes(cid)) list.push(cid)
  else return
  links.size++
}
