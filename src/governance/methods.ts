/**
 * The four counting methods of governance.md §4.2–4.5, on ballots already judged: each counted ballot has its
 * elector's weight. Pure and deterministic: ballots are taken in the order given (record order), and no result
 * depends on that order (sums are commutative; ties are broken by rules on supports and indices only).
 */
import type { VoteSubject, VotingMethod } from '../records/types.ts'
import type { MethodCount, RankedRound } from './types.ts'

/** A counted ballot: its elector's weight and the ballot */
export interface WeightedBallot {
  weight: number
  ballot: VoteSubject
}

/** The integer square root (exact: every count here is below 2^52, where the double square root floors correctly) */
export const isqrt = (n: number): number => Math.floor(Math.sqrt(n))

/** Sum of a quadratic allocation */
const spent = (allocation: readonly number[]): number => allocation.reduce((sum, c) => sum + c, 0)

/**
 * Why a ballot does not fit the method and choices (governance.md §4.1 rule 5), or undefined when it does.
 * `budget` is the elector's quadratic budget.
 */
export function ballotIssue (method: VotingMethod, choices: number, ballot: VoteSubject, budget: number): string | undefined {
  if (ballot.abstain === true) return undefined
  const inRange = (i: number): boolean => i < choices
  switch (method) {
    case 'single':
      if (ballot.choice === undefined) return 'a single-choice proposal needs `choice`'
      return inRange(ballot.choice) ? undefined : `choice ${ballot.choice} is not one of the ${choices} choices`
    case 'approval':
      if (ballot.approve === undefined) return 'an approval proposal needs `approve`'
      return ballot.approve.every(inRange) ? undefined : `approve names an index beyond the ${choices} choices`
    case 'ranked':
      if (ballot.ranking === undefined) return 'a ranked proposal needs `ranking`'
      return ballot.ranking.every(inRange) ? undefined : `ranking names an index beyond the ${choices} choices`
    case 'quadratic': {
      if (ballot.allocation === undefined) return 'a quadratic proposal needs `allocation`'
      if (ballot.allocation.length > choices) return `allocation has ${ballot.allocation.length} entries for ${choices} choices`
      const total = spent(ballot.allocation)
      return total > budget ? `allocation spends ${total} credits, over the budget of ${budget}` : undefined
    }
  }
}

/** Count counted ballots by `method` over `choices` choices (labels only for the explanation) */
export function countBallots (method: VotingMethod, labels: readonly string[], ballots: readonly WeightedBallot[]): MethodCount {
  const voting = ballots.filter(b => b.ballot.abstain !== true)
  switch (method) {
    case 'single': return plurality(labels, voting, b => [b.ballot.choice as number], 'votes cast for a choice')
    case 'approval': return plurality(labels, voting, b => b.ballot.approve ?? [], 'ballots approving at least one choice')
    case 'quadratic': return quadratic(labels, voting)
    case 'ranked': return ranked(labels, voting)
  }
}

/** The unique choice with the most support > 0, or the tie for it */
function leader (support: readonly number[]): { winner?: number, tiedFor?: number[] } {
  const max = Math.max(0, ...support)
  if (max === 0) return {}
  const top = support.flatMap((s, i) => (s === max ? [i] : []))
  return top.length === 1 ? { winner: top[0] } : { tiedFor: top }
}

const supportLine = (labels: readonly string[], support: ReadonlyArray<number | null>): string =>
  labels.map((label, i) => `${label}: ${support[i] === null ? 'eliminated' : String(support[i])}`).join(', ')

function finish (labels: readonly string[], count: MethodCount): MethodCount {
  if (count.winner !== undefined) count.lines.push(`winner: ${labels[count.winner]} with ${count.support[count.winner]}`)
  else if (count.tiedFor !== undefined) count.lines.push(`no winner: ${count.tiedFor.map(i => labels[i]).join(' and ')} tie for the most support`)
  else count.lines.push('no winner: no choice has any support')
  return count
}

/** Single choice and approval: each ballot gives its weight to each choice it names */
function plurality (labels: readonly string[], ballots: readonly WeightedBallot[], named: (b: WeightedBallot) => readonly number[], baseName: string): MethodCount {
  const support = labels.map(() => 0)
  let base = 0
  for (const b of ballots) {
    const choices = named(b)
    if (choices.length > 0) base += b.weight
    for (const i of choices) support[i] += b.weight
  }
  const lines = [`support: ${supportLine(labels, support)}`, `base: ${base} (weight of ${baseName})`]
  return finish(labels, { support, base, ...leader(support), lines })
}

/** Quadratic: c credits on a choice give it ⌊√c⌋ votes; the base is all votes */
function quadratic (labels: readonly string[], ballots: readonly WeightedBallot[]): MethodCount {
  const support = labels.map(() => 0)
  for (const b of ballots) (b.ballot.allocation ?? []).forEach((credits, i) => { support[i] += isqrt(credits) })
  const base = support.reduce((sum, s) => sum + s, 0)
  const lines = [`votes (⌊√credits⌋ per ballot and choice): ${supportLine(labels, support)}`, `base: ${base} (all votes)`]
  return finish(labels, { support, base, ...leader(support), lines })
}

/**
 * Ranked choice, instant runoff (governance.md §4.5): at most one round per choice; the least supported choice is
 * eliminated, ties for least broken by earlier rounds' support (latest first), then by eliminating the one listed
 * last; a tie between the last two has no winner.
 */
function ranked (labels: readonly string[], ballots: readonly WeightedBallot[]): MethodCount {
  const continuing = new Set(labels.map((_, i) => i))
  const rounds: RankedRound[] = []
  const lines: string[] = []
  for (let r = 0; r < labels.length; r++) {
    const support: Array<number | null> = labels.map((_, i) => (continuing.has(i) ? 0 : null))
    let active = 0
    let exhausted = 0
    for (const b of ballots) {
      const top = (b.ballot.ranking ?? []).find(i => continuing.has(i))
      if (top === undefined) { exhausted += b.weight; continue }
      support[top] = (support[top] as number) + b.weight
      active += b.weight
    }
    const round: RankedRound = { support, active, exhausted }
    rounds.push(round)
    lines.push(`round ${r + 1}: ${supportLine(labels, support)}; active ${active}, exhausted ${exhausted}`)
    const final = (extra: Partial<MethodCount>): MethodCount =>
      finish(labels, { support: support.map(s => s ?? 0), base: active, rounds, lines, ...extra })
    if (active === 0) return final({})
    const alive = [...continuing].sort((a, b) => a - b)
    const max = Math.max(...alive.map(i => support[i] as number))
    const leaders = alive.filter(i => support[i] === max)
    if (2 * max > active || alive.length === 1) {
      lines.push(`round ${r + 1}: ${labels[leaders[0]]} has more than half of ${active}`)
      return final({ winner: leaders[0] })
    }
    if (alive.length === 2 && leaders.length === 2) return final({ tiedFor: leaders })
    const { eliminated, tieBreak } = leastSupported(alive, rounds)
    round.eliminated = eliminated
    if (tieBreak !== undefined) round.tieBreak = tieBreak
    continuing.delete(eliminated)
    lines.push(`round ${r + 1}: eliminate ${labels[eliminated]}` +
      (tieBreak === 'earlier-round' ? ' (tied for least; least in an earlier round)' : tieBreak === 'last-listed' ? ' (tied for least in every round; listed last)' : ''))
  }
  // unreachable: each round eliminates one choice, and one continuing choice always wins
  return finish(labels, { support: labels.map(() => 0), base: 0, rounds, lines })
}

/** The choice to eliminate after the last round: least support, then least in earlier rounds (latest first), then highest index */
function leastSupported (alive: readonly number[], rounds: readonly RankedRound[]): { eliminated: number, tieBreak?: 'earlier-round' | 'last-listed' } {
  const at = (round: RankedRound, i: number): number => round.support[i] ?? 0
  const last = rounds[rounds.length - 1]
  let candidates = lowest(alive, i => at(last, i))
  if (candidates.length === 1) return { eliminated: candidates[0] }
  for (let k = rounds.length - 2; k >= 0 && candidates.length > 1; k--) {
    candidates = lowest(candidates, i => at(rounds[k], i))
  }
  if (candidates.length === 1) return { eliminated: candidates[0], tieBreak: 'earlier-round' }
  return { eliminated: Math.max(...candidates), tieBreak: 'last-listed' }
}

function lowest (choices: readonly number[], score: (i: number) => number): number[] {
  const min = Math.min(...choices.map(score))
  return choices.filter(i => score(i) === min)
}
