/**
 * Fingerprints of issue 12's generated evaluation sets (test/fingerprints/eval-*.ts) and the distance of every
 * (edited copy, reference) pair, kept as byte matrices so a rule is judged over millions of pairs in a moment.
 * References are the originals then the distractors; the true partner of copy q is reference `q.original`.
 */
import { imageFingerprints } from '../src/fingerprints/image.ts'
import { imageMatchCodes } from '../src/fingerprints/turns.ts'
import { decodeContentUnit } from '../src/fingerprints/iscc-codec.ts'
import { textFingerprint } from '../src/fingerprints/iscc-text.ts'
import { fromHex } from '../src/fingerprints/hamming.ts'
import { PDQ_VARIANTS } from '../src/fingerprints/pdq.ts'
import { KINDS, makeOriginal, publish, type OriginalKind } from '../test/fingerprints/eval-images.ts'
import { IMAGE_EDITS } from '../test/fingerprints/eval-edits.ts'
import { makeDistractor, makeText, TEXT_EDITS } from '../test/fingerprints/eval-texts.ts'

/** Bits set in a 32-bit word */
function pop (x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}
const words = (b: Uint8Array): Uint32Array => Uint32Array.from({ length: b.length / 4 }, (_, i) => (b[4 * i] << 24 | b[4 * i + 1] << 16 | b[4 * i + 2] << 8 | b[4 * i + 3]) >>> 0)
function ham (a: Uint32Array, ao: number, b: Uint32Array, bo: number, n: number): number {
  let d = 0
  for (let i = 0; i < n; i++) d += pop(a[ao + i] ^ b[bo + i])
  return d
}

interface ImageCodesRaw { pdq: Uint32Array, quality: number, iscc: Uint32Array }
/**
 * A query also brings its 8 dihedral PDQ hashes and ISCC codes of its 32×32 grey turned the 8 ways, and where it is
 * tilted inside its frame the codes of it straightened (quality 0 when not): what the node's imageMatchCodes gives
 */
interface QueryCodes extends ImageCodesRaw { pdqDihedral: Uint32Array, isccDihedral: Uint32Array, straight: ImageCodesRaw | null }

/** A reference's codes: what a record carries (no turns) */
async function refCodes (bytes: Uint8Array): Promise<ImageCodesRaw> {
  const f = await imageFingerprints(bytes)
  return { pdq: words(fromHex(f.pdq.hash)), quality: f.pdq.quality, iscc: words(f.iscc.digest) }
}

async function imageCodes (bytes: Uint8Array): Promise<QueryCodes> {
  const m = await imageMatchCodes(bytes)
  const isccDihedral = new Uint32Array(16)
  PDQ_VARIANTS.forEach((v, i) => isccDihedral.set(words(decodeContentUnit(m.isccDihedral[v] as string).digest), i * 2))
  const pdqDihedral = new Uint32Array(64)
  PDQ_VARIANTS.forEach((v, i) => pdqDihedral.set(words(fromHex(m.pdq.dihedral?.[v] as string)), i * 8))
  const s = m.straightened
  const straight = s === undefined ? null : { pdq: words(fromHex(s.pdq.hash)), quality: s.pdq.quality, iscc: words(decodeContentUnit(s.iscc).digest) }
  return { pdq: words(fromHex(m.pdq.hash)), quality: m.pdq.quality, iscc: isccDihedral.slice(0, 2), pdqDihedral, isccDihedral, straight }
}

export interface ImageSet {
  edits: string[]
  kinds: OriginalKind[]
  originals: number
  distractors: number
  /** originals refused for being within reach of an earlier one (the set's originals are unlike each other) */
  rejected: number
  /** per copy: edit index, original index */
  copyEdit: Uint8Array
  copyOriginal: Uint16Array
  /** quality of each copy, each reference */
  copyQuality: Uint8Array
  refQuality: Uint8Array
  /** copies × references, row-major: PDQ plain, PDQ least over the copy's 8 variants, ISCC plain, ISCC least over 8 */
  pdqPlain: Uint8Array
  pdqMin: Uint8Array
  isccPlain: Uint8Array
  isccMin: Uint8Array
  /** the same least distances with the copy's straightened codes too, where it has them (the node's query codes) */
  pdqStraight: Uint8Array
  isccStraight: Uint8Array
  /** per copy: whether it was found tilted and straightened */
  copyStraightened: Uint8Array
  seconds: number
}

export interface ImageSetOptions { originals: number, distractors: number, seed: number, distractorScale: number, log: (s: string) => void }

export async function buildImageSet (o: ImageSetOptions): Promise<ImageSet> {
  const start = performance.now()
  const edits = Object.keys(IMAGE_EDITS)
  const refs: ImageCodesRaw[] = []
  const raws = []
  const kinds: OriginalKind[] = []
  let rejected = 0
  // originals, each refused when within PDQ 63 (any turn) or ISCC 16 of one already taken: the ground truth
  // "copy of i is not a copy of j" then holds by construction, with a margin over every rule measured here
  for (let s = 0; raws.length < o.originals; s++) {
    const raw = await makeOriginal(o.seed + s)
    const codes = await imageCodes(await publish(raw))
    const near = refs.some(r => {
      for (let v = 0; v < 8; v++) if (ham(codes.pdqDihedral, v * 8, r.pdq, 0, 8) <= 63 || ham(codes.isccDihedral, v * 2, r.iscc, 0, 2) <= 16) return true
      return false
    })
    if (near) { rejected++; continue }
    refs.push(codes); raws.push(raw); kinds.push(KINDS[(o.seed + s) % KINDS.length])
  }
  const secs = (): string => `${((performance.now() - start) / 1000).toFixed(0)} s`
  o.log(`  ${raws.length} originals (${rejected} refused as too near an earlier one), ${secs()}`)
  for (let i = 0; i < o.distractors; i++) {
    const seed = o.seed + 10_000_000 + i
    refs.push(await refCodes(await publish(await makeOriginal(seed, KINDS[seed % KINDS.length], o.distractorScale))))
    if ((i + 1) % 500 === 0) o.log(`  ${i + 1} distractors, ${secs()}`)
  }
  const copies: QueryCodes[] = []
  const copyEdit: number[] = []
  const copyOriginal: number[] = []
  for (let k = 0; k < raws.length; k++) {
    for (let e = 0; e < edits.length; e++) {
      copies.push(await imageCodes(await IMAGE_EDITS[edits[e]](raws[k], (o.seed + k) * 1000 + e)))
      copyEdit.push(e); copyOriginal.push(k)
    }
    if ((k + 1) % 25 === 0) o.log(`  copies of ${k + 1} originals, ${secs()}`)
  }
  const Q = copies.length
  const R = refs.length
  const pdqPlain = new Uint8Array(Q * R); const pdqMin = new Uint8Array(Q * R)
  const isccPlain = new Uint8Array(Q * R); const isccMin = new Uint8Array(Q * R)
  const pdqStraight = new Uint8Array(Q * R); const isccStraight = new Uint8Array(Q * R)
  for (let q = 0; q < Q; q++) {
    const c = copies[q]
    for (let r = 0; r < R; r++) {
      const ref = refs[r]
      let pm = 256; let im = 64
      for (let v = 0; v < 8; v++) {
        pm = Math.min(pm, ham(c.pdqDihedral, v * 8, ref.pdq, 0, 8))
        im = Math.min(im, ham(c.isccDihedral, v * 2, ref.iscc, 0, 2))
      }
      const i = q * R + r
      pdqPlain[i] = ham(c.pdq, 0, ref.pdq, 0, 8); pdqMin[i] = pm
      isccPlain[i] = ham(c.iscc, 0, ref.iscc, 0, 2); isccMin[i] = im
      // the node uses the straightened PDQ hash only at a usable quality (match.ts pdqDistance)
      pdqStraight[i] = c.straight !== null && c.straight.quality >= 50 ? Math.min(pm, ham(c.straight.pdq, 0, ref.pdq, 0, 8)) : pm
      isccStraight[i] = c.straight !== null ? Math.min(im, ham(c.straight.iscc, 0, ref.iscc, 0, 2)) : im
    }
  }
  return {
    edits, kinds, originals: raws.length, distractors: o.distractors, rejected,
    copyEdit: Uint8Array.from(copyEdit), copyOriginal: Uint16Array.from(copyOriginal),
    copyQuality: Uint8Array.from(copies, c => c.quality), refQuality: Uint8Array.from(refs, r => r.quality),
    pdqPlain, pdqMin, isccPlain, isccMin, pdqStraight, isccStraight,
    copyStraightened: Uint8Array.from(copies, c => c.straight === null ? 0 : 1), seconds: (performance.now() - start) / 1000
  }
}

export interface TextSet {
  edits: string[]
  originals: number
  distractors: number
  copyEdit: Uint8Array
  copyOriginal: Uint16Array
  /** copies × references: Text-Code-64 Hamming bits, and the number of equal MinHash minima (of 64) */
  code: Uint8Array
  same: Uint8Array
  meanChars: number
  seconds: number
}

export function buildTextSet (o: { originals: number, distractors: number, seed: number }): TextSet {
  const start = performance.now()
  const edits = Object.keys(TEXT_EDITS)
  const fp = (t: string): { code: Uint32Array, mh: Uint32Array, chars: number } => {
    const f = textFingerprint(t)
    return { code: words(f.iscc.digest), mh: f.minhash, chars: f.characters }
  }
  const texts = Array.from({ length: o.originals }, (_, k) => makeText(o.seed + k))
  const refs = texts.map(fp)
  for (let i = 0; i < o.distractors; i++) refs.push(fp(makeDistractor(i, o.originals, o.seed)))
  const copies: Array<ReturnType<typeof fp>> = []
  const copyEdit: number[] = []
  const copyOriginal: number[] = []
  texts.forEach((t, k) => edits.forEach((e, ei) => {
    copies.push(fp(TEXT_EDITS[e](t, (o.seed + k) * 1000 + ei))); copyEdit.push(ei); copyOriginal.push(k)
  }))
  const Q = copies.length
  const R = refs.length
  const code = new Uint8Array(Q * R)
  const same = new Uint8Array(Q * R)
  for (let q = 0; q < Q; q++) {
    const c = copies[q]
    for (let r = 0; r < R; r++) {
      code[q * R + r] = ham(c.code, 0, refs[r].code, 0, 2)
      let n = 0
      for (let i = 0; i < 64; i++) if (c.mh[i] === refs[r].mh[i]) n++
      same[q * R + r] = n
    }
  }
  const meanChars = refs.slice(0, o.originals).reduce((a, r) => a + r.chars, 0) / Math.max(1, o.originals)
  return {
    edits, originals: o.originals, distractors: o.distractors, copyEdit: Uint8Array.from(copyEdit),
    copyOriginal: Uint16Array.from(copyOriginal), code, same, meanChars, seconds: (performance.now() - start) / 1000
  }
}
