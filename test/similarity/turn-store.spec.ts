/**
 * The node's turn store (src/node/similarity-service.ts `turnStore`): the turns of a held image, straightened codes
 * included, come back as they were put; turns kept by an older release (no version, so no straightened codes) read
 * as absent, so the node computes them again instead of searching without them.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { turnStore, TURNS_VERSION, type Turns } from '../../src/node/similarity-service.ts'
import { imageMatchCodes } from '../../src/fingerprints/turns.ts'
import { jpeg, structuredImage, toSharp } from '../fingerprints/generated.ts'
import sharp from 'sharp'

function memory (): { map: Map<string, string>, sub: Parameters<typeof turnStore>[0] } {
  const map = new Map<string, string>()
  return {
    map,
    sub: {
      get: async (k) => map.get(k),
      put: async (k, v) => { map.set(k, v) },
      async * iterator () { yield * map.entries() }
    }
  }
}

describe('turn store', () => {
  it('keeps the straightened codes of a tilted picture and reads older turns as absent', async () => {
    const img = structuredImage(77, 640, 480)
    const turned = await toSharp(img).rotate(-4, { background: '#000000' }).raw().toBuffer({ resolveWithObject: true })
    const bytes = new Uint8Array(await sharp(turned.data, { raw: { width: turned.info.width, height: turned.info.height, channels: turned.info.channels } })
      .extract({ left: Math.floor((turned.info.width - 640) / 2), top: Math.floor((turned.info.height - 480) / 2), width: 640, height: 480 }).jpeg({ quality: 85 }).toBuffer())
    const tilted: Turns = await imageMatchCodes(bytes)
    assert.ok(tilted.straightened !== undefined, 'the generated picture is found tilted')
    const plain: Turns = await imageMatchCodes(await jpeg(img, 85))
    assert.equal(plain.straightened, undefined)

    const { map, sub } = memory()
    const store = turnStore(sub)
    await store.put('tilted', tilted)
    assert.deepEqual(await store.get('tilted'), tilted)
    assert.equal(JSON.parse(map.get('tilted') as string).v, TURNS_VERSION)

    // as a release before the straightened codes stored them: no version
    const { straightened: _, ...older } = tilted
    map.set('old', JSON.stringify(older))
    assert.equal(await store.get('old'), undefined)
    const listed: string[] = []
    for await (const [k] of store.entries()) listed.push(k)
    assert.deepEqual(listed, ['tilted'])
  })
})
