/**
 * The JSON Schemas of the record format (protocols/schemas/), compiled once with Ajv on first use.
 *
 * Validation is two-stage: the envelope schema checks what every record shares and says which kind it is; the
 * kind's schema (chosen by `credentialSchema.id`, so several versions of a kind can coexist) then checks the whole
 * credential. Ajv stops at the first error (allErrors off) since only the first one is reported anyway.
 */
import { Ajv } from 'ajv'
import type { ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import commonSchema from '../../protocols/schemas/common.schema.json' with { type: 'json' }
import envelopeSchema from '../../protocols/schemas/envelope.schema.json' with { type: 'json' }
import assetSchema from '../../protocols/schemas/asset.schema.json' with { type: 'json' }
import assetV2Schema from '../../protocols/schemas/asset-2.schema.json' with { type: 'json' }
import assetV3Schema from '../../protocols/schemas/asset-3.schema.json' with { type: 'json' }
import licenseSchema from '../../protocols/schemas/license.schema.json' with { type: 'json' }
import grantSchema from '../../protocols/schemas/grant.schema.json' with { type: 'json' }
import attestationSchema from '../../protocols/schemas/attestation.schema.json' with { type: 'json' }
import revocationSchema from '../../protocols/schemas/revocation.schema.json' with { type: 'json' }
import charterSchema from '../../protocols/schemas/charter.schema.json' with { type: 'json' }
import charterV2Schema from '../../protocols/schemas/charter-2.schema.json' with { type: 'json' }
import membershipSchema from '../../protocols/schemas/membership.schema.json' with { type: 'json' }
import proposalSchema from '../../protocols/schemas/proposal.schema.json' with { type: 'json' }
import voteSchema from '../../protocols/schemas/vote.schema.json' with { type: 'json' }
import receiptSchema from '../../protocols/schemas/receipt.schema.json' with { type: 'json' }
import profileSchema from '../../protocols/schemas/profile.schema.json' with { type: 'json' }
import keySchema from '../../protocols/schemas/key.schema.json' with { type: 'json' }
import followSchema from '../../protocols/schemas/follow.schema.json' with { type: 'json' }
import type { RecordKind } from './types.ts'

/** The schema documents, by kind, as shipped in protocols/schemas/ */
export const KIND_SCHEMAS: Readonly<Record<RecordKind, { $id: string }>> = Object.freeze({
  asset: assetSchema,
  license: licenseSchema,
  grant: grantSchema,
  attestation: attestationSchema,
  revocation: revocationSchema,
  charter: charterSchema,
  membership: membershipSchema,
  proposal: proposalSchema,
  vote: voteSchema,
  receipt: receiptSchema,
  profile: profileSchema,
  key: keySchema,
  follow: followSchema
})

/**
 * Every schema a node validates, by kind and version: the version-1 schemas above and the later versions of a
 * kind beside them (records.md §8: a node keeps validating the versions it knows). Asset version 2 adds
 * `fingerprints` and refers to version 1 for every other member; version 3 adds `encryption` to version 2; charter
 * version 2 adds `visibility` and `replication: { copies }` the same way.
 */
export const KIND_SCHEMA_VERSIONS: ReadonlyArray<{ kind: RecordKind, version: number, schema: { $id: string } }> = Object.freeze([
  ...(Object.keys(KIND_SCHEMAS) as RecordKind[]).map(kind => ({ kind, version: 1, schema: KIND_SCHEMAS[kind] })),
  { kind: 'asset' as const, version: 2, schema: assetV2Schema },
  { kind: 'asset' as const, version: 3, schema: assetV3Schema },
  { kind: 'charter' as const, version: 2, schema: charterV2Schema }
])

/** The shared definitions and the envelope, as shipped */
export const COMMON_SCHEMA: { $id: string } = commonSchema
export const ENVELOPE_SCHEMA: { $id: string } = envelopeSchema

/** A compiled kind schema and the kind it checks */
export interface KindValidator {
  kind: RecordKind
  validate: ValidateFunction
}

export interface CompiledSchemas {
  envelope: ValidateFunction
  /** by `credentialSchema.id` */
  byId: ReadonlyMap<string, KindValidator>
}

/**
 * A kind's validator, compiled when first used: compiling all sixteen costs ~0.3–0.6 s of CPU at every start of a
 * daemon, CLI command or validation worker, and most of them only ever see a few kinds
 */
class LazyKindValidator implements KindValidator {
  readonly kind: RecordKind
  private readonly ajv: Ajv
  private readonly id: string
  private compiled?: ValidateFunction

  constructor (kind: RecordKind, ajv: Ajv, id: string) {
    this.kind = kind
    this.ajv = ajv
    this.id = id
  }

  get validate (): ValidateFunction {
    this.compiled ??= this.ajv.getSchema(this.id)
    if (this.compiled == null) throw new Error(`record schema ${this.id} is not registered`)
    return this.compiled
  }
}

let compiled: CompiledSchemas | undefined

/** The compiled validators; compiled on the first call, shared afterwards */
export function schemas (): CompiledSchemas {
  if (compiled !== undefined) return compiled
  const ajv = new Ajv({ strict: true, allErrors: false })
  addFormats.default(ajv, ['date-time', 'uri'])
  ajv.addSchema(commonSchema)
  const envelope = ajv.compile(envelopeSchema)
  const byId = new Map<string, KindValidator>()
  // all added before any is compiled: a later version refers to members of an earlier one by $id
  for (const { schema } of KIND_SCHEMA_VERSIONS) ajv.addSchema(schema)
  for (const { kind, schema } of KIND_SCHEMA_VERSIONS) byId.set(schema.$id, new LazyKindValidator(kind, ajv, schema.$id))
  compiled = { envelope, byId }
  return compiled
}
