/**
 * The shipped JSON Schemas and JSON-LD context agree with the code: ids, types, limits, strictness, and a context
 * term for every field a record uses.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import {
  BASIS_POINTS_TOTAL, COMMON_SCHEMA, CREDENTIAL_TYPE_BY_KIND, ENVELOPE_SCHEMA, KIND_SCHEMAS, KIND_SCHEMA_VERSIONS, KNOWN_SCHEMA_VERSIONS,
  LIMITS, RECORD_CONTEXT, RECORD_KINDS, credentialSchemaId, ATELIER_CONTEXT_V1, VC_CONTEXT_V2
} from '../../src/records/index.ts'

const s = (value: unknown): any => value
const common = s(COMMON_SCHEMA).definitions
const context = JSON.parse(readFileSync(new URL('../../protocols/context/v1.jsonld', import.meta.url), 'utf8'))['@context']
const vectorRecords = ['asset', 'license', 'grant', 'attestation', 'revocation', 'charter', 'membership-admit', 'membership-admit-cosign',
  'membership-invite', 'membership-join', 'membership-remove', 'asset-fingerprints'].map(name =>
  JSON.parse(JSON.parse(readFileSync(new URL(`../../protocols/vectors/atelier/${name}.json`, import.meta.url), 'utf8')).recordCanonical))

/** Terms the VC 2.0 context defines (globally or within VerifiableCredential / DataIntegrityProof) */
const VC_TERMS = new Set(['id', 'type', 'name', 'description', 'mediaType', 'credentialSchema', 'credentialSubject', 'issuer',
  'validFrom', 'proof', 'created', 'cryptosuite', 'proofPurpose', 'proofValue', 'verificationMethod',
  'VerifiableCredential', 'JsonSchema', 'DataIntegrityProof', 'digestMultibase', 'digestSRI', 'exp', 'iat', 'iss', 'sub', 'kid', 'nbf', 'aud', 'cnf', 'jku', 'x5u'])

describe('JSON Schemas', () => {
  it('name each kind by its credentialSchema id and credential type', () => {
    for (const kind of RECORD_KINDS) {
      const schema = s(KIND_SCHEMAS[kind])
      assert.equal(schema.$id, credentialSchemaId(kind))
      assert.deepEqual(schema.properties.type.const, ['VerifiableCredential', CREDENTIAL_TYPE_BY_KIND[kind]])
      assert.equal(schema.properties.credentialSchema.properties.id.const, credentialSchemaId(kind))
    }
    // every later version of a kind the same way, and the envelope names every version a node validates
    for (const { kind, version, schema } of KIND_SCHEMA_VERSIONS) {
      assert.equal(s(schema).$id, credentialSchemaId(kind, version))
      assert.deepEqual(s(schema).properties.type.const, ['VerifiableCredential', CREDENTIAL_TYPE_BY_KIND[kind]])
      assert.equal(s(schema).properties.credentialSchema.properties.id.const, credentialSchemaId(kind, version))
    }
    assert.deepEqual(KIND_SCHEMA_VERSIONS.map(v => `${v.kind}/${v.version}`).sort(),
      RECORD_KINDS.flatMap(k => KNOWN_SCHEMA_VERSIONS[k].map(v => `${k}/${v}`)).sort())
    const envelope = s(ENVELOPE_SCHEMA)
    assert.deepEqual(envelope.properties.credentialSchema.properties.id.enum,
      RECORD_KINDS.flatMap(k => KNOWN_SCHEMA_VERSIONS[k].map(v => credentialSchemaId(k, v))))
    assert.deepEqual(envelope.properties.type.items[1].enum, RECORD_KINDS.map(k => CREDENTIAL_TYPE_BY_KIND[k]))
    assert.deepEqual(common.context.const, RECORD_CONTEXT)
    assert.deepEqual(RECORD_CONTEXT, [VC_CONTEXT_V2, ATELIER_CONTEXT_V1])
  })

  it('hold the limits of constants.ts', () => {
    const asset = s(KIND_SCHEMAS.asset).definitions.subject.properties
    const license = s(KIND_SCHEMAS.license).definitions
    assert.equal(common.shortText.maxLength, LIMITS.shortText)
    assert.equal(common.longText.maxLength, LIMITS.longText)
    assert.equal(common.did.maxLength, LIMITS.identifier)
    assert.equal(common.didKey.maxLength, LIMITS.identifier)
    assert.equal(common.recordCid.maxLength, LIMITS.identifier)
    assert.equal(common.contentCid.maxLength, LIMITS.identifier)
    assert.equal(common.basisPoints.maximum, BASIS_POINTS_TOTAL)
    assert.equal(asset.mediaType.maxLength, LIMITS.mediaType)
    assert.equal(asset.digitalSourceType.maxLength, LIMITS.uri)
    assert.equal(asset.tags.maxItems, LIMITS.tags)
    assert.equal(asset.creators.maxItems, LIMITS.creators)
    assert.equal(asset.ingredients.maxItems, LIMITS.ingredients)
    assert.equal(asset.tools.maxItems, LIMITS.tools)
    assert.equal(license.subject.properties.splits.maxItems, LIMITS.splits)
    assert.equal(license.terms.properties.territories.maxItems, LIMITS.territories)
    assert.equal(license.terms.properties.customTerms.maxLength, LIMITS.customTerms)
    const charter = s(KIND_SCHEMAS.charter).definitions.subject.properties
    assert.equal(charter.admins.maxItems, LIMITS.admins)
    assert.equal(charter.admission.properties.quorum.maximum, LIMITS.admins)
    assert.equal(s(KIND_SCHEMAS.membership).definitions.invite.properties.maxUses.maximum, LIMITS.inviteUses)
    const profile = s(KIND_SCHEMAS.profile).definitions.subject.properties
    assert.equal(profile.name.maxLength, LIMITS.shortText)
    assert.equal(profile.bio.maxLength, LIMITS.bio)
    assert.equal(profile.links.maxItems, LIMITS.links)
    assert.equal(profile.links.items.maxLength, LIMITS.uri)
  })

  it('are strict: every object schema refuses unknown fields', () => {
    const walk = (node: any, where: string): void => {
      if (node === null || typeof node !== 'object') return
      if (node.type === 'object' && node.properties !== undefined) {
        assert.equal(node.additionalProperties, false, `${where} must set additionalProperties: false`)
      }
      for (const [key, value] of Object.entries(node)) walk(value, `${where}/${key}`)
    }
    for (const schema of [COMMON_SCHEMA, ENVELOPE_SCHEMA, ...KIND_SCHEMA_VERSIONS.map(v => v.schema)]) walk(schema, s(schema).$id)
  })
})

describe('JSON-LD context v1', () => {
  it('is protected and has no @vocab catch-all', () => {
    assert.equal(context['@protected'], true)
    assert.equal(context['@version'], 1.1)
    assert.equal(JSON.stringify(context).includes('@vocab'), false)
  })

  it('does not redefine terms of the VC 2.0 context', () => {
    for (const term of Object.keys(context)) assert.equal(VC_TERMS.has(term), false, `${term} belongs to the VC context`)
  })

  it('defines every term the vector records use', () => {
    const used = new Set<string>()
    const walk = (node: any, parent: string): void => {
      if (Array.isArray(node)) { for (const item of node) walk(item, parent); return }
      if (node === null || typeof node !== 'object') return
      for (const [key, value] of Object.entries(node)) {
        if (key === '@context') continue
        used.add(key)
        walk(value, key)
      }
    }
    for (const record of vectorRecords) {
      walk(record, '')
      used.add(record.type[1])
    }
    for (const term of used) {
      assert.ok(VC_TERMS.has(term) || Object.hasOwn(context, term), `term ${term} is not defined`)
    }
    for (const kind of RECORD_KINDS) assert.ok(Object.hasOwn(context, CREDENTIAL_TYPE_BY_KIND[kind]))
  })

  it('defines every property the schemas allow', () => {
    const names = new Set<string>()
    const walk = (node: any): void => {
      if (node === null || typeof node !== 'object') return
      if (node.properties !== undefined) for (const key of Object.keys(node.properties)) names.add(key)
      for (const value of Object.values(node)) walk(value)
    }
    for (const schema of [COMMON_SCHEMA, ENVELOPE_SCHEMA, ...KIND_SCHEMA_VERSIONS.map(v => v.schema)]) walk(schema)
    names.delete('@context')
    for (const name of names) assert.ok(VC_TERMS.has(name) || Object.hasOwn(context, name), `schema property ${name} has no context term`)
  })
})
