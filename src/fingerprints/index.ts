/**
 * Perceptual fingerprints of works, computed locally from their bytes (issue 12 D1; protocols/fingerprints.md):
 * PDQ-256 with quality and dihedral variants and ISCC Image-Code-64 for images, ISCC Text-Code-64 with a MinHash
 * signature for text, and the rule that calls two works the same (`match.ts`). Audio has no fingerprint yet: see
 * `audio.ts`.
 */
export { ALG_ISCC_IMAGE, ALG_ISCC_TEXT, ALG_MINHASH_TEXT, ALG_PDQ, MAX_IMAGE_PIXELS, MAX_TEXT_LENGTH } from './constants.ts'
export { FingerprintInputError } from './errors.ts'
export { decodeImage, imageFingerprints, type DecodedImage, type ImageFingerprints } from './image.ts'
export { textFingerprints, type TextFingerprints } from './text.ts'
export { audioFingerprints, type AudioFingerprinter } from './audio.ts'
export { hamming, hammingHex, fromHex, toHex } from './hamming.ts'
export { minhashSimilarity } from './minhash.ts'
export { decodeContentUnit } from './iscc-codec.ts'
export { PDQ_VARIANTS, type PdqVariant } from './pdq.ts'
export { KNOWN_ALGS, MAX_FINGERPRINTS, codeBits, claimProblem, isKnownAlg, type FingerprintClaim } from './codes.ts'
export { checkClaims, claimedKinds, computeFingerprints, fingerprintKind, refusalReason, type RefusalReason, type WorkFingerprints, sniffImage, MATCH_TOLERANCE, QUALITY_TOLERANCE, MAX_TEXT_BYTES, type ClaimCheck, type FingerprintKind } from './claims.ts'
export {
  IMAGE_RULE, TEXT_RULE, decideImage, decideText, matchImages, matchTexts, pdqDistance, isccDistance, signatureSimilarity,
  type ImageRule, type TextRule, type ImageCodes, type TextCodes, type Verdict, type MatchAlgorithm
} from './match.ts'
export { imageMatchCodes, isccDihedral, type ImageMatchCodes } from './turns.ts'
