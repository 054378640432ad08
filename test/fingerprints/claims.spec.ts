/**
 * Record-shaped fingerprints of a work's bytes (src/fingerprints/claims.ts) and the comparison of claims with them
 * (compare.ts): the kind by media type or first bytes, the same codes as the D1 functions whether a text is done
 * inline or in a worker (several at once, through the bounded pool), refusals with their reason, tolerances.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { checkClaims, computeFingerprints, fingerprintKind, MATCH_TOLERANCE, MAX_TEXT_BYTES, refusalReason, sniffImage } from '../../src/fingerprints/claims.ts'
import { imageFingerprints, textFingerprints } from '../../src/fingerprints/index.ts'
import { jpeg, png, structuredImage } from './generated.ts'

function text (n: number, seed: number): string {
  const words = ['harbour', 'dusk', 'ink', 'rain', 'boat', 'lamp', 'rope']
  let s = ''
  let k = seed
  while (s.length < n) { k = (k * 7919 + 13) % 104729; s += words[k % words.length] + ' ' }
  return s.slice(0, n)
}

async function reasonOf (p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
    return 'accepted'
  } catch (err) {
    return refusalReason(err)
  }
}

describe('fingerprints of a work, as records carry them', () => {
  it('the kind: by media type, else by the first bytes of application/octet-stream', async () => {
    assert.equal(fingerprintKind('image/webp'), 'image')
    assert.equal(fingerprintKind('Text/Markdown'), 'text')
    assert.equal(fingerprintKind('application/json'), 'text')
    assert.equal(fingerprintKind('application/pdf'), undefined)
    const p = await png(structuredImage(1, 64, 48))
    const j = await jpeg(structuredImage(1, 64, 48), 80)
    assert.equal(sniffImage(p.subarray(0, 16)), true)
    assert.equal(sniffImage(j.subarray(0, 16)), true)
    assert.equal(fingerprintKind('application/octet-stream', p), 'image')
    assert.equal(fingerprintKind('application/octet-stream', new TextEncoder().encode('%PDF-1.7')), undefined)
    assert.equal(fingerprintKind('application/pdf', p), undefined, 'a stated type is taken as stated')
  })

  it('the codes are those of the D1 functions: images, and texts inline and in workers, several at once', async () => {
    const bytes = await png(structuredImage(2, 400, 300))
    const f = await imageFingerprints(bytes)
    assert.deepEqual(await computeFingerprints(bytes, 'image'), [
      { alg: 'pdq-256', bits: 256, code: f.pdq.hash, quality: f.pdq.quality },
      { alg: 'iscc-image-64', bits: 64, code: f.iscc.code }
    ])
    const texts = [text(500, 1), text(40_000, 2), text(40_000, 3), text(40_000, 4), text(40_000, 5)]
    const got = await Promise.all(texts.map(async t => await computeFingerprints(new TextEncoder().encode(t), 'text')))
    for (const [i, t] of texts.entries()) {
      const want = textFingerprints(t)
      assert.deepEqual(got[i], [{ alg: 'iscc-text-64', bits: 64, code: want.iscc.code }, { alg: 'minhash-64x32', bits: 2048, code: want.minhash }])
    }
  })

  it('refusals carry their reason: undecodable bytes, or over a bound', async () => {
    assert.equal(await reasonOf(computeFingerprints(new TextEncoder().encode('not an image'), 'image')), 'undecodable')
    assert.equal(await reasonOf(computeFingerprints(new Uint8Array(100).fill(0xff), 'text')), 'undecodable')
    assert.equal(await reasonOf(computeFingerprints(new Uint8Array(20_000).fill(0xff), 'text')), 'undecodable', 'refused in the worker too')
    assert.equal(await reasonOf(computeFingerprints(new Uint8Array(MAX_TEXT_BYTES + 1).fill(0x61), 'text')), 'tooLarge')
    assert.equal(refusalReason(new Error('other')), undefined)
  })

  it('claims against the bytes: within the tolerance, beyond it, a code the bytes do not give, an unknown id', async () => {
    const computed = await computeFingerprints(await png(structuredImage(3, 300, 200)), 'image')
    const [pdq, iscc] = computed
    const flip = (hex: string, n: number): string => {
      const b = Buffer.from(hex, 'hex')
      for (let i = 0; i < n; i++) b[i >> 3] ^= 0x80 >> (i & 7)
      return b.toString('hex')
    }
    assert.deepEqual(checkClaims(computed, computed).map(c => [c.outcome, c.distance]), [['match', 0], ['match', 0]])
    const tol = MATCH_TOLERANCE['pdq-256']
    assert.equal(checkClaims([{ ...pdq, code: flip(pdq.code, tol) }], computed)[0].outcome, 'match')
    const over = checkClaims([{ ...pdq, code: flip(pdq.code, tol + 1) }], computed)[0]
    assert.deepEqual([over.outcome, over.distance, over.tolerance], ['mismatch', tol + 1, tol])
    assert.equal(checkClaims([{ ...pdq, quality: (pdq.quality ?? 0) > 50 ? 0 : 100 }], computed)[0].outcome, 'mismatch')
    assert.deepEqual(checkClaims([{ alg: 'iscc-text-64', bits: 64, code: iscc.code.replace('ISCC:EE', 'ISCC:EA') }], computed).map(c => c.outcome), ['mismatch'])
    assert.deepEqual(checkClaims([{ alg: 'future', bits: 8, code: 'ff' }], computed).map(c => c.outcome), ['unknown'])
  })
})
