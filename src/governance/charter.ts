/**
 * The effective charter (governance.md §7.1) and the collective defaults (§7.3): the charter's terms changed by the
 * passed amendments whose close is at or before an instant. A value built once from the charter and the amendments
 * in (close, CID) order; asking it about an instant reads no clock.
 */
import type { Amendments } from '../collectives/rules.ts'
import { LIMITS } from '../records/constants.ts'
import type { CharterSubject, ProposalChange, TrainingMiningEntry, TrainingMiningKey } from '../records/types.ts'
import type { Amendment, CharterTerms, CollectiveDefaults } from './types.ts'

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** The terms after applying `changes`, or why they would leave no valid charter */
export function applyChanges (terms: CharterTerms, changes: readonly ProposalChange[]): CharterTerms | string {
  const admins = new Set(terms.admins)
  let quorum = terms.quorum
  let policy = terms.policy
  for (const change of changes) {
    switch (change.action) {
      case 'addAdmin': admins.add(change.member); break
      case 'removeAdmin': admins.delete(change.member); break
      case 'setQuorum': quorum = change.quorum; break
      case 'setPolicy': policy = change.policy; break
      default: break // admit, remove, setDefaults change no term
    }
  }
  if (admins.size === 0) return 'it would leave no admin'
  if (admins.size > LIMITS.admins) return `it would leave ${admins.size} admins, more than ${LIMITS.admins}`
  if (quorum > admins.size) return `its quorum ${quorum} would exceed the ${admins.size} admins`
  return { admins: Object.freeze([...admins].sort(compareStrings)), quorum, policy }
}

/** One period of the charter's terms: from `from` (inclusive) until the next period */
export interface TermsPeriod {
  from: number
  terms: CharterTerms
  /** the amendment that started it; absent for the charter's own period */
  proposal?: string
}

/** The charter's terms through time and the collective defaults, from the charter and the amendments */
export class CharterTimeline {
  /** periods in time order; the first starts at the charter's validFrom */
  readonly periods: readonly TermsPeriod[]
  /** every amendment, with `effect` decided, in (close, CID) order */
  readonly amendments: readonly Amendment[]
  private readonly defaultsPeriods: ReadonlyArray<{ from: number, defaults: CollectiveDefaults }>

  constructor (charter: { time: number, subject: CharterSubject }, passed: ReadonlyArray<{ proposal: string, at: number, changes: readonly ProposalChange[] }>) {
    const ordered = [...passed].sort((a, b) => a.at - b.at || compareStrings(a.proposal, b.proposal))
    const first: CharterTerms = {
      admins: Object.freeze([...charter.subject.admins].sort(compareStrings)),
      quorum: charter.subject.admission.quorum,
      policy: charter.subject.admission.policy
    }
    const periods: TermsPeriod[] = [{ from: charter.time, terms: first }]
    const amendments: Amendment[] = []
    const defaultsPeriods: Array<{ from: number, defaults: CollectiveDefaults }> = [{ from: charter.time, defaults: { trainingMining: {} } }]
    for (const { proposal, at, changes } of ordered) {
      const current = periods[periods.length - 1].terms
      const next = applyChanges(current, changes)
      if (typeof next === 'string') {
        amendments.push({ proposal, at, changes: [...changes], effect: 'void', reason: next })
        continue
      }
      amendments.push({ proposal, at, changes: [...changes], effect: 'applied' })
      if (changes.some(c => c.action === 'addAdmin' || c.action === 'removeAdmin' || c.action === 'setQuorum' || c.action === 'setPolicy')) {
        periods.push({ from: at, terms: next, proposal })
      }
      const defaults = changes.find(c => c.action === 'setDefaults')
      if (defaults !== undefined && defaults.action === 'setDefaults') {
        const previous = defaultsPeriods[defaultsPeriods.length - 1].defaults
        const trainingMining: Partial<Record<TrainingMiningKey, TrainingMiningEntry>> = { ...previous.trainingMining, ...defaults.trainingMining }
        const spdx = defaults.spdx ?? previous.spdx
        defaultsPeriods.push({ from: at, defaults: spdx === undefined ? { trainingMining } : { spdx, trainingMining } })
      }
    }
    this.periods = Object.freeze(periods)
    this.amendments = Object.freeze(amendments)
    this.defaultsPeriods = Object.freeze(defaultsPeriods)
  }

  /** What computeMembership reads: the terms through time and the decreed admits and removes (applied amendments only) */
  forMembership (): Amendments {
    const decrees: Array<Amendments['decrees'][number]> = []
    for (const amendment of this.amendments) {
      if (amendment.effect !== 'applied') continue
      for (const change of amendment.changes) {
        if (change.action === 'admit' || change.action === 'remove') decrees.push({ action: change.action, member: change.member, at: amendment.at, proposal: amendment.proposal })
      }
    }
    return {
      periods: this.periods.map(p => ({ from: p.from, admins: new Set(p.terms.admins), policy: p.terms.policy, quorum: p.terms.quorum, ...(p.proposal === undefined ? {} : { proposal: p.proposal }) })),
      decrees
    }
  }

  /** The terms in effect at `atMs` (the charter's own before its validFrom, where nothing is judged anyway) */
  termsAt (atMs: number): CharterTerms {
    let current = this.periods[0].terms
    for (const period of this.periods) {
      if (period.from > atMs) break
      current = period.terms
    }
    return current
  }

  /** The terms once every amendment has taken effect */
  latest (): CharterTerms {
    return this.periods[this.periods.length - 1].terms
  }

  /** Whether `did` is an admin at `atMs` */
  isAdminAt (did: string, atMs: number): boolean {
    return this.termsAt(atMs).admins.includes(did)
  }

  /** `did`'s admin intervals `[from, to)`, `to` = Infinity while open */
  adminIntervals (did: string): Array<[number, number]> {
    const out: Array<[number, number]> = []
    let openSince: number | undefined
    for (const period of this.periods) {
      const admin = period.terms.admins.includes(did)
      if (admin && openSince === undefined) openSince = period.from
      if (!admin && openSince !== undefined) { out.push([openSince, period.from]); openSince = undefined }
    }
    if (openSince !== undefined) out.push([openSince, Infinity])
    return out
  }

  /** Everyone who is an admin at some time */
  everAdmins (): string[] {
    const all = new Set<string>()
    for (const period of this.periods) for (const admin of period.terms.admins) all.add(admin)
    return [...all].sort(compareStrings)
  }

  /** The collective defaults in effect at `atMs` */
  defaultsAt (atMs: number): CollectiveDefaults {
    let current = this.defaultsPeriods[0].defaults
    for (const period of this.defaultsPeriods) {
      if (period.from > atMs) break
      current = period.defaults
    }
    return { ...current, trainingMining: { ...current.trainingMining } }
  }
}
