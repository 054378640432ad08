/**
 * NameDirectory: the profile that counts for each did (protocols/records.md §3.11), for everything that shows a did
 * to a person (CLI, HTTP answers, provenance reports, royalty lines, the page).
 *
 * Profiles are few (about one per creator), so the directory lists them once from the index (the `kind` index, the
 * display name is in the summary) and keeps the list current from the record service's events; which one counts
 * is then chosen in memory, and only a revocation of a candidate costs an index read. Answers are cached per did
 * until a profile or revocation of that did arrives or is retired, or a revocation the answer saw takes effect.
 * Past `maxProfiles` the list is not kept and each did is looked up in the index instead (its newest profiles), so
 * memory stays bounded on any node.
 */
import type { Logger } from 'pino'
import type { RecordIndexApi, RecordSummary } from '../index/types.ts'
import type { ProfileSubject, RevocationSubject, ValidRecord } from '../records/types.ts'
import { chooseProfileAsync } from './order.ts'
import type { ProfileCandidate } from './order.ts'

export interface NameDirectoryInit {
  /** profiles listed in memory before the directory defers to the index. @default 100000 */
  maxProfiles?: number
  /** resolved answers cached. @default 10000 */
  maxCached?: number
}

/** The profile that counts for a did, as lists show it */
export interface ProfileName extends ProfileCandidate {
  did: string
  name: string
}

/** A profile in full, as `atelier profile show` and GET /v1/profiles/:did give it */
export interface Profile extends ProfileName {
  bio?: string
  avatar?: string
  links?: string[]
  collective?: string
}

/** A record event as the record service emits it; only what the directory reads */
export interface ProfileRecordEvent {
  record: Pick<ValidRecord, 'cid' | 'kind' | 'author' | 'time' | 'credential'>
}

const DEFAULT_MAX_PROFILES = 100_000
const DEFAULT_MAX_CACHED = 10_000
const PAGE = 1000
/** per did when the list is off: the newest profiles of the author considered */
const PER_AUTHOR = 16
/** revocations of one profile considered */
const REVOCATIONS = 16

export class NameDirectory {
  private readonly index: Pick<RecordIndexApi, 'query' | 'body'>
  private readonly clock: () => number
  private readonly log: Logger
  private readonly maxProfiles: number
  private readonly maxCached: number
  /** did → its counted profiles; undefined until loaded; off past maxProfiles */
  private list?: Map<string, ProfileName[]>
  private loading?: Promise<{ list: Map<string, ProfileName[]>, revoked: Set<string> } | undefined>
  private off = false
  /** bumped by reset(): a load started before it must not install its list */
  private epoch = 0
  private readonly cache = new Map<string, { value: ProfileName | undefined, until: number }>()
  /** bumped by every event that can change an answer */
  private changes = 0
  /** profiles of `list` some revocation names (a superset: a retired revocation stays); only these cost an index
   * read for their revocations */
  private revoked = new Set<string>()
  /** profiles in `list` */
  private count = 0
  /** events that came while the list was loading, applied once it is in */
  private pending: Array<{ add: ProfileName } | { remove: { did: string, cid: string } } | { revoke: { did: string, cid: string } }> = []

  constructor (components: { index: Pick<RecordIndexApi, 'query' | 'body'>, clock?: () => number, logger: Logger }, init: NameDirectoryInit = {}) {
    this.index = components.index
    this.clock = components.clock ?? Date.now
    this.log = components.logger.child({ component: 'name-directory' })
    this.maxProfiles = init.maxProfiles ?? DEFAULT_MAX_PROFILES
    this.maxCached = init.maxCached ?? DEFAULT_MAX_CACHED
  }

  /** Keep current: call with every record the index counts */
  readonly onRecord = ({ record }: ProfileRecordEvent): void => {
    if (record.kind === 'profile' || record.kind === 'revocation') this.changes++
    if (record.kind === 'profile') {
      const entry = { did: record.author, cid: record.cid, time: record.time, name: (record.credential.credentialSubject as ProfileSubject).name }
      if (!this.off && this.list == null && this.loading != null) this.pending.push({ add: entry })
      else this.add(entry)
      this.cache.delete(record.author)
    } else if (record.kind === 'revocation') {
      // a revocation's author is the revoked record's (checked at ingest): only that did's answer can change
      const target = { did: record.author, cid: (record.credential.credentialSubject as RevocationSubject).record }
      if (!this.off && this.list == null && this.loading != null) this.pending.push({ revoke: target })
      else this.markRevoked(target.did, target.cid)
      this.cache.delete(record.author)
    }
  }

  /** A record the index no longer counts (the collective view retired it) */
  readonly onRetired = ({ record }: { record: Pick<ValidRecord, 'cid' | 'kind' | 'author'> }): void => {
    if (record.kind !== 'profile' && record.kind !== 'revocation') return
    this.changes++
    if (record.kind === 'profile') {
      if (!this.off && this.list == null && this.loading != null) this.pending.push({ remove: { did: record.author, cid: record.cid } })
      else this.remove(record.author, record.cid)
    }
    this.cache.delete(record.author)
  }

  private add (entry: ProfileName): void {
    if (this.list == null || this.off) return
    const own = this.list.get(entry.did)
    if (own?.some(p => p.cid === entry.cid) === true) return
    if (own == null) this.list.set(entry.did, [entry])
    else own.push(entry)
    if (++this.count > this.maxProfiles) this.turnOff()
  }

  private markRevoked (did: string, cid: string): void {
    if (this.list?.get(did)?.some(p => p.cid === cid) === true) this.revoked.add(cid)
  }

  private remove (did: string, cid: string): void {
    const own = this.list?.get(did)
    if (own == null) return
    const rest = own.filter(p => p.cid !== cid)
    this.count -= own.length - rest.length
    if (rest.length === 0) this.list?.delete(did)
    else this.list?.set(did, rest)
  }

  /** Forget everything loaded (the index was rebuilt); the next question loads again */
  reset (): void {
    this.epoch++
    this.changes++
    this.list = undefined
    this.loading = undefined
    this.off = false
    this.count = 0
    this.pending = []
    this.revoked = new Set()
    this.cache.clear()
  }

  /** The profile that counts for `did` now (or at `atMs`), or undefined when it has none */
  async nameOf (did: string, at?: number): Promise<ProfileName | undefined> {
    // answers for "now" are cached (the clock only moves forward); a question about another time is answered afresh
    const now = at === undefined
    const atMs = at ?? this.clock()
    const cached = now ? this.cache.get(did) : undefined
    if (cached != null && atMs < cached.until) {
      // most recently used last, so the oldest is evicted first
      this.cache.delete(did)
      this.cache.set(did, cached)
      return cached.value
    }
    const changes = this.changes
    const candidates = await this.candidates(did)
    const { chosen, until } = await chooseProfileAsync(candidates, async (cid) => await this.revokedFrom(did, cid), atMs)
    // an event that came while this was computed may have made it stale: answer it, do not keep it
    if (now && changes === this.changes) {
      this.cache.set(did, { value: chosen, until: until ?? Infinity })
      if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value as string)
    }
    return chosen
  }

  /** Names of many dids at once (each did once); dids without a profile are left out */
  async namesOf (dids: Iterable<string>): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    for (const did of new Set(dids)) {
      const found = await this.nameOf(did)
      if (found != null) out.set(did, found.name)
    }
    return out
  }

  /** The profile that counts for `did`, every field, or undefined */
  async profileOf (did: string): Promise<Profile | undefined> {
    const chosen = await this.nameOf(did)
    if (chosen == null) return undefined
    const bytes = await this.index.body(chosen.cid)
    if (bytes == null) return undefined
    const credential = JSON.parse(new TextDecoder().decode(bytes))
    const subject = credential.credentialSubject as ProfileSubject
    const out: Profile = { ...chosen, name: subject.name }
    if (subject.bio != null) out.bio = subject.bio
    if (subject.avatar != null) out.avatar = subject.avatar
    if (subject.links != null) out.links = subject.links
    if (credential.collective != null) out.collective = credential.collective
    return out
  }

  private turnOff (): void {
    this.off = true
    this.list = undefined
    this.pending = []
    this.revoked = new Set()
    this.log.info({ maxProfiles: this.maxProfiles }, 'more profiles than the directory keeps in memory; names are looked up in the index')
  }

  private async candidates (did: string): Promise<ProfileName[]> {
    const list = this.off ? undefined : await this.load()
    if (list != null) return list.get(did) ?? []
    const page = await this.index.query({ kind: 'profile', author: did, limit: PER_AUTHOR })
    return page.items.map(toName)
  }

  private async load (): Promise<Map<string, ProfileName[]> | undefined> {
    if (this.list != null) return this.list
    const epoch = this.epoch
    this.loading ??= (async () => {
      const list = new Map<string, ProfileName[]>()
      const cids = new Set<string>()
      const revoked = new Set<string>()
      let n = 0
      // the profiles, then which of them revocations name (summaries only: the target is in them); both bounded
      for (const kind of ['profile', 'revocation'] as const) {
        let cursor: string | undefined
        do {
          const page = await this.index.query({ kind, limit: PAGE, ...(cursor != null ? { cursor } : {}) })
          for (const s of page.items) {
            if (kind === 'revocation') {
              if (s.target != null && cids.has(s.target)) revoked.add(s.target)
              continue
            }
            cids.add(s.cid)
            const own = list.get(s.author)
            if (own == null) list.set(s.author, [toName(s)])
            else own.push(toName(s))
          }
          n += page.items.length
          if (n > this.maxProfiles) return undefined
          cursor = page.cursor ?? undefined
        } while (cursor != null)
      }
      return { list, revoked }
    })()
    let loaded: { list: Map<string, ProfileName[]>, revoked: Set<string> } | undefined
    try {
      loaded = await this.loading
    } catch (err) {
      // the next question tries again
      if (epoch === this.epoch) { this.loading = undefined; this.pending = [] }
      throw err
    }
    if (epoch !== this.epoch) return await this.load()
    if (loaded == null) {
      if (!this.off) this.turnOff()
      return undefined
    }
    if (this.list == null && !this.off) {
      this.list = loaded.list
      this.revoked = loaded.revoked
      this.count = 0
      for (const own of loaded.list.values()) this.count += own.length
      // events that came while loading: the load may have passed their place in the index already
      for (const op of this.pending.splice(0)) {
        if ('add' in op) this.add(op.add)
        else if ('remove' in op) this.remove(op.remove.did, op.remove.cid)
        else this.markRevoked(op.revoke.did, op.revoke.cid)
      }
      this.cache.clear()
    }
    return this.list
  }

  /** The earliest effectiveFrom of `did`'s revocations of `cid`, or undefined */
  private async revokedFrom (did: string, cid: string): Promise<number | undefined> {
    // with the list in memory, a profile no revocation names needs no index read
    if (this.list != null && !this.revoked.has(cid)) return undefined
    const page = await this.index.query({ kind: 'revocation', target: cid, limit: REVOCATIONS })
    let earliest: number | undefined
    for (const s of page.items) {
      if (s.author !== did) continue
      const bytes = await this.index.body(s.cid)
      if (bytes == null) continue
      const subject = JSON.parse(new TextDecoder().decode(bytes)).credentialSubject as RevocationSubject
      const from = Date.parse(subject.effectiveFrom)
      earliest = earliest === undefined ? from : Math.min(earliest, from)
    }
    return earliest
  }
}

function toName (s: RecordSummary): ProfileName {
  return { did: s.author, cid: s.cid, time: s.time, name: s.title ?? '' }
}
