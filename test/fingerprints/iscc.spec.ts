import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { collapseText, textFingerprint } from '../../src/fingerprints/iscc-text.ts'
import { isccImageCode } from '../../src/fingerprints/iscc-image.ts'
import { decodeContentUnit, encodeContentUnit, ISCC_SUBTYPE_IMAGE } from '../../src/fingerprints/iscc-codec.ts'
import { minhashSimilarity } from '../../src/fingerprints/minhash.ts'
import { hamming } from '../../src/fingerprints/hamming.ts'
import { textFingerprints } from '../../src/fingerprints/text.ts'

/** iscc-core's conformance file (protocols/vectors/iscc/README.md) */
const data = JSON.parse(readFileSync(new URL('../../protocols/vectors/iscc/data.json', import.meta.url), 'utf8'))

describe('ISCC Text-Code (iscc-core conformance vectors)', () => {
  const cases = Object.entries<{ inputs: [string, number], outputs: { iscc: string, characters: number } }>(data.gen_text_code_v0)
  assert.ok(cases.length >= 5)
  for (const [name, { inputs, outputs }] of cases) {
    it(`${name}: code and character count equal the reference's`, () => {
      const r = textFingerprint(inputs[0], inputs[1])
      assert.equal(r.iscc.code, outputs.iscc)
      assert.equal(r.characters, outputs.characters)
    })
  }

  it('collapses case, accents, white space and punctuation away, as iscc-core', () => {
    assert.equal(collapseText('  Hello,\tWörld!\n'), 'helloworld')
    assert.equal(collapseText('Ｆｕｌｌ\u200bwidth'), 'fullwidth') // NFKC folds full width; U+200B is category Cf
  })
})

describe('ISCC Image-Code (iscc-core conformance vectors)', () => {
  const cases = Object.entries<{ inputs: [number[], number], outputs: { iscc: string } }>(data.gen_image_code_v0)
  assert.ok(cases.length >= 3)
  for (const [name, { inputs, outputs }] of cases) {
    it(`${name}: code equals the reference's`, () => {
      assert.equal(isccImageCode(inputs[0], inputs[1]).code, outputs.iscc)
    })
  }

  it('refuses pixel arrays of the wrong size with a typed error', () => {
    assert.throws(() => isccImageCode(new Array(1000).fill(0)), { code: 'ERR_FINGERPRINT_INPUT' })
  })
})

describe('ISCC unit codec', () => {
  it('decodes what it encodes, and refuses other lengths and strings', () => {
    const digest = Uint8Array.from({ length: 32 }, (_, i) => i * 7)
    for (const bits of [32, 64, 128, 256]) {
      const u = encodeContentUnit(ISCC_SUBTYPE_IMAGE, bits, digest)
      const back = decodeContentUnit(u.code)
      assert.equal(back.bits, bits)
      assert.equal(back.subtype, ISCC_SUBTYPE_IMAGE)
      assert.deepEqual(back.digest, digest.subarray(0, bits / 8))
    }
    assert.throws(() => encodeContentUnit(ISCC_SUBTYPE_IMAGE, 48, digest), { code: 'ERR_FINGERPRINT_INPUT' })
    assert.throws(() => decodeContentUnit('ISCC:not-base32!'), { code: 'ERR_FINGERPRINT_INPUT' })
    assert.throws(() => decodeContentUnit('ISCC:AAAZXZ6OU74YAZIM'), { code: 'ERR_FINGERPRINT_INPUT' }) // a Meta-Code
  })
})

describe('Text-Code and MinHash signature on edited text', () => {
  const base = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} of the essay says something about colour and form ${i * 7}.`).join(' ')
  const edited = base.replace('number 30', 'number thirty').replace('form 77', 'shape 77') + ' A closing line.'
  const other = Array.from({ length: 60 }, (_, i) => `Line ${i}: the river ran past mill ${i * 3} and the weir beyond it.`).join(' ')

  it('keeps an edited copy close and an unrelated text far, in code and in signature', () => {
    const a = textFingerprint(base)
    const b = textFingerprint(edited)
    const c = textFingerprint(other)
    const near = hamming(a.iscc.digest, b.iscc.digest)
    const far = hamming(a.iscc.digest, c.iscc.digest)
    assert.ok(near <= 13, `edited copy at ${near} bits`) // ISCC's published Text-Code match threshold
    assert.ok(far > 13, `unrelated text at ${far} bits`)
    const simNear = minhashSimilarity(a.minhash, b.minhash)
    const simFar = minhashSimilarity(a.minhash, c.minhash)
    assert.ok(simNear >= 0.8, `edited copy similarity ${simNear}`)
    assert.ok(simFar <= 0.1, `unrelated similarity ${simFar}`)
  })

  it('takes bytes as strict UTF-8 and bounds the length', () => {
    const r = textFingerprints(new TextEncoder().encode('Hello World'))
    assert.equal(r.iscc.code, 'ISCC:EAASKDNZNYGUUF5A')
    assert.equal(r.minhash.length, 512)
    assert.throws(() => textFingerprints(Uint8Array.of(0xff, 0xfe, 0x41)), { code: 'ERR_FINGERPRINT_INPUT' })
    assert.throws(() => textFingerprints('x'.repeat(101), 100), { code: 'ERR_FINGERPRINT_INPUT' })
  })
})
