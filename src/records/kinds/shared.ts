/**
 * Checks several kinds share: share sums, distinct ids. Each throws InvalidRecordError naming the field.
 */
import { InvalidRecordError } from '../../errors.ts'
import { BASIS_POINTS_TOTAL } from '../constants.ts'

/** Shares (basis points) of a split must add up to exactly 10000, so nothing is left unassigned or assigned twice */
export function checkShareSum (entries: ReadonlyArray<{ share: number }>, field: string): void {
  let sum = 0
  for (const entry of entries) sum += entry.share
  if (sum !== BASIS_POINTS_TOTAL) {
    throw new InvalidRecordError(`${field} shares must add up to ${BASIS_POINTS_TOTAL}, got ${sum}`,
      { details: { field, rule: 'shareSum', sum } })
  }
}

/** The same party may appear once per list: a split naming someone twice is ambiguous */
export function checkDistinctIds (entries: ReadonlyArray<{ id: string }>, field: string): void {
  const seen = new Set<string>()
  entries.forEach((entry, i) => {
    if (seen.has(entry.id)) {
      throw new InvalidRecordError(`${field}[${i}].id repeats ${entry.id}`, { details: { field: `${field}[${i}].id`, rule: 'unique' } })
    }
    seen.add(entry.id)
  })
}
