/**
 * The sublevels of the index database. Keys and values are utf8 text; index entries have empty
 * values, but for `content` (the media type).
 *
 * | name      | key                                   | value                                  |
 * |-----------|---------------------------------------|----------------------------------------|
 * | summary   | cid                                   | RecordSummary JSON without its cid     |
 * | time      | pos                                   |                                        |
 * | kind      | kind \0 pos                           |                                        |
 * | author    | did \0 pos                            |                                        |
 * | collective| charter cid \0 pos (a charter: its own cid) |                                   |
 * | content   | content cid \0 pos (asset records)    | the asset's media type                 |
 * | tokens    | word \0 pos (asset title, tags, description; see tokens.ts) |                       |
 * | licenses  | asset cid \0 pos (license records)    |                                        |
 * | grants    | asset cid \0 pos (grant records)      |                                        |
 * | licensee  | did \0 pos (grant records)            |                                        |
 * | target    | record cid \0 pos (attestations, revocations) |                                |
 * | parents   | child cid                             | ParentRef[] JSON (child → parents)     |
 * | children  | r \0 parent cid \0 child \0 rel, or c \0 content cid \0 child \0 rel |         |
 * | children  | r \0 parent cid, or c \0 content cid: marker "has children" |                      |
 * | head      | author did                            | pos of the author's latest record      |
 * | successors| author did \0 previous cid \0 cid      |                                        |
 * |           | (records naming a `previous`: the author's chain, read forwards; two under one prefix are a fork) |
 * | fingerprints | alg \0 code (raw bits, lower hex) \0 cid (asset records' fingerprints of known algorithms) |  |
 * |           |                                       | JSON { content, issuer, validFrom, quality? } |
 * | meta      | 'version', 'count'                    | number as text                         |
 * | body      | cid                                   | the record's canonical JSON (counted)  |
 * | held      | cid                                   | canonical JSON of a record stored here |
 * |           |                                       | but not counted (retired by the view)  |
 *
 * `pos` is `<time>\0<cid>` (see keys.ts).
 *
 * `body` and `held` are the node's record store (schema 4): every record is stored once, here, in the same batch as
 * its entries, and a record moves between the two in one batch as the view counts or retires it. Everything else is
 * derived from them and is what a rebuild clears (`DERIVED_SUBLEVEL_NAMES`).
 */
import type { Level } from 'level'

export const SUBLEVEL_NAMES = [
  'summary', 'time', 'kind', 'author', 'collective', 'content', 'licenses', 'grants', 'licensee', 'target',
  'parents', 'children', 'head', 'successors', 'meta', 'body', 'held'
] as const

/** The sublevels of text search, written by `searchEntriesOf` (search-entries.ts) beside `entriesOf` */
export const SEARCH_SUBLEVEL_NAMES = ['tokens'] as const

/** The fingerprints of asset records (schema 6), written by `fingerprintEntriesOf` (fingerprint-entries.ts) */
export const FINGERPRINT_SUBLEVEL_NAMES = ['fingerprints'] as const

export type SublevelName = typeof SUBLEVEL_NAMES[number] | typeof SEARCH_SUBLEVEL_NAMES[number] | typeof FINGERPRINT_SUBLEVEL_NAMES[number]

/** What a rebuild clears and writes again: all but the stored bodies and the meta counters */
export const DERIVED_SUBLEVEL_NAMES: SublevelName[] = [...SUBLEVEL_NAMES, ...SEARCH_SUBLEVEL_NAMES, ...FINGERPRINT_SUBLEVEL_NAMES]
  .filter(n => n !== 'body' && n !== 'held' && n !== 'meta')

/** Time-ordered index sublevels whose keys end with a position */
export type PositionIndexName = 'time' | 'kind' | 'author' | 'collective' | 'content' | 'tokens' | 'licenses' | 'grants' |
  'licensee' | 'target'

export type IndexDb = Level<string, string>

function openSublevel (db: IndexDb, name: string) {
  return db.sublevel<string, string>(name, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
}

export type Sublevel = ReturnType<typeof openSublevel>

export type Sublevels = Record<SublevelName, Sublevel>

export function openSublevels (db: IndexDb): Sublevels {
  const out: Partial<Sublevels> = {}
  for (const name of [...SUBLEVEL_NAMES, ...SEARCH_SUBLEVEL_NAMES, ...FINGERPRINT_SUBLEVEL_NAMES]) out[name] = openSublevel(db, name)
  return out as Sublevels
}
