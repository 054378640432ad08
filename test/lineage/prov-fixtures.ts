/**
 * A small signed lineage with every feature the exports map: a captured photo, a remix made with software and an
 * AI model (published weights, a prompt hash), a placed component, AI inputs (a model and a data set named by
 * content only), a parent record that is not held, and training-and-mining permissions.
 */
import { LineageBuilder, cidOf, person } from './royalties-fixtures.ts'

export const alice = person('alice')
export const bob = person('bob')
export const carol = person('carol')

export const CAPTURE = 'http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture'
export const COMPOSITE = 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia'
export const MODEL_CONTENT = cidOf('model-weights', 0x55)
export const DATASET_CONTENT = cidOf('dataset', 0x55)
export const MISSING_PARENT = cidOf('a record nobody here holds')
export const PROMPT_HASH = '1220' + 'ab'.repeat(32)

export interface ExportLineage {
  g: LineageBuilder
  photo: string
  texture: string
  remix: string
}

export function exportLineage (): ExportLineage {
  const g = new LineageBuilder([alice, bob, carol])
  const photo = g.asset({
    title: 'Harbour at dawn',
    creators: [[alice.did, 10000]],
    extra: {
      mediaType: 'image/jpeg',
      digitalSourceType: CAPTURE,
      tools: [{ name: 'Camera Firmware', version: '2.1', kind: 'software' }],
      trainingMining: { 'cawg.ai_generative_training': { use: 'notAllowed' }, 'cawg.data_mining': { use: 'constrained', constraintInfo: 'ask first' } }
    }
  })
  const texture = g.asset({ title: 'Paper texture', creators: [[carol.did, 10000]] })
  const remix = g.asset({
    title: 'Harbour, reimagined',
    creators: [[bob.did, 7000], [alice.did, 3000]],
    parents: [
      { relationship: 'parentOf', record: photo },
      { relationship: 'componentOf', record: texture },
      { relationship: 'inputTo', content: MODEL_CONTENT, kind: 'model', title: 'diffusion-xl' },
      { relationship: 'inputTo', content: DATASET_CONTENT, kind: 'dataset', title: 'harbour photos' },
      { relationship: 'componentOf', record: MISSING_PARENT }
    ],
    extra: {
      description: 'A remix of a harbour photo',
      tags: ['harbour', 'remix'],
      digitalSourceType: COMPOSITE,
      tools: [
        { name: 'Image Editor', version: '5.0', kind: 'software' },
        { name: 'diffusion-xl', version: '1.0', kind: 'aiModel', model: MODEL_CONTENT, promptHash: PROMPT_HASH }
      ],
      trainingMining: { 'cawg.ai_training': { use: 'allowed' } }
    }
  })
  g.license(photo, { rate: 500, policy: 'LAP' })
  return { g, photo, texture, remix }
}
