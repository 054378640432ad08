/**
 * From a license offer as clients write it (a preset, an SPDX expression, single terms) to the license subject
 * this node signs, refusing what would sign a contradiction: an SPDX id that is not one ("gpl", "MIT-ish"), an
 * SPDX license whose terms the node does not know given without terms (they used to fall back to
 * all-rights-reserved, so "MIT" was signed as "no use without a grant"), a preset and an SPDX id that name two
 * licenses, and AI-training terms that contradict the asset's own training-and-mining assertion.
 */
import { InvalidRequestError, NotOwnerError } from '../../errors.ts'
import { licensePreset, LICENSE_PRESETS } from '../../records/license-presets.ts'
import type { LicensePreset } from '../../records/license-presets.ts'
import { checkSpdxExpression, SpdxProblem } from '../../records/spdx.ts'
import type { AssetSubject, LicenseSubject, LicenseTerms, RoyaltyPolicy, RoyaltySplit, TrainingMiningUse } from '../../records/types.ts'

export interface LicenseOffer {
  preset?: string
  spdx?: string
  terms?: Partial<LicenseTerms>
  royaltyPolicy?: RoyaltyPolicy
  splits?: RoyaltySplit[]
}

const PRESET_NAMES = Object.keys(LICENSE_PRESETS).join(', ')

/** Remove undefined fields: records carry absent fields, never null or undefined */
function compact<T extends object> (value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

/** The preset a standard license id stands for (CC-BY-4.0 → cc-by), case-insensitively */
export function presetOfSpdx (spdx: string): LicensePreset | undefined {
  return Object.values(LICENSE_PRESETS).find(p => 'spdx' in p && p.spdx.toLowerCase() === spdx.toLowerCase())
}

/** The asset's own answer to "may this train AI models" (`cawg.ai_training`), if it gives one */
export function assetAiTraining (subject: Pick<AssetSubject, 'trainingMining'>): TrainingMiningUse | undefined {
  return subject.trainingMining?.['cawg.ai_training']?.use
}

/**
 * The license subject for `offer` on `asset`. `assetTraining` is the asset's own AI-training assertion: a license
 * that says nothing about AI training takes it, one that says otherwise is refused (both are shown side by side,
 * and a reader could not tell which holds).
 */
export function licenseSubject (asset: string, offer: LicenseOffer, assetTraining?: TrainingMiningUse): LicenseSubject {
  let preset = offer.preset != null ? licensePreset(offer.preset) : undefined
  if (offer.preset != null && preset == null) {
    // an SPDX id given as a preset name is common: accept it when it names a preset
    preset = presetOfSpdx(offer.preset)
    if (preset == null) throw new InvalidRequestError(`preset "${offer.preset}" is unknown; use one of ${PRESET_NAMES}`, { details: { field: 'preset' } })
  }
  let spdx: string | undefined
  if (offer.spdx != null) {
    const checked = checkSpdxExpression(offer.spdx.trim())
    if (checked instanceof SpdxProblem) {
      throw new InvalidRequestError(`spdx: ${checked.message}`, { details: { field: 'spdx', suggestions: checked.suggestions } })
    }
    spdx = checked
    const named = presetOfSpdx(spdx)
    if (preset != null && preset.spdx != null && preset.spdx !== spdx) {
      throw new InvalidRequestError(`preset "${offer.preset ?? ''}" is ${preset.spdx}, not ${spdx}: give one of them`, { details: { field: 'spdx' } })
    }
    preset ??= named
    if (preset == null && (offer.terms == null || Object.keys(offer.terms).length === 0)) {
      throw new InvalidRequestError(`spdx: this node knows the terms of ${spdx} only if you state them (terms: commercialUse, ` +
        `derivativesAllowed, …): with none, the license would be signed as all rights reserved. Presets with known terms: ${PRESET_NAMES}`,
      { details: { field: 'terms' } })
    }
  }
  const trainingAsked = offer.terms?.aiTraining
  if (assetTraining != null && trainingAsked != null && trainingAsked !== assetTraining) {
    throw new InvalidRequestError(`terms.aiTraining is ${trainingAsked} but the asset says AI training is ${assetTraining}: they must agree`,
      { details: { field: 'terms.aiTraining' } })
  }
  const basis: LicensePreset = preset ?? LICENSE_PRESETS['all-rights-reserved']
  const terms: Partial<LicenseTerms> = { ...basis.terms, ...offer.terms }
  if (assetTraining != null) terms.aiTraining = assetTraining
  return compact({
    asset,
    spdx: spdx ?? basis.spdx,
    terms: compact(terms) as LicenseTerms,
    royaltyPolicy: offer.royaltyPolicy ?? basis.royaltyPolicy,
    splits: offer.splits
  })
}

/** Only the asset's author or one of its creators may offer a license for it (verify ignores anyone else's) */
export function requireOwner (did: string, asset: string, author: string, subject: Pick<AssetSubject, 'creators'>): void {
  const owners = new Set([author, ...(subject.creators ?? []).map(c => c.id)])
  if (!owners.has(did)) {
    throw new NotOwnerError(`asset: ${asset} is by ${author}; only its author or one of its creators can offer a license for it ` +
      '(verification ignores a license from anyone else). Ask them for a grant, or add your own work deriving from it.', { details: { field: 'asset' } })
  }
}
