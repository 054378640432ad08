/**
 * Named license presets: typed PIL-style terms for the licenses people pick most. Shared by the gateway (the
 * `preset` field), the CLI (`--license`) and the web page's upload form, so the same name means the same terms.
 */
import type { LicenseTerms, RoyaltyPolicy } from './types.ts'

export interface LicensePreset {
  /** SPDX id when the preset is a standard license */
  spdx?: string
  terms: LicenseTerms
  royaltyPolicy: RoyaltyPolicy
  /** one line a person understands */
  summary: string
}

const base: LicenseTerms = {
  commercialUse: false,
  commercialAttribution: false,
  derivativesAllowed: false,
  derivativesAttribution: false,
  derivativesApproval: false,
  derivativesReciprocal: false,
  commercialRevShare: 0,
  aiTraining: 'notAllowed'
}

export const LICENSE_PRESETS = {
  cc0: {
    spdx: 'CC0-1.0',
    royaltyPolicy: 'LAP',
    summary: 'Public domain: anyone may use, change and sell it, no attribution needed.',
    terms: { ...base, commercialUse: true, derivativesAllowed: true, aiTraining: 'allowed' }
  },
  'cc-by': {
    spdx: 'CC-BY-4.0',
    royaltyPolicy: 'LAP',
    summary: 'Anyone may use, change and sell it, crediting the creators.',
    terms: { ...base, commercialUse: true, commercialAttribution: true, derivativesAllowed: true, derivativesAttribution: true, aiTraining: 'allowed' }
  },
  'cc-by-sa': {
    spdx: 'CC-BY-SA-4.0',
    royaltyPolicy: 'LAP',
    summary: 'Anyone may use, change and sell it, crediting the creators and sharing changes under the same terms.',
    terms: { ...base, commercialUse: true, commercialAttribution: true, derivativesAllowed: true, derivativesAttribution: true, derivativesReciprocal: true, aiTraining: 'allowed' }
  },
  'cc-by-nc': {
    spdx: 'CC-BY-NC-4.0',
    royaltyPolicy: 'LAP',
    summary: 'Anyone may use and change it for non-commercial purposes, crediting the creators.',
    terms: { ...base, derivativesAllowed: true, derivativesAttribution: true, aiTraining: 'notAllowed' }
  },
  'non-commercial-remix': {
    royaltyPolicy: 'LAP',
    summary: 'Remix for non-commercial purposes with credit; no AI training.',
    terms: { ...base, derivativesAllowed: true, derivativesAttribution: true, derivativesReciprocal: true }
  },
  'commercial-remix': {
    royaltyPolicy: 'LAP',
    summary: 'Remix and sell with credit; 10 % of derivative revenue flows back; no AI training.',
    terms: { ...base, commercialUse: true, commercialAttribution: true, derivativesAllowed: true, derivativesAttribution: true, derivativesReciprocal: true, commercialRevShare: 1000 }
  },
  'all-rights-reserved': {
    royaltyPolicy: 'LAP',
    summary: 'No use without a grant from the creators.',
    terms: { ...base }
  }
} as const satisfies Record<string, LicensePreset>

export type LicensePresetName = keyof typeof LICENSE_PRESETS

/** The preset of that name, or undefined */
export function licensePreset (name: string): LicensePreset | undefined {
  return Object.hasOwn(LICENSE_PRESETS, name) ? LICENSE_PRESETS[name as LicensePresetName] : undefined
}
