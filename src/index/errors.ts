import { AtelierError } from '../errors.ts'

/**
 * The index on disk was written with another layout (or a rebuild was interrupted). The index stays open for
 * `rebuild()` and `close()` only; the fix for users is `atelier reindex`.
 */
export class IndexSchemaError extends AtelierError {
  readonly code = 'ERR_INDEX_SCHEMA'
  readonly httpStatus = 503
}
