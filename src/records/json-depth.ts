/**
 * A bound on JSON nesting, checked on the text before any parser or recursive check sees it: JSON.parse and every
 * recursive walk after it (schema checks, canonicalisation, prototype scans) use the call stack, so a body nested
 * tens of thousands deep overflowed it (a 500, or a 400 leaking "Maximum call stack size exceeded"). No record or
 * request of ours nests deeper than a dozen levels.
 */
import { MalformedJSONError } from '../errors.ts'

/** Deepest nesting of arrays and objects accepted anywhere a JSON text comes in */
export const MAX_JSON_DEPTH = 64

/** Throws MalformedJSONError when `text` nests arrays or objects deeper than `max`; one pass, no recursion */
export function assertJsonDepth (text: string, max: number = MAX_JSON_DEPTH): void {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c /* \ */) i++
      else if (c === 0x22 /* " */) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) {
        throw new MalformedJSONError(`JSON nested deeper than ${max} levels`, { details: { field: 'body', rule: 'depth', max } })
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--
    }
  }
}
