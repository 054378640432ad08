/**
 * PROV-JSON export: validated against the published PROV-JSON schema (protocols/schemas/prov-json.schema.json,
 * vendored from the W3C Member Submission) with Ajv, and checked for the documented mapping and for references
 * that resolve (every relation names declared elements, every qualified name a declared prefix).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import provSchema from '../../protocols/schemas/prov-json.schema.json' with { type: 'json' }
import { toProvJson } from '../../src/lineage/prov.ts'
import type { ProvDocument, ProvValue } from '../../src/lineage/prov.ts'
import { LineageBuilder, fakeDid } from './royalties-fixtures.ts'
import { CAPTURE, DATASET_CONTENT, MISSING_PARENT, MODEL_CONTENT, PROMPT_HASH, alice, bob, carol, exportLineage } from './prov-fixtures.ts'

/**
 * The schema is draft-04 (`id`, `$schema` draft-04), which Ajv 8 does not load as such; every keyword it uses
 * (type, properties, additionalProperties, patternProperties, required, $ref, anyOf, items, minItems, format) means
 * the same in draft-07, so it is compiled as draft-07 with the draft-04 markers removed and strict mode off (the
 * schema carries a few non-keywords, e.g. `prov:startTime` directly under `activity`).
 */
function provValidator (): (doc: unknown) => boolean {
  const { id, $schema, $comment, ...schema } = provSchema as Record<string, unknown>
  void id; void $schema; void $comment
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats.default(ajv)
  const validate = ajv.compile(schema)
  return (doc) => {
    const ok = validate(doc)
    if (!ok) assert.fail(`PROV-JSON schema: ${ajv.errorsText(validate.errors)}`)
    return ok
  }
}

const validateProv = provValidator()

const PREDEFINED = new Set(['prov', 'xsd'])
const ID_FIELDS = ['prov:entity', 'prov:activity', 'prov:agent', 'prov:generatedEntity', 'prov:usedEntity']

/** Every relation points at declared elements; every qualified name uses a declared prefix */
function checkReferences (doc: ProvDocument): void {
  const declared = new Set([...Object.keys(doc.entity ?? {}), ...Object.keys(doc.activity ?? {}), ...Object.keys(doc.agent ?? {})])
  const relationIds = new Set<string>()
  const prefixOk = (name: string): boolean => PREDEFINED.has(name.split(':')[0]) || Object.hasOwn(doc.prefix, name.split(':')[0])
  for (const id of declared) assert.ok(prefixOk(id), `prefix of ${id} is declared`)
  for (const section of ['wasGeneratedBy', 'used', 'wasDerivedFrom', 'wasAttributedTo', 'wasAssociatedWith'] as const) {
    for (const [id, rel] of Object.entries(doc[section] ?? {})) {
      assert.ok(prefixOk(id), `prefix of relation ${id}`)
      relationIds.add(id)
      for (const field of ID_FIELDS) {
        const v = rel[field]
        if (v == null) continue
        assert.equal(typeof v, 'string')
        assert.ok(declared.has(v as string), `${section} ${id}: ${field} ${String(v)} is declared`)
      }
    }
  }
  for (const rel of Object.values(doc.wasDerivedFrom ?? {})) {
    assert.ok(relationIds.has(rel['prov:generation'] as string) && relationIds.has(rel['prov:usage'] as string), 'derivation qualifiers resolve')
  }
  const qualified = (v: ProvValue): void => {
    if (typeof v === 'object' && !Array.isArray(v) && v.type === 'prov:QUALIFIED_NAME') assert.ok(prefixOk(v.$), `prefix of ${v.$}`)
  }
  for (const section of Object.values(doc)) {
    for (const attrs of Object.values(section as Record<string, Record<string, ProvValue>>)) {
      if (typeof attrs === 'object') for (const v of Object.values(attrs)) qualified(v)
    }
  }
}

function relations (doc: ProvDocument, section: keyof ProvDocument): Array<Record<string, ProvValue>> {
  return Object.values((doc[section] ?? {}) as Record<string, Record<string, ProvValue>>)
}

describe('PROV-JSON export', () => {
  it('validates against the published PROV-JSON schema, and its references resolve', async () => {
    const { g, remix } = exportLineage()
    const doc = await toProvJson(g.view, remix)
    validateProv(doc)
    checkReferences(doc)
    // and the validator does reject a broken document
    const broken = structuredClone(doc) as any
    const first = Object.keys(broken.wasDerivedFrom)[0]
    delete broken.wasDerivedFrom[first]['prov:usedEntity']
    assert.throws(() => validateProv(broken), /usedEntity/)
  })

  it('maps records, content, creation, creators, tools and ingredients as documented', async () => {
    const { g, photo, texture, remix } = exportLineage()
    const doc = await toProvJson(g.view, remix)
    const photoContent = `ipfs:${g.content(photo)}`
    const remixContent = `ipfs:${g.content(remix)}`
    assert.deepEqual(doc.prefix, { atelier: 'https://atelier.works/ns/prov#', ipfs: 'ipfs://', didkey: 'did:key:' })
    const agent = (did: string): string => 'didkey:' + did.slice('did:key:'.length)

    // entities: records, their content, AI inputs, model weights, the parent not held
    assert.deepEqual(doc.entity[`ipfs:${remix}`]['prov:type'], { $: 'atelier:AssetRecord', type: 'prov:QUALIFIED_NAME' })
    assert.deepEqual(doc.entity[`ipfs:${remix}`]['atelier:describes'], { $: remixContent, type: 'prov:QUALIFIED_NAME' })
    assert.equal(doc.entity[remixContent]['prov:label'], 'Harbour, reimagined')
    assert.equal(doc.entity[remixContent]['atelier:mediaType'], 'image/png')
    assert.deepEqual(doc.entity[remixContent]['atelier:tags'], ['harbour', 'remix'])
    assert.deepEqual(doc.entity[photoContent]['atelier:digitalSourceType'], { $: CAPTURE, type: 'xsd:anyURI' })
    assert.deepEqual(doc.entity[photoContent]['prov:type'], { $: 'atelier:Content', type: 'prov:QUALIFIED_NAME' })
    assert.deepEqual(doc.entity[`ipfs:${DATASET_CONTENT}`]['prov:type'], { $: 'atelier:Dataset', type: 'prov:QUALIFIED_NAME' })
    // the model is both an AI input of the remix and the published weights of its tool: it carries both types
    assert.deepEqual(doc.entity[`ipfs:${MODEL_CONTENT}`]['prov:type'], [
      { $: 'atelier:ModelWeights', type: 'prov:QUALIFIED_NAME' },
      { $: 'atelier:Model', type: 'prov:QUALIFIED_NAME' }
    ])
    assert.equal(doc.entity[`ipfs:${MISSING_PARENT}`]['atelier:held'], false)

    // activities: one per record; the remix is a derivation, the photo a creation
    assert.deepEqual(doc.activity[`atelier:creation-${remix}`]['prov:type'], { $: 'atelier:Derivation', type: 'prov:QUALIFIED_NAME' })
    assert.deepEqual(doc.activity[`atelier:creation-${photo}`]['prov:type'], { $: 'atelier:Creation', type: 'prov:QUALIFIED_NAME' })
    assert.ok(relations(doc, 'wasGeneratedBy').some(r => r['prov:entity'] === remixContent && r['prov:activity'] === `atelier:creation-${remix}`))

    // agents: creators by DID, tools as software agents
    for (const who of [alice, bob, carol]) {
      assert.deepEqual(doc.agent[agent(who.did)]['prov:type'], { $: 'prov:Person', type: 'prov:QUALIFIED_NAME' })
      assert.equal(doc.agent[agent(who.did)]['atelier:did'], who.did)
    }
    const tool = doc.agent['atelier:tool-diffusion%2Dxl-1.0']
    assert.deepEqual(tool['prov:type'], { $: 'prov:SoftwareAgent', type: 'prov:QUALIFIED_NAME' })
    assert.equal(tool['atelier:toolKind'], 'aiModel')
    assert.ok(relations(doc, 'wasAssociatedWith').some(r => r['prov:agent'] === 'atelier:tool-diffusion%2Dxl-1.0' && r['atelier:promptHash'] === PROMPT_HASH))
    assert.ok(relations(doc, 'wasAssociatedWith').some(r => r['prov:activity'] === `atelier:creation-${remix}` && r['prov:agent'] === agent(bob.did)))

    // attribution: content to creators with their shares, record to its issuer
    const shares = relations(doc, 'wasAttributedTo').filter(r => r['prov:entity'] === remixContent).map(r => [r['prov:agent'], r['atelier:share']])
    assert.deepEqual(shares, [[agent(bob.did), 7000], [agent(alice.did), 3000]])
    assert.ok(relations(doc, 'wasAttributedTo').some(r => r['prov:entity'] === `ipfs:${remix}` && r['prov:agent'] === agent(bob.did)))

    // derivations: the remix content from each ingredient, with the C2PA relationship; usage with the same role
    const derived = relations(doc, 'wasDerivedFrom').filter(r => r['prov:generatedEntity'] === remixContent)
    assert.deepEqual(derived.map(r => [r['prov:usedEntity'], r['atelier:relationship']]), [
      [photoContent, 'parentOf'],
      [`ipfs:${g.content(texture)}`, 'componentOf'],
      [`ipfs:${MODEL_CONTENT}`, 'inputTo'],
      [`ipfs:${DATASET_CONTENT}`, 'inputTo'],
      [`ipfs:${MISSING_PARENT}`, 'componentOf']
    ])
    assert.ok(derived.every(r => r['prov:activity'] === `atelier:creation-${remix}`))
    const used = relations(doc, 'used').filter(r => r['prov:activity'] === `atelier:creation-${remix}`)
    assert.ok(used.some(r => r['prov:entity'] === photoContent && (r['prov:role'] as any).$ === 'atelier:parentOf'))
    assert.ok(used.some(r => r['prov:entity'] === `ipfs:${MODEL_CONTENT}` && (r['prov:role'] as any).$ === 'atelier:modelWeights'))
  })

  it('is the same document every time', async () => {
    const { g, remix } = exportLineage()
    assert.deepEqual(await toProvJson(g.view, remix), await toProvJson(g.view, remix))
    assert.equal(JSON.stringify(await toProvJson(g.view, remix)), JSON.stringify(await toProvJson(g.view, remix)))
  })

  it('stops at the depth asked: depth 0 is the asset\'s own record, its ingredients named but not described', async () => {
    const { g, photo, remix } = exportLineage()
    const doc = await toProvJson(g.view, remix, { depth: 0 })
    validateProv(doc)
    checkReferences(doc)
    assert.deepEqual(Object.keys(doc.activity), [`atelier:creation-${remix}`])
    assert.equal(Object.keys(doc.wasDerivedFrom).length, 5)
    // the ingredient names the photo's record only; past the depth limit its content is not looked up
    assert.deepEqual(doc.entity[`ipfs:${photo}`], { 'prov:type': { $: 'atelier:AssetRecord', type: 'prov:QUALIFIED_NAME' } })
    assert.equal(doc.entity[`ipfs:${g.content(photo)}`], undefined)
  })

  it('ends on a content-reference cycle, and marks a cut walk', async () => {
    const g = new LineageBuilder()
    const a = fakeDid('a')
    const x = g.asset({ creators: [[a, 10000]], content: 'bafkreicyclex', parents: [{ relationship: 'parentOf', content: 'bafkreicycley' }] })
    const y = g.asset({ creators: [[a, 10000]], content: 'bafkreicycley', parents: [x] })
    const doc = await toProvJson(g.view, y)
    validateProv(doc)
    checkReferences(doc)
    assert.equal(Object.keys(doc.activity).length, 2)
    const cut = await toProvJson(g.view, y, { maxAssets: 1 })
    assert.equal(cut.entity[`ipfs:${y}`]['atelier:truncated'], true)
  })

  it('refuses an asset it does not hold and a depth out of range', async () => {
    const { g, remix } = exportLineage()
    await assert.rejects(toProvJson(g.view, MISSING_PARENT), { name: 'NotFoundError' })
    await assert.rejects(toProvJson(g.view, remix, { depth: 101 }), { name: 'InvalidRequestError' })
    await assert.rejects(toProvJson(g.view, remix, { depth: -1 }), { name: 'InvalidRequestError' })
  })
})
