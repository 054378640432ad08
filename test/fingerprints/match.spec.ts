/**
 * The decision rule (src/fingerprints/match.ts) on a small generated set, through the codes as records carry them
 * (hex PDQ, ISCC strings, MinHash hex): every edit class of issue 12 is matched to its own original, and no copy
 * matches another original or a distractor. The full measurement is bench/fingerprint-eval.ts; this guards the
 * rule's promises on a set small enough to run in well under a minute. Crops of 10–20 % of the area are where
 * global hashes give out (docs/benchmarks.md), so that class is held to a floor rather than to every copy; ±5°
 * turns inside the frame are met through the querying side's straightened codes (straighten.ts), every one.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { imageFingerprints } from '../../src/fingerprints/image.ts'
import { textFingerprints } from '../../src/fingerprints/text.ts'
import { imageMatchCodes, isccDihedral, turnGrid } from '../../src/fingerprints/turns.ts'
import { isccImageCode } from '../../src/fingerprints/iscc-image.ts'
import { PDQ_VARIANTS } from '../../src/fingerprints/pdq.ts'
import { seededRandom } from '../utils/random.ts'
import { decideImage, decideText, IMAGE_RULE, matchImages, matchTexts, TEXT_RULE, type ImageCodes, type TextCodes } from '../../src/fingerprints/match.ts'
import { KINDS, makeOriginal, publish, type Raw } from './eval-images.ts'
import { IMAGE_EDITS } from './eval-edits.ts'
import { makeDistractor, makeText, TEXT_EDITS } from './eval-texts.ts'

const SEED = 500
/** Classes a global hash cannot always follow: at least this share of their copies must still match */
const HARD = new Map([['crop 10–20 % of the area', 0.4]])

const recordCodes = async (bytes: Uint8Array): Promise<ImageCodes> => {
  const f = await imageFingerprints(bytes) // what a record carries: no turns
  return { pdq: { hash: f.pdq.hash, quality: f.pdq.quality }, iscc: f.iscc.code }
}

describe('decision rule on a generated image set', () => {
  const raws: Raw[] = []
  const originals: ImageCodes[] = []
  const distractors: ImageCodes[] = []
  const copies: Array<{ edit: string, of: number, codes: ImageCodes }> = []

  before(async () => {
    for (let k = 0; k < KINDS.length; k++) {
      const raw = await makeOriginal(SEED + k, KINDS[k])
      raws.push(raw)
      originals.push(await recordCodes(await publish(raw)))
    }
    for (let i = 0; i < 60; i++) distractors.push(await recordCodes(await publish(await makeOriginal(SEED + 1000 + i, KINDS[i % KINDS.length], 0.5))))
    for (const [edit, make] of Object.entries(IMAGE_EDITS)) {
      for (let k = 0; k < raws.length; k++) copies.push({ edit, of: k, codes: await imageMatchCodes(await make(raws[k], SEED * 100 + k)) })
    }
  })

  it('every edit class is matched to its own original (all copies, or the floor for the hard class)', () => {
    const byEdit = new Map<string, boolean[]>()
    for (const c of copies) {
      const v = matchImages(c.codes, originals[c.of])
      if (v.match) {
        assert.ok(v.algorithm === 'pdq-256' || v.algorithm === 'iscc-image-64')
        assert.equal(v.distance, v.algorithm === 'pdq-256' ? v.distances.pdq : v.distances.iscc)
      }
      byEdit.set(c.edit, [...(byEdit.get(c.edit) ?? []), v.match])
    }
    for (const [edit, hits] of byEdit) {
      const share = hits.filter(Boolean).length / hits.length
      assert.ok(share >= (HARD.get(edit) ?? 1), `${edit}: ${hits.filter(Boolean).length} of ${hits.length} matched`)
    }
  })

  it('no copy matches another original or any distractor', () => {
    for (const c of copies) {
      originals.forEach((o, k) => { if (k !== c.of) assert.equal(matchImages(c.codes, o).match, false, `${c.edit} of ${c.of} against original ${k}`) })
      distractors.forEach((d, i) => { assert.equal(matchImages(c.codes, d).match, false, `${c.edit} of ${c.of} against distractor ${i}`) })
    }
  })

  it('turned and mirrored copies are met through the turns the querying side brings', () => {
    const turned = copies.filter(c => /flip|flop|rotate (90|180|270)°/.test(c.edit))
    const verdicts = turned.map(c => matchImages(c.codes, originals[c.of]))
    assert.ok(verdicts.every(v => v.match))
    // the plain codes alone are far apart: a turn defeats both hashes unless a side brings its turns
    const plain = turned.map(c => matchImages({ pdq: { hash: c.codes.pdq!.hash, quality: c.codes.pdq!.quality }, iscc: c.codes.iscc }, originals[c.of]))
    assert.equal(plain.filter(v => v.match).length, 0)
  })

  it('copies turned a few degrees inside their frame are met through their straightened codes', () => {
    const tilted = copies.filter(c => c.edit === 'rotate ±1…5°')
    for (const c of tilted) {
      assert.ok(c.codes.straightened !== undefined, `copy of ${c.of} not found tilted`)
      const v = matchImages(c.codes, originals[c.of])
      assert.ok(v.match, `copy of ${c.of}: ${JSON.stringify(v.distances)}`)
      assert.ok(v.distances.pdq !== undefined && v.distances.pdq <= IMAGE_RULE.pdqRadius, `copy of ${c.of}: PDQ ${v.distances.pdq}`)
    }
    // without them (the turns alone), most of these copies lie beyond PDQ's radius: the straightening is what meets them
    const without = tilted.map(c => { const { straightened: _, ...rest } = c.codes; return matchImages(rest, originals[c.of]) })
    assert.ok(without.filter(v => v.distances.pdq !== undefined && v.distances.pdq <= IMAGE_RULE.pdqRadius).length < tilted.length / 2)
  })
})

describe('decision rule on a generated text set', () => {
  const texts = Array.from({ length: 8 }, (_, k) => makeText(SEED + k))
  const codes = (t: string): TextCodes => { const f = textFingerprints(t); return { iscc: f.iscc.code, minhash: f.minhash } }
  const originals = texts.map(codes)
  const distractors = Array.from({ length: 48 }, (_, i) => codes(makeDistractor(i, texts.length, SEED)))

  it('every edit of every text matches its original by MinHash and nothing else', () => {
    for (const [edit, make] of Object.entries(TEXT_EDITS)) {
      texts.forEach((t, k) => {
        const copy = codes(make(t, SEED * 100 + k))
        const v = matchTexts(copy, originals[k])
        assert.ok(v.match, `${edit} of text ${k}: ${JSON.stringify(v.distances)}`)
        assert.equal(v.algorithm, 'minhash-64x32')
        originals.forEach((o, j) => { if (j !== k) assert.equal(matchTexts(copy, o).match, false, `${edit} of ${k} against ${j}`) })
        distractors.forEach((d, j) => { assert.equal(matchTexts(copy, d).match, false, `${edit} of ${k} against distractor ${j}`) })
      })
    }
  })
})

describe('decision rule edges', () => {
  it('PDQ decides alone up to its radius; ISCC needs PDQ within the confirmation radius; low quality leaves ISCC alone', () => {
    const r = IMAGE_RULE
    assert.deepEqual([decideImage({ pdq: r.pdqRadius, iscc: 60 }).match, decideImage({ pdq: r.pdqRadius + 1, iscc: 60 }).match], [true, false])
    assert.equal(decideImage({ pdq: r.isccConfirmPdq, iscc: r.isccRadius }).algorithm, 'iscc-image-64')
    assert.equal(decideImage({ pdq: r.isccConfirmPdq, iscc: r.isccRadius }).match, true)
    assert.equal(decideImage({ pdq: r.isccConfirmPdq + 1, iscc: r.isccRadius }).match, false)
    assert.equal(decideImage({ pdq: 0, iscc: null }).match, true)
    assert.equal(decideImage({ pdq: null, iscc: r.isccRadius }).match, true)
    assert.equal(decideImage({ pdq: null, iscc: r.isccRadius + 2 }).match, false)
    assert.deepEqual(decideImage({ pdq: null, iscc: null }), { match: false, algorithm: null, distance: null, distances: {} })
    const q = (quality: number): ImageCodes => ({ pdq: { hash: '0'.repeat(64), quality } })
    assert.equal(matchImages(q(r.pdqMinQuality), q(r.pdqMinQuality)).match, true)
    assert.equal(matchImages(q(r.pdqMinQuality - 1), q(100)).match, false) // the reference discards quality ≤ 49
  })

  it('text: beyond the candidate radius nothing matches; a candidate needs the MinHash threshold; no signature falls back to the code', () => {
    const t = TEXT_RULE
    assert.equal(decideText({ iscc: t.candidateRadius + 1, similarity: 1 }).match, false)
    assert.equal(decideText({ iscc: t.candidateRadius, similarity: t.minSimilarity }).match, true)
    assert.equal(decideText({ iscc: 0, similarity: t.minSimilarity - 1 / 64 }).match, false)
    assert.equal(decideText({ iscc: t.codeOnlyRadius, similarity: null }).match, true)
    assert.equal(decideText({ iscc: t.codeOnlyRadius + 1, similarity: null }).match, false)
  })

  it('malformed codes are a typed input error, never a wrong verdict', () => {
    const ok: ImageCodes = { pdq: { hash: 'ab'.repeat(32), quality: 100 } }
    assert.throws(() => matchImages(ok, { pdq: { hash: 'zz'.repeat(32), quality: 100 } }), { code: 'ERR_FINGERPRINT_INPUT' })
    assert.throws(() => matchImages(ok, { pdq: { hash: 'ab', quality: 100 } }), { code: 'ERR_FINGERPRINT_INPUT' })
    const text = textFingerprints('a text to fingerprint, long enough for windows')
    assert.throws(() => matchImages({ iscc: text.iscc.code }, { iscc: text.iscc.code }), { code: 'ERR_FINGERPRINT_INPUT' }) // a Text-Code is not an Image-Code
    assert.throws(() => matchTexts({ iscc: text.iscc.code, minhash: 'ff' }, { iscc: text.iscc.code, minhash: text.minhash }), { code: 'ERR_FINGERPRINT_INPUT' })
  })

  it('ISCC turns derived from one DCT equal the codes of the turned 32×32 grids', () => {
    const rnd = seededRandom(31)
    for (let g = 0; g < 50; g++) {
      const smooth = g % 2 === 0 // half noise, half smooth gradients with a few blobs (medians crowd there)
      const px = Uint8Array.from({ length: 32 * 32 }, (_, i) => smooth ? Math.round(128 + 100 * Math.sin((i % 32) / (3 + g % 7)) * Math.cos(Math.floor(i / 32) / 5) + 10 * rnd()) : Math.floor(rnd() * 256))
      const turns = isccDihedral(px)
      assert.equal(turns.original, isccImageCode(px).code)
      for (const v of PDQ_VARIANTS) assert.equal(turns[v], isccImageCode(turnGrid(px, v)).code, `grid ${g}, ${v}`)
    }
  })

  it('the verdict does not depend on which side is asked first (random codes and turns)', () => {
    const hex = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(b => Buffer.from(b).toString('hex'))
    const side = fc.record({ hash: hex, quality: fc.integer({ min: 0, max: 100 }), turn: hex, straight: fc.option(hex) })
    const iscc = isccImageCode(Uint8Array.from({ length: 32 * 32 }, (_, i) => i % 251)).code
    const codesOf = (s: { hash: string, quality: number, turn: string, straight: string | null }): ImageCodes => {
      const c: ImageCodes = { pdq: { hash: s.hash, quality: s.quality, dihedral: { flipY: s.turn } } }
      if (s.straight !== null) c.straightened = { degrees: 2, pdq: { hash: s.straight, quality: s.quality }, iscc }
      return c
    }
    fc.assert(fc.property(side, side, (a, b) => {
      const ca = codesOf(a)
      const cb = codesOf(b)
      const [x, y] = [matchImages(ca, cb), matchImages(cb, ca)]
      assert.deepEqual([x.match, x.algorithm, x.distance], [y.match, y.algorithm, y.distance])
    }), { numRuns: 300, seed: 7 })
  })
})
