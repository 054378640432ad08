/**
 * Failures only the store raises. The shared ones (NotFoundError, InvalidCIDError, RangeNotSatisfiableError…) live
 * in `src/errors.ts`.
 */
import { AtelierError } from '../errors.ts'

/** A stored block does not decode as what its CID or its parent says it is (disk damage, a hostile DAG) */
export class CorruptBlockError extends AtelierError {
  readonly code = 'ERR_CORRUPT_BLOCK'
  readonly httpStatus = 500
}
