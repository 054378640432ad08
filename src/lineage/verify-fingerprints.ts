/**
 * The fingerprint claims of an asset record against its bytes, where this node holds them: each fingerprint of a
 * known algorithm is recomputed and compared within its tolerance (src/fingerprints/compare.ts). Run only after the
 * content binding found every block held and sound (`content.valid`): bytes not held, or not the bytes the CID
 * names, are no ground to judge a fingerprint on, as `content.notHeld` is no ground to judge the content on.
 *
 * Findings: `fingerprint.mismatch` (warning) names each claim the bytes do not give, with its distance;
 * `fingerprint.valid` (info) the claims they do give; `fingerprint.unchecked` (info) claims that could not be
 * recomputed here (a work over the node's or the algorithm's size bounds, or the report's content budget spent).
 * Fingerprints of algorithms this release does not know are left alone.
 */
import { checkClaims, claimedKinds } from '../fingerprints/compare.ts'
import type { ClaimCheck, FingerprintKind } from '../fingerprints/compare.ts'
import { isKnownAlg } from '../fingerprints/codes.ts'
import type { AssetSubject, FingerprintClaim } from '../records/types.ts'
import type { Finding } from './verify-codes.ts'
import type { ContentBudget } from './verify-content.ts'
import { finding, ref } from './verify-text.ts'
import type { VerifyView } from './verify-view.ts'

const IMAGE_ALGS = new Set(['pdq-256', 'iscc-image-64'])

function kindOf (alg: string): FingerprintKind {
  return IMAGE_ALGS.has(alg) ? 'image' : 'text'
}

function describe (c: ClaimCheck): string {
  if (c.distance == null) return `${c.alg} (the bytes give no such code)`
  const quality = c.quality != null ? `; quality ${c.quality.claimed} claimed, ${c.quality.computed} from the bytes` : ''
  return `${c.alg} (${c.distance} bits apart, tolerance ${c.tolerance ?? 0}${quality})`
}

/**
 * Check `subject.fingerprints` against the held bytes of `content`; `contentFindings` are the content binding's
 * findings for the same record. No claims, no way to recompute, or bytes not known sound: no finding.
 */
export async function checkFingerprints (view: VerifyView, record: string, subject: AssetSubject, content: string,
  contentFindings: readonly Finding[], budget: ContentBudget): Promise<Finding[]> {
  const claims = (subject.fingerprints ?? []).filter(c => isKnownAlg(c.alg))
  if (claims.length === 0 || view.workFingerprints == null) return []
  if (!contentFindings.some(f => f.code === 'content.valid')) return []
  const checks: ClaimCheck[] = []
  const unchecked: Array<{ claims: FingerprintClaim[], why: string }> = []
  for (const kind of claimedKinds(claims)) {
    const mine = claims.filter(c => kindOf(c.alg) === kind)
    if (budget.remaining < subject.byteSize) {
      unchecked.push({ claims: mine, why: 'the report\'s content budget ran out' })
      continue
    }
    budget.remaining -= subject.byteSize
    const out = await view.workFingerprints(content, subject.mediaType, subject.byteSize, kind)
    if (out.status === 'notHeld') continue
    if (out.status === 'refused' && out.reason === 'tooLarge') {
      unchecked.push({ claims: mine, why: `the work is over a size bound (${out.message})` })
      continue
    }
    // bytes that are not an image (or not UTF-8 text) give no code of that kind: a claim of one does not match
    checks.push(...checkClaims(mine, out.status === 'computed' ? out.fingerprints : []))
  }
  const out: Finding[] = []
  const bad = checks.filter(c => c.outcome === 'mismatch')
  const good = checks.filter(c => c.outcome === 'match')
  if (bad.length > 0) {
    out.push(finding('fingerprint.mismatch', record,
      `The fingerprints claimed for the content ${ref(content)} do not match its bytes held here: ${bad.map(describe).join('; ')}.`, [content]))
  }
  if (good.length > 0) {
    out.push(finding('fingerprint.valid', record,
      `The fingerprints claimed for the content ${ref(content)} match its bytes held here: ${good.map(describe).join('; ')}.`, [content]))
  }
  for (const u of unchecked) {
    out.push(finding('fingerprint.unchecked', record,
      `The ${u.claims.map(c => c.alg).join(' and ')} fingerprints claimed for the content ${ref(content)} were not recomputed: ${u.why}.`, [content]))
  }
  return out
}
