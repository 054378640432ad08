/**
 * One entry per kind: the semantic check validateRecord runs after the schema. Adding a kind is one file here plus
 * one line below, one schema file and one constant.
 */
import type { RecordKind, SubjectByKind } from '../types.ts'
import { checkAsset } from './asset.ts'
import { checkAttestation } from './attestation.ts'
import { checkGrant } from './grant.ts'
import { checkLicense } from './license.ts'
import { checkRevocation } from './revocation.ts'

export const KIND_CHECKS: { readonly [K in RecordKind]: (subject: SubjectByKind[K]) => void } = Object.freeze({
  asset: checkAsset,
  license: checkLicense,
  grant: checkGrant,
  attestation: checkAttestation,
  revocation: checkRevocation
})

export { assetContentCid, assetParents } from './asset.ts'
