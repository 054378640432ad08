/**
 * One entry per kind: the semantic check validateRecord runs after the schema. Adding a kind is one file here plus
 * one line below, one schema file and one constant.
 */
import type { Credential, RecordKind, SubjectByKind } from '../types.ts'
import { checkAsset } from './asset.ts'
import { checkAttestation } from './attestation.ts'
import { checkCharter } from './charter.ts'
import { checkGrant } from './grant.ts'
import { checkLicense } from './license.ts'
import { checkMembership } from './membership.ts'
import { checkProposal, checkReceipt, checkVote } from './governance.ts'
import { checkRevocation } from './revocation.ts'
import { checkProfile } from './profile.ts'
import { checkKey } from './key.ts'
import { checkFollow } from './follow.ts'

/**
 * A kind's semantic check gets its subject and, for the rules that relate the subject to the envelope (a charter's
 * issuer must be one of its admins), the whole credential.
 */
export const KIND_CHECKS: { readonly [K in RecordKind]: (subject: SubjectByKind[K], credential: Credential<K>) => void } = Object.freeze({
  asset: checkAsset,
  license: checkLicense,
  grant: checkGrant,
  attestation: checkAttestation,
  revocation: checkRevocation,
  charter: checkCharter,
  membership: checkMembership,
  proposal: checkProposal,
  vote: checkVote,
  receipt: checkReceipt,
  profile: checkProfile,
  key: checkKey,
  follow: checkFollow
})

export { assetContentCid, assetParents } from './asset.ts'
