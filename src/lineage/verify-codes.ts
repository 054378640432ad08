/**
 * The codes of a provenance verification report, in the manner of C2PA's validation status codes: a stable dotted
 * name per outcome (`signature.valid`, `license.approvalMissing`, …), each with a fixed severity. Programs branch
 * on `code`; people read the finding's message. `protocols/verification.md` is the normative table, and a test
 * checks that it lists exactly these codes with these severities.
 *
 * Severity: `error` means a rule is broken (the verdict is `failed`); `warning` means something a person should
 * look at, which a verifier cannot settle alone (the verdict is at best `warnings`); `info` records what was
 * checked, or what could not be checked for a harmless reason.
 */

export type Severity = 'info' | 'warning' | 'error'

/** The overall outcome: `failed` if any error, else `warnings` if any warning, else `verified` */
export type Verdict = 'verified' | 'warnings' | 'failed'

/** Every code, its severity and the rule it reports, one line each (the table in protocols/verification.md) */
export const VERIFICATION_CODES = {
  'signature.valid': { severity: 'info', rule: 'the stored record bytes hash to the record CID and the eddsa-jcs-2022 proof verifies with the issuer\'s did:key' },
  'signature.invalid': { severity: 'error', rule: 'the proof does not verify against the issuer\'s key' },
  'record.malformed': { severity: 'error', rule: 'the stored bytes are not a valid record (JSON, schema or field rules)' },
  'record.hashMismatch': { severity: 'error', rule: 'the stored bytes are a valid record whose CID is not the CID it is stored under' },
  'record.notHeld': { severity: 'error', rule: 'the index lists the record but its block is missing from the store, so nothing about it can be re-checked' },
  'record.revoked': { severity: 'error', rule: 'a revocation by the record\'s own author took effect at or before the time of the report' },
  'record.revocationPending': { severity: 'info', rule: 'a revocation by the record\'s own author takes effect after the time of the report' },
  'membership.valid': { severity: 'info', rule: 'the record names a collective and its author was a member at its validFrom, the instant the door judges too' },
  'membership.notMember': { severity: 'error', rule: 'the record names a collective its author was not a member of at its validFrom' },
  'membership.unknown': { severity: 'info', rule: 'the record names a collective whose membership this node cannot establish' },
  'content.valid': { severity: 'info', rule: 'every block of the content, held locally, hashes to its CID, and the UnixFS file structure is consistent' },
  'content.notHeld': { severity: 'info', rule: 'the content\'s root block is not held locally, so the binding was not checked' },
  'content.incomplete': { severity: 'info', rule: 'the blocks that were checked are sound, but some were not held locally or the report\'s content budget ran out' },
  'content.hashMismatch': { severity: 'error', rule: 'a block held locally does not hash to the CID it is stored under' },
  'content.malformed': { severity: 'error', rule: 'the content DAG is not a consistent UnixFS file (undecodable node, sizes that do not add up)' },
  'content.sizeMismatch': { severity: 'warning', rule: 'the file size computed from the content differs from the record\'s byteSize' },
  'content.unsupported': { severity: 'info', rule: 'the content CID uses a codec or hash function this verifier does not check' },
  'encryption.valid': { severity: 'info', rule: 'the content of an encrypted work starts with the header its record describes (epoch, chunk size, salt, wrapped key); its work key opens with this node\'s epoch key where it holds one' },
  'encryption.headerMismatch': { severity: 'error', rule: 'the content held here is not the encrypted work its record describes (no header, or another epoch, chunk size, salt or wrapped key)' },
  'encryption.wrapInvalid': { severity: 'error', rule: 'this node holds the key of the work\'s epoch, and the wrapped work key does not open with it' },
  'fingerprint.valid': { severity: 'info', rule: 'the fingerprints the record claims, recomputed from the content held here, match within their tolerance' },
  'fingerprint.mismatch': { severity: 'warning', rule: 'a fingerprint the record claims is not what the content held here gives (beyond its tolerance, or the bytes give no code of that kind)' },
  'fingerprint.unchecked': { severity: 'info', rule: 'the content is held here, but its claimed fingerprints were not recomputed (over a size bound, or the report\'s content budget ran out)' },
  'ingredient.missing': { severity: 'warning', rule: 'an ingredient names a parent record this node does not hold' },
  'ingredient.notAsset': { severity: 'error', rule: 'an ingredient names a record that is not an asset record' },
  'ingredient.unrecorded': { severity: 'info', rule: 'an ingredient names content only, and no asset record of that content is held' },
  'lineage.cycle': { severity: 'warning', rule: 'the ingredient references loop back to a record already in the lineage; each record is checked once' },
  'lineage.depthLimit': { severity: 'info', rule: 'the record has parents beyond the depth of the report, which were not checked' },
  'lineage.truncated': { severity: 'warning', rule: 'the report reached its record limit; parents of this record were not checked' },
  'license.permitted': { severity: 'info', rule: 'a license of the parent, offered by its author, permits the derivation' },
  'license.ownWork': { severity: 'info', rule: 'the child\'s author is the parent\'s author or one of its creators: no license is needed' },
  'license.notFromAuthor': { severity: 'info', rule: 'a license of the parent was issued by someone who is neither its author nor a creator; it is ignored' },
  'license.none': { severity: 'warning', rule: 'the parent\'s author offers no license for it, so the derivation\'s permission is unknown' },
  'license.derivativesNotAllowed': { severity: 'error', rule: 'the parent\'s license does not allow derivatives' },
  'license.approvalMissing': { severity: 'error', rule: 'the parent\'s license requires approval and no grant of it from the licensor to the child\'s author is held' },
  'license.reciprocalMissing': { severity: 'error', rule: 'the parent\'s license is reciprocal and the child is not offered under the same terms and royalty policy' },
  'license.attributionMissing': { severity: 'warning', rule: 'the parent\'s license requires attribution on derivatives and a license of the child does not require it in turn' },
  'license.expired': { severity: 'error', rule: 'the parent\'s license had expired when the child was signed' },
  'license.revoked': { severity: 'error', rule: 'the parent\'s license was revoked by its author before the child was signed' },
  'training.allowed': { severity: 'info', rule: 'the inputTo ingredient\'s training-and-mining assertion or a license of it allows AI use' },
  'training.unspecified': { severity: 'info', rule: 'the inputTo ingredient states nothing about AI training or data mining' },
  'training.constrained': { severity: 'warning', rule: 'the inputTo ingredient allows AI use only under constraints a verifier cannot check' },
  'training.notAllowed': { severity: 'error', rule: 'the inputTo ingredient\'s assertion, or every license of it, does not allow AI training, inference or data mining' },
  'possible.unattributed_derivative': { severity: 'warning', rule: 'the asset\'s fingerprint is within the match radius of an earlier asset by another author, with no lineage path, license or grant linking the two' },
  'claim.conflict': { severity: 'warning', rule: 'another author\'s asset record claimed the same content CID earlier (by its own validFrom)' },
  'chain.fork': { severity: 'warning', rule: 'another record of the same author names the same previous record: the author\'s chain forks' },
  'chain.foreignPrevious': { severity: 'error', rule: 'the record\'s previous names a record signed by another author' },
  'chain.backdated': { severity: 'warning', rule: 'the record\'s validFrom is earlier than the validFrom of its previous record' },
  'time.future': { severity: 'warning', rule: 'the record\'s validFrom or proof.created is later than the time of the report plus the clock-skew bound' }
} as const satisfies Record<string, { severity: Severity, rule: string }>

export type VerificationCode = keyof typeof VERIFICATION_CODES

/** One finding of a report */
export interface Finding {
  code: VerificationCode
  severity: Severity
  /** CID of the record the finding concerns (for a derivation, the child) */
  record: string
  /** a sentence a person understands */
  message: string
  /** other records involved: a parent, a license, a grant, a revocation, an earlier claim */
  related?: string[]
}

/** The severity of a code */
export function severityOf (code: VerificationCode): Severity {
  return VERIFICATION_CODES[code].severity
}

/** `failed` if any error, else `warnings` if any warning, else `verified` */
export function verdictOf (findings: ReadonlyArray<Pick<Finding, 'severity'>>): Verdict {
  let warnings = false
  for (const f of findings) {
    if (f.severity === 'error') return 'failed'
    if (f.severity === 'warning') warnings = true
  }
  return warnings ? 'warnings' : 'verified'
}
