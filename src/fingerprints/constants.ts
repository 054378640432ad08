/**
 * Algorithm ids and fixed parameters of the fingerprints (protocols/fingerprints.md). The ids name exactly one
 * algorithm with one bit length; a change to any step that alters a code gets a new id.
 */

/** Meta PDQ, 256 bits, hex as the reference prints it */
export const ALG_PDQ = 'pdq-256'
/** ISCC Image-Code v0, 64 bits, ISCC code string */
export const ALG_ISCC_IMAGE = 'iscc-image-64'
/** ISCC Text-Code v0, 64 bits, ISCC code string */
export const ALG_ISCC_TEXT = 'iscc-text-64'
/** The 64 MinHash minima (32 bits each) under ISCC's permutations, hex, 512 bytes */
export const ALG_MINHASH_TEXT = 'minhash-64x32'

/** Images larger than this on either side are reduced to fit inside this square (aspect kept) before hashing */
export const PDQ_PRESAMPLE_SIDE = 512

/**
 * Largest image decoded, pixels (width × height): the decoder holds 3 bytes a pixel (plus 1 of grey), so 50 MP is
 * about 200 MB at worst. Larger images are refused with ERR_FINGERPRINT_INPUT rather than risk the process.
 */
export const MAX_IMAGE_PIXELS = 50_000_000

/** Largest text fingerprinted, UTF-16 code units (the MinHash costs 64 BigInt products per distinct window) */
export const MAX_TEXT_LENGTH = 4_000_000
