/**
 * @packageDocumentation
 *
 * The record index: derived state over the record blocks, in one Level database with a sublevel per purpose.
 * It answers lists by kind, author, collective, content, asset, licensee, target and time (paginated by an opaque
 * cursor, stable under concurrent inserts), lineage walks (ancestors / descendants, depth-limited, paginated,
 * cycle-safe, with parents not yet held shown as `present: false`), text search over asset titles, tags and
 * descriptions (by relevance or time, with the same filters and cursor pages), and the head of each author's chain.
 * It can always be rebuilt from the records (`rebuildBeside()` while it keeps answering, what `atelier reindex`
 * runs, or `rebuild()` in place); a stored schema version guards the
 * layout, and an index of another version refuses to open with `IndexSchemaError`.
 *
 * @example
 * ```ts
 * const index = new RecordIndex({ path: join(home, 'index') })
 * await index.open()
 * await index.put(records)                       // one atomic batch per group of whole records
 * const page = await index.query({ kind: 'license', asset, limit: 20 })
 * const next = await index.query({ kind: 'license', asset, limit: 20, cursor: page.cursor ?? undefined })
 * const tree = await index.lineage(asset, { direction: 'ancestors', depth: 20 })
 * const hits = await index.search({ text: 'harbour dusk', mediaType: 'image/png', limit: 20 })
 * ```
 */
export { RecordIndex } from './record-index.ts'
export type { IndexLogger, RecordIndexInit } from './record-index.ts'
export { IndexSchemaError } from './errors.ts'
export { SCHEMA_VERSION } from './constants.ts'
export type { BodyCheck, Found, RebuildComparison } from './consistency.ts'
export type * from './types.ts'
