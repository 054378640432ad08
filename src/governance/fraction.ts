/**
 * Exact comparisons of shares with fractions (governance.md §1): `a/b ≥ n/d` ⇔ `a·d ≥ n·b`, in BigInt so large
 * contribution weights never lose precision.
 */
import type { Fraction } from '../records/types.ts'

/** Whether part/whole reaches the fraction; a whole of 0 reaches only a fraction of 0 */
export function reaches (part: number, whole: number, fraction: Fraction): boolean {
  if (whole === 0) return fraction.numerator === 0
  return BigInt(part) * BigInt(fraction.denominator) >= BigInt(fraction.numerator) * BigInt(whole)
}

/** `n/d` as text */
export const fractionText = (fraction: Fraction): string => `${fraction.numerator}/${fraction.denominator}`
