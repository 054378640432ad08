/**
 * Exact apportionment in integers: split a whole number of minor units by weights so the parts add up to the
 * total exactly. The rule (largest remainder, protocols/royalties.md §4): every part first gets the floor of its
 * exact share; the units left over go one each to the parts with the largest remainders, ties to the smaller key
 * (keys compare as strings). No part is ever negative, and no part gets more than one unit above its exact share.
 */
import { InvalidRequestError } from '../errors.ts'

export interface Weighted {
  /** breaks ties between equal remainders; distinct keys make the result independent of the input order */
  key: string
  /** a non-negative integer */
  weight: bigint
}

/**
 * Split `total` (>= 0) by `parts`' weights. With `denominator` the weights are fractions weight/denominator of the
 * total and must add up to exactly `denominator`; without it, they are relative to their sum. Returns the amounts
 * in the order of `parts`.
 */
export function apportion (total: bigint, parts: Weighted[], denominator?: bigint): bigint[] {
  const sum = parts.reduce((s, p) => s + p.weight, 0n)
  const d = denominator ?? sum
  if (total < 0n) throw new InvalidRequestError('an amount to split cannot be negative', { details: { field: 'amount' } })
  if (parts.some(p => p.weight < 0n)) throw new InvalidRequestError('weights cannot be negative', { details: { field: 'weight' } })
  if (d <= 0n || sum !== d) {
    throw new InvalidRequestError(`weights add up to ${sum}, not ${d}`, { details: { field: 'weight' } })
  }
  const amounts = parts.map(p => (total * p.weight) / d)
  let left = total - amounts.reduce((s, a) => s + a, 0n)
  if (left === 0n) return amounts
  const order = parts.map((p, i) => ({ i, key: p.key, remainder: (total * p.weight) % d }))
    .filter(o => o.remainder > 0n)
    .sort((a, b) => a.remainder > b.remainder ? -1 : a.remainder < b.remainder ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  // left < number of parts with a remainder, since the remainders add up to left × d
  for (const o of order) {
    if (left === 0n) break
    amounts[o.i] += 1n
    left -= 1n
  }
  return amounts
}
