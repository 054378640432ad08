/**
 * The JSON-LD promise of records.md §9: with the VC 2.0 context and protocols/context/v1.jsonld, a standard JSON-LD
 * processor (digitalbazaar `jsonld`) expands every record in safe mode, and the expansion keeps every value. Checked
 * on the project vectors and on freshly issued records of every kind with every optional field set.
 *
 * Nothing is fetched: the document loader serves the two contexts from local files and throws for any other URL.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { ATELIER_CONTEXT_V1, RECORD_CONTEXT, RECORD_KINDS, VC_CONTEXT_V2, issueRecord, nobleCrypto } from '../../src/records/index.ts'
import type { RecordKind, SubjectByKind } from '../../src/records/index.ts'
import { author, contentCid, fixedTime, other, otherRecordCid, someRecordCid } from './helpers.ts'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

interface RemoteDocument { contextUrl: string | null, documentUrl: string, document: Json }
interface JsonLdOptions { documentLoader: (url: string) => Promise<RemoteDocument>, safe?: boolean }
/** The part of the `jsonld` API used here (the package ships no type declarations) */
interface JsonLdProcessor {
  expand (input: Json, options: JsonLdOptions): Promise<Json[]>
  compact (input: Json, context: Json, options: JsonLdOptions): Promise<JsonObject>
}

const require = createRequire(import.meta.url)
const jsonld: JsonLdProcessor = require('jsonld')
/** The official VC 2.0 context, as shipped by @digitalbazaar/credentials-context */
const vcContexts: Map<string, Json> = require('@digitalbazaar/credentials-context').contexts

const root = new URL('../../', import.meta.url)
const readJson = (path: string): any => JSON.parse(readFileSync(new URL(path, root), 'utf8'))
const atelierContext: JsonObject = readJson('protocols/context/v1.jsonld')

const localContexts = new Map<string, Json>([
  [VC_CONTEXT_V2, vcContexts.get(VC_CONTEXT_V2) ?? null],
  [ATELIER_CONTEXT_V1, atelierContext]
])

/** URLs the loader was asked for, to show both contexts were really used */
const loaded = new Set<string>()

/** Serves the two contexts from local files; any other URL is an error, never a fetch */
async function documentLoader (url: string): Promise<RemoteDocument> {
  const document = localContexts.get(url)
  if (document === undefined || document === null) throw new Error(`documentLoader: refusing to load ${url} (not a local context)`)
  loaded.add(url)
  return { contextUrl: null, documentUrl: url, document: structuredClone(document) }
}

const expandSafe = async (record: Json): Promise<Json[]> => await jsonld.expand(structuredClone(record), { documentLoader, safe: true })

/**
 * Scalar leaves of a compacted record, `@context` left out. Values the VC context maps through a vocabulary (`type`,
 * `proofPurpose`) come out of expansion as IRIs, so they are counted apart rather than compared as text.
 */
const VOCAB_VALUED = new Set(['type', 'proofPurpose'])
function inputLeaves (value: Json, out = { values: [] as string[], vocab: 0 }, key = ''): typeof out {
  if (Array.isArray(value)) {
    for (const item of value) inputLeaves(item, out, key)
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k !== '@context') inputLeaves(v, out, k)
  } else if (VOCAB_VALUED.has(key)) {
    out.vocab++
  } else {
    out.values.push(JSON.stringify(value))
  }
  return out
}

/** The same leaves in an expanded document: `@value`s, node `@id`s, node `@type`s (a value object's datatype is not a leaf) */
function expandedLeaves (value: Json, out = { values: [] as string[], types: 0 }): typeof out {
  if (Array.isArray(value)) {
    for (const item of value) expandedLeaves(item, out)
  } else if (value !== null && typeof value === 'object') {
    if ('@value' in value) {
      out.values.push(JSON.stringify(value['@value']))
      return out
    }
    for (const [k, v] of Object.entries(value)) {
      if (k === '@id') out.values.push(JSON.stringify(v))
      else if (k === '@type') out.types += Array.isArray(v) ? v.length : 1
      else expandedLeaves(v, out)
    }
  }
  return out
}

/** Property names of an expanded document */
function expandedProperties (value: Json, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) expandedProperties(item, out)
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!k.startsWith('@')) out.add(k)
      expandedProperties(v, out)
    }
  }
  return out
}

/** The items of `wanted` (a multiset) that `have` does not hold */
function missingFrom (have: string[], wanted: string[]): string[] {
  const left = new Map<string, number>()
  for (const value of have) left.set(value, (left.get(value) ?? 0) + 1)
  const missing: string[] = []
  for (const value of wanted) {
    const count = left.get(value) ?? 0
    if (count === 0) missing.push(value)
    else left.set(value, count - 1)
  }
  return missing
}

/** Safe-mode expansion succeeds, keeps every leaf, and compacts back to the record itself */
async function assertLossless (record: JsonObject): Promise<void> {
  const expanded = await expandSafe(record)
  assert.equal(expanded.length, 1, 'one credential node')

  const before = inputLeaves(record)
  const after = expandedLeaves(expanded)
  const missing = missingFrom(after.values, before.values)
  assert.deepEqual(missing, [], 'every value of the record is in the expansion')
  assert.equal(after.values.length + after.types, before.values.length + before.vocab, 'the expansion has as many leaves as the record')
  for (const property of expandedProperties(expanded)) {
    assert.match(property, /^https?:\/\//, `property ${property} expands to an absolute IRI`)
  }

  // Compacting with the record's own context gives the record back (the proof's copy of the @context aside: it is
  // the same context, so compaction has no reason to repeat it)
  const compacted = await jsonld.compact(expanded, [...RECORD_CONTEXT], { documentLoader, safe: true })
  const expected = structuredClone(record) as any
  delete expected.proof['@context']
  assert.deepEqual(compacted, expected)
}

/** Every optional field set; arrays of one item as well as of several, as compaction treats the two differently */
function fullSubjects (): { [K in RecordKind]: SubjectByKind[K] } {
  return {
    asset: {
      id: `ipfs://${contentCid}`,
      mediaType: 'image/png',
      byteSize: 2 ** 53 - 1,
      title: 'Full asset',
      description: 'Every optional field is set.',
      tags: ['one'],
      creators: [
        { id: author.did, name: 'Ada', role: 'author', share: 7000 },
        { id: other.did, share: 3000 }
      ],
      ingredients: [
        { relationship: 'parentOf', record: someRecordCid, content: contentCid, kind: 'asset', title: 'Parent' },
        { relationship: 'componentOf', content: contentCid, kind: 'dataset' },
        { relationship: 'inputTo', record: otherRecordCid, kind: 'model' }
      ],
      tools: [
        { name: 'example-model', version: '2.1', kind: 'aiModel', model: contentCid, promptHash: '1220' + 'cd'.repeat(32) }
      ],
      digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
      trainingMining: {
        'cawg.ai_training': { use: 'constrained', constraintInfo: 'Research only.' },
        'cawg.ai_generative_training': { use: 'notAllowed' },
        'cawg.ai_inference': { use: 'allowed' },
        'cawg.data_mining': { use: 'constrained', constraintInfo: 'Attribution required.' }
      },
      fingerprints: [
        { alg: 'pdq-256', bits: 256, code: '803e3fe3e2303c0ce1f8ce1c17e3fe1b8ce3211e88fc1fc4fc0ec40335fa23f8', quality: 100 },
        { alg: 'iscc-image-64', bits: 64, code: 'ISCC:EEA4ADZP6A4JHHZ4' }
      ]
    },
    license: {
      asset: someRecordCid,
      spdx: 'CC-BY-NC-4.0',
      terms: {
        commercialUse: true,
        commercialAttribution: true,
        derivativesAllowed: true,
        derivativesAttribution: false,
        derivativesApproval: true,
        derivativesReciprocal: false,
        commercialRevShare: 250,
        aiTraining: 'constrained',
        mintingFee: { amount: 0, currency: 'USDC' },
        territories: ['NL'],
        expiration: '2031-06-30T23:59:59.999Z',
        customTerms: 'No use in political advertising.'
      },
      royaltyPolicy: 'LAP',
      splits: [{ id: 'did:web:example.com', share: 10000 }]
    },
    grant: { id: other.did, license: otherRecordCid, asset: someRecordCid, expiration: '2026-03-01T00:00:00Z', note: 'One print run.' },
    attestation: { record: someRecordCid, claim: 'coCreator', comment: 'I drew the background.' },
    revocation: { record: someRecordCid, effectiveFrom: '2025-04-01T00:00:00Z', reason: 'Superseded.' },
    charter: {
      name: 'Harbour collective',
      description: 'Illustrators of the old harbour.',
      admins: [author.did, other.did],
      admission: { policy: 'invite', quorum: 2 },
      replication: 'full'
    },
    membership: { action: 'admit', member: other.did, effectiveFrom: '2025-04-01T00:00:00Z' },
    proposal: {
      title: 'Make Bo an admin, raise the quorum, set defaults',
      description: 'Every optional field is set.',
      changes: [
        { action: 'addAdmin', member: other.did },
        { action: 'removeAdmin', member: author.did },
        { action: 'setQuorum', quorum: 2 },
        { action: 'setPolicy', policy: 'quorum' },
        { action: 'admit', member: 'did:key:z6Mkh7U7jBwoMro3UeHmXes4tKtFbZhMRWejbtunbU4hhvjP' },
        { action: 'remove', member: 'did:key:z6MkwSD8dBdqcXQzKJZQFPy2hh2izzxskndKCjdmC2dBpfME' },
        { action: 'setDefaults', spdx: 'CC-BY-4.0', trainingMining: { 'cawg.ai_training': { use: 'constrained', constraintInfo: 'Research only.' }, 'cawg.ai_generative_training': { use: 'notAllowed' }, 'cawg.ai_inference': { use: 'allowed' }, 'cawg.data_mining': { use: 'notAllowed' } } }
      ],
      method: 'quadratic',
      weighting: 'contribution',
      credits: 100,
      turnout: { numerator: 1, denominator: 2 },
      threshold: { numerator: 2, denominator: 3 },
      closes: '2025-03-08T09:00:00Z'
    },
    vote: { proposal: someRecordCid, allocation: [9, 16] },
    receipt: { proposal: someRecordCid, votes: [someRecordCid, otherRecordCid] },
    profile: { id: author.did, name: 'Ada Lovelace', bio: 'Ink and colour.', avatar: contentCid, links: ['https://example.com/ada', 'http://example.org/portfolio?x=1'] },
    key: { epoch: 2, reason: 'removal', cause: someRecordCid, part: 1, parts: 2, wraps: [{ to: author.did, enc: 'A'.repeat(43), ct: 'B'.repeat(64) }, { to: other.did, enc: 'C'.repeat(43), ct: 'D'.repeat(64) }] },
    follow: { target: other.did }
  }
}

/**
 * Further subjects of the kinds one subject cannot cover: a charter with a single admin (a one-item set), and the
 * membership actions other than admit, each with its optional fields
 */
function moreFullSubjects (): { [K in RecordKind]?: Array<SubjectByKind[K]> } {
  return {
    charter: [{ name: 'Solo', admins: [author.did], admission: { policy: 'quorum', quorum: 1 }, replication: 'none' },
      { name: 'Vault', admins: [author.did], admission: { policy: 'invite', quorum: 1 }, replication: { copies: 3 }, visibility: 'private' }],
    key: [{ epoch: 3, reason: 'rotation', part: 0, parts: 1, wraps: [{ to: other.did, enc: 'E'.repeat(43), ct: 'F'.repeat(64) }] }],
    profile: [{ id: author.did, name: 'Ada', links: ['https://example.com/'] }],
    follow: [{ target: someRecordCid }],
    membership: [
      { action: 'remove', member: other.did, effectiveFrom: '2025-05-01T00:00:00.250Z', reason: 'Left the harbour.' },
      { action: 'invite', expiration: '2025-06-01T00:00:00Z', maxUses: 3 },
      { action: 'join', invite: someRecordCid }
    ],
    proposal: [{
      title: 'Which print for the fair?',
      choices: ['Etching', 'Lino', 'Screen'],
      method: 'ranked',
      weighting: 'equal',
      turnout: { numerator: 0, denominator: 1 },
      threshold: { numerator: 1, denominator: 2 },
      closes: '2025-03-02T09:00:00Z'
    }],
    vote: [
      { proposal: someRecordCid, choice: 1 },
      { proposal: someRecordCid, approve: [0] },
      { proposal: someRecordCid, approve: [] },
      { proposal: someRecordCid, ranking: [2, 0, 1] },
      { proposal: someRecordCid, abstain: true }
    ],
    receipt: [{ proposal: someRecordCid, votes: [otherRecordCid] }]
  }
}

/** Kinds that belong to no collective by construction: the charter names the collective, so it cannot be in one */
const WITHOUT_COLLECTIVE: ReadonlySet<RecordKind> = new Set(['charter'])

const issueSubject = <K extends RecordKind>(kind: K, subject: SubjectByKind[K]): JsonObject => {
  const collective = WITHOUT_COLLECTIVE.has(kind) ? undefined : otherRecordCid
  const issued = issueRecord(kind, subject, { signer: author, crypto: nobleCrypto, validFrom: fixedTime, previous: someRecordCid, collective })
  return structuredClone(issued.credential) as unknown as JsonObject
}

const issueFull = <K extends RecordKind>(kind: K): JsonObject => issueSubject(kind, fullSubjects()[kind])

/** The full record of `kind` and the further ones of moreFullSubjects */
const issueAllFull = <K extends RecordKind>(kind: K): JsonObject[] =>
  [issueFull(kind), ...(moreFullSubjects()[kind] ?? []).map(subject => issueSubject(kind, subject))]

/** Every property name a JSON Schema declares, at any depth */
function schemaProperties (schema: Json, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const item of schema) schemaProperties(item, out)
  else if (schema !== null && typeof schema === 'object') {
    const properties = schema.properties
    if (properties !== null && typeof properties === 'object' && !Array.isArray(properties)) {
      for (const name of Object.keys(properties)) out.add(name)
    }
    for (const value of Object.values(schema)) schemaProperties(value, out)
  }
  return out
}

/** Every property name a record uses, at any depth */
function recordKeys (value: Json, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) recordKeys(item, out)
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k)
      recordKeys(v, out)
    }
  }
  return out
}

const vectorDir = new URL('protocols/vectors/atelier/', root)
const vectors = readdirSync(vectorDir).filter(name => name.endsWith('.json')).sort()

describe('JSON-LD: the context document', () => {
  it('is @protected, has no @vocab, and is served with the VC 2.0 context from local files only', async () => {
    const context = atelierContext['@context'] as JsonObject
    assert.equal(context['@protected'], true)
    assert.equal('@vocab' in context, false)
    assert.notEqual(localContexts.get(VC_CONTEXT_V2), null, '@digitalbazaar/credentials-context ships the VC 2.0 context')
    await assert.rejects(documentLoader('https://example.com/ctx'), /refusing to load https:\/\/example\.com\/ctx/)
  })
})

describe('JSON-LD: safe-mode expansion of every record drops nothing', () => {
  it('there is a project vector of every kind', () => {
    const kinds = new Set(vectors.map(name => readJson(`protocols/vectors/atelier/${name}`).kind))
    assert.deepEqual([...kinds].sort(), [...RECORD_KINDS].sort())
  })

  for (const name of vectors) {
    it(`vector ${name}`, async () => {
      await assertLossless(JSON.parse(readJson(`protocols/vectors/atelier/${name}`).recordCanonical))
    })
  }

  it('the issued records below use every field the JSON Schemas allow', () => {
    const common = schemaProperties(readJson('protocols/schemas/common.schema.json'))
    for (const kind of RECORD_KINDS) {
      const used = new Set<string>()
      for (const record of issueAllFull(kind)) recordKeys(record, used)
      const unused = [...schemaProperties(readJson(`protocols/schemas/${kind}.schema.json`)), ...common].filter(name => !used.has(name))
      assert.deepEqual(unused, [], `${kind}: fields never exercised`)
    }
  })

  for (const kind of RECORD_KINDS) {
    it(`issued ${kind} with every optional field, previous and collective`, async () => {
      for (const record of issueAllFull(kind)) {
        assert.equal(typeof record.previous, 'string')
        assert.equal(typeof record.collective, WITHOUT_COLLECTIVE.has(kind) ? 'undefined' : 'string')
        await assertLossless(record)
      }
    })
  }

  it('loaded both contexts, and nothing else', () => {
    assert.deepEqual([...loaded].sort(), [ATELIER_CONTEXT_V1, VC_CONTEXT_V2].sort())
  })
})

describe('JSON-LD: the check can fail', () => {
  const withExtra = (mutate: (record: any) => void): JsonObject => {
    const record = issueFull('attestation') as any
    mutate(record)
    return record
  }

  for (const [where, mutate] of [
    ['credentialSubject', (record: any) => { record.credentialSubject.undefinedTerm = 'lost' }],
    ['the credential', (record: any) => { record.undefinedTerm = 'lost' }],
    ['the proof', (record: any) => { record.proof.undefinedTerm = 'lost' }]
  ] as const) {
    it(`an undefined term in ${where} makes safe-mode expansion throw`, async () => {
      await assert.rejects(expandSafe(withExtra(mutate)), (err: any) => {
        assert.equal(err.name, 'jsonld.ValidationError')
        assert.match(JSON.stringify(err.details), /undefinedTerm/)
        return true
      })
    })
  }

  it('without safe mode the term is silently dropped, and the leaf check sees it', async () => {
    const record = withExtra(r => { r.credentialSubject.undefinedTerm = 'lost' })
    const expanded = await jsonld.expand(structuredClone(record), { documentLoader })
    assert.deepEqual(missingFrom(expandedLeaves(expanded).values, inputLeaves(record).values), ['"lost"'])
  })

  it('a context other than the two is refused, not fetched', async () => {
    const record = withExtra(r => { r['@context'] = [...r['@context'], 'https://example.com/other/v1'] })
    await assert.rejects(expandSafe(record), (err: any) => {
      assert.match(err.details?.cause?.message ?? '', /refusing to load https:\/\/example\.com\/other\/v1/)
      return true
    })
  })
})
