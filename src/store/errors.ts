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

/** A CAR file that is not well formed (framing, header) */
export class CarFormatError extends AtelierError {
  readonly code = 'ERR_INVALID_CAR'
  readonly httpStatus = 400
}

/** A block whose bytes do not hash to its CID (in an imported CAR) */
export class BlockHashMismatchError extends AtelierError {
  readonly code = 'ERR_BLOCK_HASH_MISMATCH'
  readonly httpStatus = 400
}

/** A DAG to pin or import lacks blocks this node does not hold */
export class IncompleteDagError extends AtelierError {
  readonly code = 'ERR_INCOMPLETE_DAG'
  readonly httpStatus = 400
}
