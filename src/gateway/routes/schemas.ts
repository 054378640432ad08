/**
 * JSON Schemas of request bodies. Fastify validates with them at the boundary and @fastify/swagger publishes them
 * in /openapi.json, so the documentation is the validation.
 */
const cid = { type: 'string', minLength: 1, maxLength: 200 } as const
const did = { type: 'string', pattern: '^did:key:z[1-9A-HJ-NP-Za-km-z]+$', maxLength: 200 } as const
const text = (max: number) => ({ type: 'string', maxLength: max }) as const
const relationship = { type: 'string', enum: ['parentOf', 'componentOf', 'inputTo'] } as const
const use = { type: 'string', enum: ['allowed', 'notAllowed', 'constrained'] } as const
const bps = { type: 'integer', minimum: 0, maximum: 10000 } as const
const time = { type: 'string', maxLength: 40 } as const

const splits = {
  type: 'array', maxItems: 100,
  items: { type: 'object', additionalProperties: false, required: ['id', 'share'], properties: { id: did, share: bps } }
} as const

const licenseTerms = {
  type: 'object',
  additionalProperties: false,
  properties: {
    commercialUse: { type: 'boolean' },
    commercialAttribution: { type: 'boolean' },
    derivativesAllowed: { type: 'boolean' },
    derivativesAttribution: { type: 'boolean' },
    derivativesApproval: { type: 'boolean' },
    derivativesReciprocal: { type: 'boolean' },
    commercialRevShare: bps,
    aiTraining: use,
    mintingFee: { type: 'object', additionalProperties: false, required: ['amount', 'currency'], properties: { amount: { type: 'integer', minimum: 0 }, currency: text(16) } },
    territories: { type: 'array', maxItems: 300, items: { type: 'string', pattern: '^[A-Z]{2}$' } },
    expiration: time,
    customTerms: text(4000)
  }
} as const

const licenseOffer = {
  type: 'object',
  additionalProperties: false,
  properties: {
    preset: text(64),
    spdx: text(100),
    terms: licenseTerms,
    royaltyPolicy: { type: 'string', enum: ['LAP', 'LRP'] },
    splits
  }
} as const

export const assetBody = {
  type: 'object',
  additionalProperties: false,
  required: ['content', 'title'],
  properties: {
    content: cid,
    title: { type: 'string', minLength: 1, maxLength: 500 },
    mediaType: { type: 'string', pattern: '^[a-z0-9!#$&^_.+-]+/[a-zA-Z0-9!#$&^_.+-]+$', maxLength: 200 },
    byteSize: { type: 'integer', minimum: 0 },
    description: text(10000),
    tags: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 100 } },
    creators: {
      type: 'array', minItems: 1, maxItems: 100,
      items: { type: 'object', additionalProperties: false, required: ['id', 'share'], properties: { id: did, name: text(200), role: text(100), share: bps } }
    },
    parents: {
      type: 'array', maxItems: 100,
      items: { type: 'object', additionalProperties: false, required: ['record'], properties: { record: cid, relationship } }
    },
    ingredients: {
      type: 'array', maxItems: 100,
      items: {
        type: 'object', additionalProperties: false, required: ['relationship'],
        properties: { relationship, record: cid, content: cid, kind: { type: 'string', enum: ['asset', 'model', 'dataset'] }, title: text(500) }
      }
    },
    tools: {
      type: 'array', maxItems: 50,
      items: {
        type: 'object', additionalProperties: false, required: ['name'],
        properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, version: text(100), kind: { type: 'string', enum: ['software', 'aiModel'] }, model: cid, promptHash: { type: 'string', pattern: '^(1220)?[0-9a-f]{64}$', description: 'sha-256 of the prompt, hex, or its multihash (1220 + hex)' } }
      }
    },
    digitalSourceType: text(300),
    trainingMining: {
      type: 'object', additionalProperties: false,
      patternProperties: { '^cawg\\.(ai_training|ai_generative_training|ai_inference|data_mining)$': { type: 'object', additionalProperties: false, required: ['use'], properties: { use, constraintInfo: text(1000) } } }
    },
    aiTraining: use,
    collective: cid,
    license: licenseOffer,
    fingerprints: { type: 'boolean', description: 'compute the perceptual fingerprints of the content (images, text) and put them in the record; default: the node\'s fingerprints.compute' }
  }
} as const

export const licenseBody = {
  type: 'object',
  additionalProperties: false,
  required: ['asset'],
  properties: { asset: cid, collective: cid, ...licenseOffer.properties }
} as const

export const grantBody = {
  type: 'object',
  additionalProperties: false,
  required: ['license', 'licensee'],
  properties: { license: cid, licensee: did, expiration: time, note: text(2000), collective: cid }
} as const

export const attestationBody = {
  type: 'object',
  additionalProperties: false,
  required: ['record', 'claim'],
  properties: { record: cid, claim: { type: 'string', enum: ['coCreator', 'endorsement', 'splitConfirmed', 'contentMatches', 'other'] }, comment: text(2000), collective: cid }
} as const

export const revocationBody = {
  type: 'object',
  additionalProperties: false,
  required: ['record'],
  properties: { record: cid, effectiveFrom: time, reason: text(2000), collective: cid }
} as const

export const createdResponse = {
  type: 'object',
  properties: {
    cid: { type: 'string' },
    status: { type: 'string', enum: ['added', 'duplicate', 'parked'] },
    record: { type: 'object', additionalProperties: true },
    collective: { type: 'string', description: 'the collective the record was published to; for a grant, attestation or revocation without one given, the target\'s' },
    notice: { type: 'string', description: 'why a record about a collective\'s record was kept on this node (its creator is not a member)' },
    license: { type: 'object', additionalProperties: true, properties: { cid: { type: 'string' }, record: { type: 'object', additionalProperties: true } } }
  }
} as const
