/**
 * Which license governs an asset's royalties, and who is paid the asset's part. Rules (protocols/royalties.md §2):
 *
 * - A license counts only when its issuer is the asset record's issuer or one of its creators: anyone may sign a
 *   license record naming any asset, and a stranger's "license" must not redirect a work's revenue.
 * - A license revoked by its own issuer (a revocation whose `effectiveFrom` is at or before the time of the split)
 *   does not count; a revocation by anyone else is ignored.
 * - Of the licenses that count, the one asking the largest `commercialRevShare` governs (the records do not say
 *   under which license a child was made, so the node reports the largest claim); ties go to the newest license,
 *   then to the smaller CID, so the choice never depends on the order the view lists them in.
 * - The asset's own part goes to the governing license's `splits`, or, when it has none (or no license counts), to
 *   the asset's creators by their shares.
 */
import { BASIS_POINTS_TOTAL } from '../records/constants.ts'
import type { AssetSubject, Credential, LicenseSubject, RoyaltyPolicy } from '../records/types.ts'
import { licensesOfAll, revocationsOfAll } from './view.ts'
import type { HeldRecord, LineageView } from './view.ts'

/** A payee of an asset's own part */
export interface ShareHolder {
  did: string
  /** basis points of the asset's own part */
  share: number
}

/** The royalty terms that apply to an asset */
export interface GoverningTerms {
  /** the governing license record; undefined when no license counts */
  license?: string
  /** royalty policy of the governing license */
  policy?: RoyaltyPolicy
  /** `commercialRevShare` of the governing license, basis points (0 without a license) */
  rate: number
  /** who is paid the asset's own part */
  holders: ShareHolder[]
  /** where `holders` come from */
  holdersFrom: 'splits' | 'creators'
}

const POLICIES = new Set<string>(['LAP', 'LRP'])

function timeOf (credential: Credential): number {
  const t = Date.parse(credential.validFrom)
  return Number.isFinite(t) ? t : 0
}

/** True when `license` is withdrawn at `at` by a revocation of its own issuer */
function isRevoked (license: HeldRecord<'license'>, revocations: Array<HeldRecord<'revocation'>>, at: number): boolean {
  return revocations.some(r => r.credential.issuer === license.credential.issuer &&
    r.credential.credentialSubject.record === license.cid &&
    Date.parse(r.credential.credentialSubject.effectiveFrom) <= at)
}

/** A revenue share as a whole number of basis points, 0..10000; anything else counts as 0 */
function rateOf (subject: LicenseSubject): number {
  const r = subject.terms?.commercialRevShare
  return Number.isSafeInteger(r) && r >= 0 && r <= BASIS_POINTS_TOTAL ? r : 0
}

/** Share holders with positive integer shares; an entry without a usable share is left out */
function holdersOf (list: Array<{ id: string, share: number }> | undefined): ShareHolder[] {
  return (list ?? [])
    .filter(h => typeof h.id === 'string' && Number.isSafeInteger(h.share) && h.share > 0)
    .map(h => ({ did: h.id, share: h.share }))
}

/**
 * The terms governing each asset record at time `at` (epoch ms), in the order given: the licenses of all of them in
 * one view call, then the revocations of all those licenses in another.
 */
export async function governingTermsOf (view: LineageView, assets: Array<HeldRecord<'asset'>>, at: number): Promise<GoverningTerms[]> {
  const offered = await licensesOfAll(view, assets.map(a => a.cid))
  const counted = assets.map(({ cid, credential }, i) => {
    const entitled = new Set<string>([credential.issuer, ...credential.credentialSubject.creators.map(c => c.id)])
    return offered[i].filter(l => l.credential.credentialSubject.asset === cid && entitled.has(l.credential.issuer) &&
      POLICIES.has(l.credential.credentialSubject.royaltyPolicy))
  })
  const revocations = await revocationsOfAll(view, counted.flatMap(list => list.map(l => l.cid)))
  let r = 0
  return assets.map(({ credential }, i) => {
    const live = counted[i].filter(l => !isRevoked(l, revocations[r++], at))
    return termsFrom(credential.credentialSubject, live)
  })
}

/** The terms given by the licenses that count (`live`: not revoked, issued by someone entitled) */
function termsFrom (subject: AssetSubject, live: Array<HeldRecord<'license'>>): GoverningTerms {
  live.sort((a, b) => rateOf(b.credential.credentialSubject) - rateOf(a.credential.credentialSubject) ||
    timeOf(b.credential) - timeOf(a.credential) || (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0))
  const creators = holdersOf(subject.creators)
  const best = live[0]
  if (best == null) return { rate: 0, holders: creators, holdersFrom: 'creators' }
  const terms = best.credential.credentialSubject
  const splits = holdersOf(terms.splits)
  return {
    license: best.cid,
    policy: terms.royaltyPolicy,
    rate: rateOf(terms),
    holders: splits.length > 0 ? splits : creators,
    holdersFrom: splits.length > 0 ? 'splits' : 'creators'
  }
}
