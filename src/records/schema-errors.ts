/**
 * Turns an Ajv error into one of ours whose message names the field and the rule, e.g.
 * `credentialSubject.creators[0].share must be <= 10000` or `unknown field credentialSubject.foo`.
 * Callers branch on the error's name and `details`; the message is for people.
 */
import type { ErrorObject } from 'ajv'
import { InvalidCIDError, InvalidRecordError } from '../errors.ts'
import type { AtelierError } from '../errors.ts'

const IDENTIFIER = /^[A-Za-z_$@][A-Za-z0-9_$]*$/

/** Append a key to a dotted field path, bracketing array indexes and keys that are not identifiers */
export function fieldPath (base: string, key: string | number): string {
  if (typeof key === 'number' || /^\d+$/.test(key)) return `${base}[${key}]`
  if (IDENTIFIER.test(key) || key === '@context') return base === '' ? key : `${base}.${key}`
  return `${base}[${JSON.stringify(key)}]`
}

/** `/credentialSubject/creators/0/share` → `credentialSubject.creators[0].share` */
export function pointerToField (pointer: string): string {
  if (pointer === '') return ''
  let out = ''
  for (const raw of pointer.slice(1).split('/')) {
    out = fieldPath(out, raw.replace(/~1/g, '/').replace(/~0/g, '~'))
  }
  return out
}

/** Schema definitions whose failures mean "not a CID": reported as InvalidCIDError, like every other CID failure */
const CID_DEFINITIONS = /\/definitions\/(recordCid|contentCid|ipfsUri)\//
const TIME_DEFINITION = /\/definitions\/time\//

/** Our error for the first Ajv error of a failed validation */
export function schemaError (error: ErrorObject): AtelierError {
  const at = pointerToField(error.instancePath)
  const field = at === '' ? 'record' : at
  const params = error.params as Record<string, any>
  let message: string
  let errorField = field
  switch (error.keyword) {
    case 'additionalProperties':
      errorField = fieldPath(at, params.additionalProperty)
      message = `unknown field ${errorField}`
      break
    case 'required':
      errorField = fieldPath(at, params.missingProperty)
      message = `missing required field ${errorField}`
      break
    case 'additionalItems':
      message = `${field} must not have more than ${params.limit} items`
      break
    case 'const':
      message = `${field} must be ${JSON.stringify(params.allowedValue)}`
      break
    case 'enum':
      message = `${field} must be one of ${(params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`
      break
    case 'pattern':
    case 'format':
      if (TIME_DEFINITION.test(error.schemaPath)) {
        message = `${field} must be an RFC 3339 UTC time ending in Z with at most millisecond precision`
      } else if (CID_DEFINITIONS.test(error.schemaPath)) {
        const ipfs = error.schemaPath.includes('/ipfsUri/')
        return new InvalidCIDError(`${field} must be ${ipfs ? 'ipfs:// followed by ' : ''}a CIDv1 in base32 (starting with "b")`,
          { details: { field, rule: 'cid' } })
      } else {
        message = `${field} ${error.message ?? 'is invalid'}`
      }
      break
    case 'false schema':
      // a member a rule forbids in this place (e.g. `quality` on a fingerprint other than PDQ's)
      message = `${field} is not allowed here`
      break
    default:
      // Ajv's own wording already states the rule ("must be <= 10000", "must NOT have more than 200 characters")
      message = `${field} ${error.message ?? 'is invalid'}`
  }
  return new InvalidRecordError(message, { details: { field: errorField, rule: error.keyword, params } })
}
