/**
 * C2PA-style manifest view: the documented shape of a manifest store as c2patool prints it (active_manifest,
 * manifests by label, each with claim_generator, claim_generator_info, title, format, instance_id, ingredients,
 * assertions as { label, data }, signature_info, label; validation_status), checked with a JSON Schema written
 * here from that shape, then the mapping of each part: actions, ingredients and relationships, the CAWG
 * training-and-mining entries (the CDDL's `use` and `constraint_info`), signature info.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Ajv } from 'ajv'
import { toC2paManifestStore, manifestLabel } from '../../src/lineage/c2pa.ts'
import type { C2paAction, C2paManifest, C2paManifestStore } from '../../src/lineage/c2pa.ts'
import { LineageBuilder, fakeDid } from './royalties-fixtures.ts'
import { CAPTURE, COMPOSITE, DATASET_CONTENT, MISSING_PARENT, MODEL_CONTENT, alice, bob, exportLineage } from './prov-fixtures.ts'

const RELATIONSHIPS = ['parentOf', 'componentOf', 'inputTo']
const USES = ['allowed', 'notAllowed', 'constrained']

/** The manifest store report shape (c2patool's JSON), as far as this view fills it */
const storeSchema = {
  type: 'object',
  required: ['active_manifest', 'manifests', 'validation_status'],
  additionalProperties: false,
  properties: {
    active_manifest: { type: 'string', minLength: 1 },
    manifests: { type: 'object', minProperties: 1, additionalProperties: { $ref: '#/definitions/manifest' } },
    validation_status: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'url', 'explanation'],
        additionalProperties: false,
        properties: { code: { type: 'string' }, url: { type: 'string' }, explanation: { type: 'string' } }
      }
    }
  },
  definitions: {
    manifest: {
      type: 'object',
      required: ['claim_generator', 'claim_generator_info', 'title', 'format', 'instance_id', 'ingredients', 'assertions', 'signature_info', 'label'],
      additionalProperties: false,
      properties: {
        claim_generator: { type: 'string' },
        claim_generator_info: {
          type: 'array',
          minItems: 1,
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, version: { type: 'string' } } }
        },
        title: { type: 'string' },
        format: { type: 'string', pattern: '^[a-z]+/[a-z0-9.+-]+$' },
        instance_id: { type: 'string' },
        ingredients: {
          type: 'array',
          items: {
            type: 'object',
            required: ['title', 'relationship'],
            additionalProperties: false,
            properties: {
              title: { type: 'string' },
              relationship: { enum: RELATIONSHIPS },
              format: { type: 'string' },
              instance_id: { type: 'string' },
              active_manifest: { type: 'string' },
              data_types: { type: 'array', items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } } }
            }
          }
        },
        assertions: {
          type: 'array',
          minItems: 1,
          items: { type: 'object', required: ['label', 'data'], additionalProperties: false, properties: { label: { type: 'string' }, data: { type: 'object' } } }
        },
        signature_info: {
          type: 'object',
          required: ['alg', 'issuer', 'time'],
          properties: { alg: { type: 'string' }, issuer: { type: 'string' }, time: { type: 'string' } }
        },
        label: { type: 'string' }
      }
    }
  }
}

/** The c2pa.actions assertion data (v1): the first action is c2pa.created or c2pa.opened */
const actionsSchema = {
  type: 'object',
  required: ['actions'],
  properties: {
    actions: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['action'],
        additionalProperties: false,
        properties: {
          action: { type: 'string', pattern: '^c2pa\\.[a-z_.]+$' },
          when: { type: 'string' },
          softwareAgent: { type: 'string' },
          digitalSourceType: { type: 'string' },
          instanceId: { type: 'string' },
          parameters: { type: 'object' }
        }
      }
    }
  }
}

/** cawg.training-mining data, from the CAWG CDDL: { entries: { <key>: { use, constraint_info? } } } */
const trainingMiningSchema = {
  type: 'object',
  required: ['entries'],
  additionalProperties: false,
  properties: {
    entries: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        required: ['use'],
        additionalProperties: false,
        properties: { use: { enum: USES }, constraint_info: { type: 'string', minLength: 1 } }
      }
    }
  }
}

const ajv = new Ajv({ allErrors: true })
const validators = {
  store: ajv.compile(storeSchema),
  actions: ajv.compile(actionsSchema),
  trainingMining: ajv.compile(trainingMiningSchema)
}

function checkShape (store: C2paManifestStore): void {
  if (!validators.store(store)) assert.fail('manifest store: ' + ajv.errorsText(validators.store.errors))
  assert.ok(Object.hasOwn(store.manifests, store.active_manifest), 'the active manifest is in the store')
  for (const [label, m] of Object.entries(store.manifests)) {
    assert.equal(m.label, label)
    const actions = m.assertions.find(a => a.label === 'c2pa.actions')
    assert.ok(actions != null, 'every manifest has an actions assertion')
    if (!validators.actions(actions.data)) assert.fail('c2pa.actions: ' + ajv.errorsText(validators.actions.errors))
    const first = (actions.data.actions as C2paAction[])[0].action
    assert.ok(first === 'c2pa.created' || first === 'c2pa.opened', 'the first action is created or opened')
    const tm = m.assertions.find(a => a.label === 'cawg.training-mining')
    if (tm != null && !validators.trainingMining(tm.data)) assert.fail('cawg.training-mining: ' + ajv.errorsText(validators.trainingMining.errors))
    for (const ing of m.ingredients) {
      if (ing.active_manifest != null) assert.ok(Object.hasOwn(store.manifests, ing.active_manifest), 'ingredient manifests are in the store')
    }
  }
}

function actionsOf (m: C2paManifest): C2paAction[] {
  return m.assertions.find(a => a.label === 'c2pa.actions')?.data.actions as C2paAction[]
}

describe('C2PA manifest view', () => {
  it('has the documented shape of a c2patool manifest store', async () => {
    const { g, remix } = exportLineage()
    const store = await toC2paManifestStore(g.view, remix, { claimGenerator: { name: 'Atelier', version: '0.1.0' } })
    checkShape(store)
    assert.equal(store.active_manifest, `urn:atelier:${remix}`)
    assert.equal(Object.keys(store.manifests).length, 3, 'the remix, the photo and the texture')
    const m = store.manifests[store.active_manifest]
    assert.equal(m.claim_generator, 'Atelier/0.1.0')
    assert.deepEqual(m.claim_generator_info, [{ name: 'Atelier', version: '0.1.0' }])
    assert.equal(m.title, 'Harbour, reimagined')
    assert.equal(m.format, 'image/png')
    assert.equal(m.instance_id, `ipfs://${g.content(remix)}`)
  })

  it('lists the ingredients with their relationships and manifests', async () => {
    const { g, photo, texture, remix } = exportLineage()
    const store = await toC2paManifestStore(g.view, remix)
    const m = store.manifests[manifestLabel(remix)]
    assert.deepEqual(m.ingredients, [
      { title: 'Harbour at dawn', relationship: 'parentOf', format: 'image/jpeg', instance_id: `ipfs://${g.content(photo)}`, active_manifest: manifestLabel(photo) },
      { title: 'Paper texture', relationship: 'componentOf', format: 'image/png', instance_id: `ipfs://${g.content(texture)}`, active_manifest: manifestLabel(texture) },
      { title: 'diffusion-xl', relationship: 'inputTo', instance_id: `ipfs://${MODEL_CONTENT}`, data_types: [{ type: 'c2pa.types.model' }] },
      { title: 'harbour photos', relationship: 'inputTo', instance_id: `ipfs://${DATASET_CONTENT}`, data_types: [{ type: 'c2pa.types.dataset' }] },
      { title: MISSING_PARENT, relationship: 'componentOf' }
    ])
    assert.deepEqual(store.validation_status, [{
      code: 'ingredient.manifest.missing',
      url: manifestLabel(remix),
      explanation: `ingredient record ${MISSING_PARENT} is not held by this node`
    }])
  })

  it('maps actions: opened then edited for a derivation, created for an original, placed for components', async () => {
    const { g, photo, texture, remix } = exportLineage()
    const store = await toC2paManifestStore(g.view, remix)
    const when = (cid: string): string => (g.records.find(r => r.cid === cid)?.credential.validFrom) as string
    assert.deepEqual(actionsOf(store.manifests[manifestLabel(remix)]), [
      { action: 'c2pa.opened', when: when(remix), instanceId: `ipfs://${g.content(photo)}` },
      {
        action: 'c2pa.edited',
        when: when(remix),
        digitalSourceType: COMPOSITE,
        softwareAgent: 'Image Editor/5.0',
        parameters: {
          'org.atelier.tools': [
            { name: 'Image Editor', version: '5.0', kind: 'software' },
            { name: 'diffusion-xl', version: '1.0', kind: 'aiModel', model: MODEL_CONTENT, promptHash: '1220' + 'ab'.repeat(32) }
          ]
        }
      },
      { action: 'c2pa.placed', when: when(remix), instanceId: `ipfs://${g.content(texture)}` },
      { action: 'c2pa.placed', when: when(remix) }
    ])
    assert.deepEqual(actionsOf(store.manifests[manifestLabel(photo)]), [
      { action: 'c2pa.created', when: when(photo), digitalSourceType: CAPTURE, softwareAgent: 'Camera Firmware/2.1' }
    ])
  })

  it('carries the training-and-mining entries as the CAWG assertion has them', async () => {
    const { g, photo, texture, remix } = exportLineage()
    const store = await toC2paManifestStore(g.view, remix)
    const tm = (cid: string): unknown => store.manifests[manifestLabel(cid)].assertions.find(a => a.label === 'cawg.training-mining')?.data
    assert.deepEqual(tm(photo), {
      entries: {
        'cawg.ai_generative_training': { use: 'notAllowed' },
        'cawg.data_mining': { use: 'constrained', constraint_info: 'ask first' }
      }
    })
    assert.deepEqual(tm(remix), { entries: { 'cawg.ai_training': { use: 'allowed' } } })
    assert.equal(tm(texture), undefined, 'no permissions stated, no assertion')
  })

  it('names the creators and signs with the record\'s did and proof', async () => {
    const { g, remix } = exportLineage()
    const store = await toC2paManifestStore(g.view, remix)
    const m = store.manifests[manifestLabel(remix)]
    const record = g.records.find(r => r.cid === remix)!.credential
    assert.deepEqual(m.signature_info, {
      alg: 'Ed25519',
      issuer: bob.did,
      time: record.proof.created,
      cryptosuite: 'eddsa-jcs-2022',
      verification_method: record.proof.verificationMethod,
      proof_value: record.proof.proofValue
    })
    assert.deepEqual(m.assertions.find(a => a.label === 'stds.schema-org.CreativeWork')?.data, {
      '@context': 'https://schema.org',
      '@type': 'CreativeWork',
      author: [{ '@type': 'Person', identifier: bob.did }, { '@type': 'Person', identifier: alice.did }]
    })
  })

  it('respects the depth: depth 0 is the asset\'s manifest alone', async () => {
    const { g, remix } = exportLineage()
    const store = await toC2paManifestStore(g.view, remix, { depth: 0 })
    checkShape(store)
    assert.deepEqual(Object.keys(store.manifests), [manifestLabel(remix)])
    const m = store.manifests[manifestLabel(remix)]
    assert.equal(m.ingredients.length, 5)
    assert.ok(m.ingredients.every(i => i.active_manifest == null))
    assert.deepEqual(store.validation_status, [])
  })

  it('ends on a content-reference cycle and reports a cut walk', async () => {
    const g = new LineageBuilder()
    const a = fakeDid('a')
    const x = g.asset({ creators: [[a, 10000]], content: 'bafkreicyclex', parents: [{ relationship: 'parentOf', content: 'bafkreicycley' }] })
    const y = g.asset({ creators: [[a, 10000]], content: 'bafkreicycley', parents: [x] })
    const store = await toC2paManifestStore(g.view, y)
    checkShape(store)
    assert.equal(Object.keys(store.manifests).length, 2)
    const cut = await toC2paManifestStore(g.view, y, { maxAssets: 1 })
    assert.equal(cut.validation_status.at(-1)?.code, 'lineage.truncated')
  })

  it('refuses an asset it does not hold', async () => {
    const { g } = exportLineage()
    await assert.rejects(toC2paManifestStore(g.view, MISSING_PARENT), { name: 'NotFoundError' })
  })
})
