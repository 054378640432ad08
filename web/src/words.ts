/**
 * Records in plain words: license terms, AI-training permissions, digital source types. People read these
 * sentences; the typed fields stay one click away in the record view.
 */
import type { LicenseSubject, TrainingMiningEntry, TrainingMiningUse } from '../../src/records/index.ts'
import { formatBps, formatMoney, formatTime, shortDid, words } from './format.ts'

/** Names of the standard licenses people meet most, by SPDX id */
const SPDX_NAMES: Record<string, string> = {
  'CC0-1.0': 'Public domain dedication (CC0 1.0)',
  'CC-BY-4.0': 'Creative Commons Attribution 4.0',
  'CC-BY-SA-4.0': 'Creative Commons Attribution-ShareAlike 4.0',
  'CC-BY-NC-4.0': 'Creative Commons Attribution-NonCommercial 4.0',
  'CC-BY-NC-SA-4.0': 'Creative Commons Attribution-NonCommercial-ShareAlike 4.0',
  'CC-BY-ND-4.0': 'Creative Commons Attribution-NoDerivatives 4.0',
  'CC-BY-NC-ND-4.0': 'Creative Commons Attribution-NonCommercial-NoDerivatives 4.0',
  MIT: 'MIT License',
  'Apache-2.0': 'Apache License 2.0'
}

const AI_USE: Record<TrainingMiningUse, string> = {
  allowed: 'allowed',
  notAllowed: 'not allowed',
  constrained: 'allowed under conditions'
}

/** The headline of a license: its standard name, or what kind of custom terms it is */
export function licenseName (subject: LicenseSubject): string {
  if (subject.spdx != null) return SPDX_NAMES[subject.spdx] ?? subject.spdx
  const t = subject.terms
  if (t.commercialUse && t.derivativesAllowed) return 'Custom terms: commercial remix'
  if (t.derivativesAllowed) return 'Custom terms: non-commercial remix'
  if (t.commercialUse) return 'Custom terms: commercial use, no derivatives'
  return 'Custom terms: all rights reserved'
}

/** Royalty policies in plain words, with the precise term for hover */
const POLICY: Record<string, { text: string, term: string }> = {
  LRP: {
    text: 'Royalties pass up the lineage step by step: the share is taken from what direct derivatives earn, and each of them passes its own share on.',
    term: 'LRP: liquid relative percentage'
  },
  LAP: {
    text: 'Royalties are owed by every derivative, however far down the lineage, straight to this work.',
    term: 'LAP: liquid absolute percentage'
  }
}

/** The terms of a license as sentences, most important first */
export function licenseSentences (subject: LicenseSubject): string[] {
  return licenseLines(subject).map(l => l.text)
}

/**
 * The terms of a license as sentences; a sentence that stands for a technical term carries it as `term` (hover),
 * and the revenue split carries its payees as `splits` so the page can name them (the text keeps short dids)
 */
export function licenseLines (subject: LicenseSubject): Array<{ text: string, term?: string, splits?: Array<{ id: string, share: number }> }> {
  const policy = POLICY[subject.royaltyPolicy] ?? POLICY.LAP
  const t = subject.terms
  const out: string[] = []
  if (t.commercialUse) out.push(`You may use it commercially${t.commercialAttribution ? ', crediting the creators' : ''}.`)
  else out.push('You may not use it commercially.')
  if (!t.derivativesAllowed) {
    out.push('You may not make derivative works (remixes, adaptations) of it.')
  } else {
    let s = 'You may remix and adapt it'
    if (t.derivativesAttribution) s += ', crediting the creators'
    if (t.derivativesApproval) s += ', once the licensor approves each derivative'
    out.push(`${s}.`)
    if (t.derivativesReciprocal) out.push('Derivatives must be offered under these same terms.')
  }
  if (t.commercialRevShare > 0) {
    out.push(`${formatBps(t.commercialRevShare)} of the revenue of commercial derivatives is owed back to this work.`)
  }
  const policyAt = out.length
  out.push(policy.text)
  if (t.mintingFee != null && t.mintingFee.amount > 0) out.push(`A license costs ${formatMoney(t.mintingFee.amount, t.mintingFee.currency)}.`)
  out.push(`AI training on it: ${AI_USE[t.aiTraining]}.`)
  out.push(t.territories != null && t.territories.length > 0 ? `Valid only in: ${t.territories.join(', ')}.` : 'Valid worldwide.')
  if (t.expiration != null) out.push(`Valid until ${formatTime(t.expiration)}.`)
  let splitAt = -1
  if (subject.splits != null && subject.splits.length > 0) {
    splitAt = out.length
    out.push(`Revenue goes to ${subject.splits.map(s => `${shortDid(s.id)} (${formatBps(s.share)})`).join(', ')}.`)
  }
  if (t.customTerms != null && t.customTerms !== '') out.push(`Further terms: ${t.customTerms}`)
  return out.map((text, i) => i === policyAt ? { text, term: policy.term } : i === splitAt ? { text, splits: subject.splits } : { text })
}

const TRAINING_KEYS: Record<string, string> = {
  'cawg.ai_training': 'Training AI models',
  'cawg.ai_generative_training': 'Training generative AI',
  'cawg.ai_inference': 'Use as input to AI (inference)',
  'cawg.data_mining': 'Data mining'
}

/** An asset's CAWG training-and-mining entries as sentences ("Training AI models: not allowed") */
export function trainingSentences (entries: Partial<Record<string, TrainingMiningEntry>> | undefined): string[] {
  if (entries == null) return []
  return Object.entries(entries).flatMap(([key, entry]) => {
    if (entry == null) return []
    const info = entry.constraintInfo != null && entry.constraintInfo !== '' ? ` (${entry.constraintInfo})` : ''
    return [`${TRAINING_KEYS[key] ?? key}: ${AI_USE[entry.use] ?? entry.use}${info}.`]
  })
}

const SOURCE_TYPES: Record<string, string> = {
  digitalCapture: 'Captured by a camera or recorder',
  negativeFilm: 'Scanned from a film negative',
  positiveFilm: 'Scanned from film',
  print: 'Scanned from a print',
  humanEdits: 'Edited by a person',
  minorHumanEdits: 'Lightly edited by a person',
  compositeCapture: 'A composite of captures',
  algorithmicallyEnhanced: 'Enhanced by an algorithm',
  digitalCreation: 'Made by a person with digital tools',
  dataDrivenMedia: 'Generated from data',
  trainedAlgorithmicMedia: 'Generated by AI',
  compositeWithTrainedAlgorithmicMedia: 'A composite that includes AI-generated parts',
  algorithmicMedia: 'Generated by an algorithm (not AI-trained)',
  screenCapture: 'A screen capture',
  virtualRecording: 'A recording of a virtual event',
  composite: 'A composite',
  compositeSynthetic: 'A composite of synthetic elements'
}

/** An IPTC digital source type URI in words */
export function sourceTypeWords (uri: string): string {
  const code = uri.split('/').pop() ?? uri
  return SOURCE_TYPES[code] ?? words(code)
}
