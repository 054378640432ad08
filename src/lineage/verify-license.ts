/**
 * License rules of a derivation, and AI-training consent of an AI input, judged from the records held here.
 *
 * Derivation (a `parentOf` or `componentOf` ingredient): the child needs no license when its author is the
 * parent's author or one of its creators. Otherwise the parent's licenses count only when issued by its author or
 * a creator. The derivation is permitted when at least one of them, as it stood when the child was signed
 * (`validFrom`), passes every rule: not revoked by then, not expired by then, derivatives allowed; approval
 * required → a grant of that license from its licensor to the child's author (or a creator), unexpired and
 * unrevoked at that time; reciprocal → the child is offered (now) under a license with the same terms and royalty
 * policy; attribution required → every license the child offers requires attribution in turn. When none passes,
 * the findings of the license that came closest (fewest errors, then fewest warnings, then newest) are reported.
 *
 * AI input (`inputTo`): the ingredient's own `cawg.training-mining` assertion is read first: any of
 * `cawg.ai_training`, `cawg.ai_generative_training`, `cawg.ai_inference`, `cawg.data_mining` set to `notAllowed`
 * forbids the use (an input to an AI system may be any of these, and the record does not say which). Failing that,
 * if every license the author offers says `aiTraining: notAllowed`, the use is forbidden too. `constrained`
 * anywhere (with no `allowed` license to lift it) is a warning; an explicit `allowed` is recorded; silence is
 * recorded as unspecified.
 */
import { canonicalString } from '../records/jcs.ts'
import { parseRecordTime } from '../records/time.ts'
import type {
  AssetSubject, GrantSubject, LicenseSubject, Relationship, RevocationSubject, TrainingMiningKey, ValidRecord
} from '../records/types.ts'
import type { Finding } from './verify-codes.ts'
import type { VerifiedRecords } from './verify-records.ts'
import { finding, named, ref } from './verify-text.ts'

/** The training-and-mining keys an `inputTo` use may touch */
export const TRAINING_KEYS: readonly TrainingMiningKey[] = ['cawg.ai_training', 'cawg.ai_generative_training', 'cawg.ai_inference', 'cawg.data_mining']

type Asset = ValidRecord<'asset'>
type License = ValidRecord<'license'>

function subject (a: Asset): AssetSubject {
  return a.credential.credentialSubject
}

function terms (l: License): LicenseSubject['terms'] {
  return l.credential.credentialSubject.terms
}

/** The author and the creators of an asset: the identities entitled to license it */
export function ownersOf (a: Asset): Set<string> {
  return new Set([a.author, ...subject(a).creators.map(c => c.id)])
}

function timeOf (value: string | undefined): number | undefined {
  if (value == null) return undefined
  try {
    return parseRecordTime(value, 'time')
  } catch {
    return undefined
  }
}

/** Rules over one report's records; caches what several derivations ask alike */
export class LicenseRules {
  private readonly records: VerifiedRecords
  private readonly now: number
  private readonly revocations = new Map<string, Promise<{ at?: number, by?: string, problems: Finding[] }>>()
  private readonly offers = new Map<string, Promise<{ licenses: License[], problems: Finding[] }>>()

  constructor (records: VerifiedRecords, now: number) {
    this.records = records
    this.now = now
  }

  /** When `record` was withdrawn by its own author (earliest effectiveFrom), if ever */
  async revokedAt (record: ValidRecord): Promise<{ at?: number, by?: string, problems: Finding[] }> {
    let found = this.revocations.get(record.cid)
    if (found == null) {
      found = (async () => {
        const { records, problems } = await this.records.related('revocation', { target: record.cid })
        let at: number | undefined
        let by: string | undefined
        for (const r of records) {
          if (r.author !== record.author) continue
          const from = timeOf((r.credential.credentialSubject as RevocationSubject).effectiveFrom)
          if (from != null && (at == null || from < at)) { at = from; by = r.cid }
        }
        return { at, by, problems }
      })()
      this.revocations.set(record.cid, found)
    }
    return found
  }

  /** The licenses of `asset` from its author or creators (others are reported by `split`), with problems */
  private async licensesOf (asset: Asset): Promise<{ offered: License[], others: License[], problems: Finding[] }> {
    const { records, problems } = await this.records.related('license', { asset: asset.cid })
    const owners = ownersOf(asset)
    const offered: License[] = []
    const others: License[] = []
    for (const r of records as License[]) (owners.has(r.author) ? offered : others).push(r)
    return { offered, others, problems }
  }

  /** Licenses the child offers now: from its author or creators, not revoked as of the report's time */
  private async childOffers (child: Asset): Promise<{ licenses: License[], problems: Finding[] }> {
    let found = this.offers.get(child.cid)
    if (found == null) {
      found = (async () => {
        const { offered, problems } = await this.licensesOf(child)
        const licenses: License[] = []
        for (const l of offered) {
          const r = await this.revokedAt(l)
          problems.push(...r.problems)
          if (r.at == null || r.at > this.now) licenses.push(l)
        }
        return { licenses, problems }
      })()
      this.offers.set(child.cid, found)
    }
    return found
  }

  private notFromAuthor (child: Asset, parent: Asset, others: License[]): Finding[] {
    return others.map(l => finding('license.notFromAuthor', child.cid,
      `License ${ref(l.cid)} offered for ${named(parent, parent.cid)} was issued by ${l.author}, who is neither its author nor one of its creators, so it is not taken into account.`,
      [parent.cid, l.cid]))
  }

  /** Findings for `child` deriving from `parent` (a parentOf / componentOf ingredient) */
  async derivation (child: Asset, parent: Asset, relationship: Relationship): Promise<Finding[]> {
    const c = named(child, child.cid)
    const p = named(parent, parent.cid)
    if (ownersOf(parent).has(child.author)) {
      return [finding('license.ownWork', child.cid, `${c} is by the author or a creator of its ingredient ${p} (${relationship}), so it needs no license to derive from it.`, [parent.cid])]
    }
    const { offered, others, problems } = await this.licensesOf(parent)
    const out = [...problems, ...this.notFromAuthor(child, parent, others)]
    if (offered.length === 0) {
      out.push(finding('license.none', child.cid,
        `${p}, used as ${relationship} of ${c}, carries no license from its author: whether it may be adapted is not on record.`, [parent.cid]))
      return out
    }
    const evaluations = await Promise.all(offered.map(async l => this.evaluate(child, parent, l)))
    let best = 0
    const score = (fs: Finding[]): [number, number] => [fs.filter(f => f.severity === 'error').length, fs.filter(f => f.severity === 'warning').length]
    evaluations.forEach((e, i) => {
      const [ea, wa] = score(e)
      const [eb, wb] = score(evaluations[best])
      if (ea < eb || (ea === eb && wa < wb)) best = i
    })
    const chosen = evaluations[best]
    if (score(chosen)[0] === 0) {
      out.push(finding('license.permitted', child.cid,
        `License ${ref(offered[best].cid)} of ${p} permits its use as ${relationship} of ${c}.`, [parent.cid, offered[best].cid]))
    }
    out.push(...chosen)
    return out
  }

  /** Every rule of one license for one derivation; an empty list means it permits the derivation cleanly */
  private async evaluate (child: Asset, parent: Asset, license: License): Promise<Finding[]> {
    const t = terms(license)
    const c = named(child, child.cid)
    const p = named(parent, parent.cid)
    const L = ref(license.cid)
    const related = [parent.cid, license.cid]
    const revocation = await this.revokedAt(license)
    const out: Finding[] = [...revocation.problems]
    if (revocation.at != null && revocation.at <= child.time) {
      out.push(finding('license.revoked', child.cid,
        `License ${L} of ${p} was revoked by its author from ${new Date(revocation.at).toISOString()}, before ${c} was signed (${new Date(child.time).toISOString()}).`,
        [...related, revocation.by as string]))
    }
    const expires = timeOf(t.expiration)
    if (expires != null && expires < child.time) {
      out.push(finding('license.expired', child.cid,
        `License ${L} of ${p} expired on ${t.expiration}, before ${c} was signed (${new Date(child.time).toISOString()}).`, related))
    }
    if (!t.derivativesAllowed) {
      out.push(finding('license.derivativesNotAllowed', child.cid, `License ${L} of ${p} does not allow derivative works, yet ${c} derives from it.`, related))
      return out
    }
    if (t.derivativesApproval && !(await this.approved(child, parent, license, out))) {
      out.push(finding('license.approvalMissing', child.cid,
        `License ${L} of ${p} allows derivatives only with the licensor's approval, and no grant of it to the author of ${c} is held.`, related))
    }
    if (t.derivativesReciprocal || t.derivativesAttribution) {
      const offers = await this.childOffers(child)
      out.push(...offers.problems)
      if (t.derivativesReciprocal) {
        const wanted = canonicalString(t)
        const policy = license.credential.credentialSubject.royaltyPolicy
        const same = offers.licenses.some(l => l.credential.credentialSubject.royaltyPolicy === policy && canonicalString(terms(l)) === wanted)
        if (!same) {
          out.push(finding('license.reciprocalMissing', child.cid,
            `License ${L} of ${p} is reciprocal: derivatives must be offered on the same terms, but ${c} carries no license with those terms and the ${policy} royalty policy.`, related))
        }
      }
      if (t.derivativesAttribution) {
        for (const l of offers.licenses) {
          if (terms(l).derivativesAttribution) continue
          out.push(finding('license.attributionMissing', child.cid,
            `License ${L} of ${p} requires attribution on derivatives, but license ${ref(l.cid)} of ${c} does not require attribution in turn, so the credit could be lost downstream.`,
            [...related, l.cid]))
        }
      }
    }
    return out
  }

  /** A grant of `license` by its licensor to the child's author or a creator, valid when the child was signed */
  private async approved (child: Asset, parent: Asset, license: License, problems: Finding[]): Promise<boolean> {
    for (const licensee of ownersOf(child)) {
      const { records, problems: p } = await this.records.related('grant', { asset: parent.cid, licensee })
      problems.push(...p)
      for (const g of records as Array<ValidRecord<'grant'>>) {
        const s: GrantSubject = g.credential.credentialSubject
        if (g.author !== license.author || s.license !== license.cid) continue
        const expires = timeOf(s.expiration)
        if (expires != null && expires < child.time) continue
        const revoked = await this.revokedAt(g)
        problems.push(...revoked.problems)
        if (revoked.at != null && revoked.at <= child.time) continue
        return true
      }
    }
    return false
  }

  /** Findings for `child` using `parent` as an AI input (an inputTo ingredient) */
  async training (child: Asset, parent: Asset): Promise<Finding[]> {
    const c = named(child, child.cid)
    const p = named(parent, parent.cid)
    if (ownersOf(parent).has(child.author)) {
      return [finding('license.ownWork', child.cid, `${c} is by the author or a creator of its AI input ${p}, so it needs no consent to use it.`, [parent.cid])]
    }
    const assertion = subject(parent).trainingMining ?? {}
    const forbidden = TRAINING_KEYS.filter(k => assertion[k]?.use === 'notAllowed')
    if (forbidden.length > 0) {
      return [finding('training.notAllowed', child.cid,
        `${p} was used as an AI input (inputTo) of ${c}, but its own training-and-mining assertion says notAllowed for ${forbidden.join(', ')}.`, [parent.cid])]
    }
    const { offered, others, problems } = await this.licensesOf(parent)
    const out = [...problems, ...this.notFromAuthor(child, parent, others)]
    const uses: string[] = []
    for (const l of offered) {
      const revoked = await this.revokedAt(l)
      out.push(...revoked.problems)
      const expires = timeOf(terms(l).expiration)
      if ((revoked.at != null && revoked.at <= child.time) || (expires != null && expires < child.time)) continue
      uses.push(terms(l).aiTraining)
    }
    if (uses.length > 0 && uses.every(u => u === 'notAllowed')) {
      out.push(finding('training.notAllowed', child.cid,
        `${p} was used as an AI input (inputTo) of ${c}, but every license its author offers says aiTraining: notAllowed.`, [parent.cid]))
      return out
    }
    const constrained = TRAINING_KEYS.filter(k => assertion[k]?.use === 'constrained')
    const licenseAllows = uses.includes('allowed')
    if (constrained.length > 0 || (!licenseAllows && uses.includes('constrained'))) {
      const info = constrained.map(k => assertion[k]?.constraintInfo).filter((s): s is string => s != null && s !== '')
      out.push(finding('training.constrained', child.cid,
        `${p} allows AI use only under constraints (${constrained.length > 0 ? constrained.join(', ') : 'its license'}${info.length > 0 ? ': ' + info.join('; ') : ''}); check that ${c} respects them.`, [parent.cid]))
    } else if (licenseAllows || TRAINING_KEYS.some(k => assertion[k]?.use === 'allowed')) {
      out.push(finding('training.allowed', child.cid, `${p} allows its use as an AI input of ${c}.`, [parent.cid]))
    } else {
      out.push(finding('training.unspecified', child.cid, `${p}, an AI input of ${c}, states nothing about AI training or data mining.`, [parent.cid]))
    }
    return out
  }
}
