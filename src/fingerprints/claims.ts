/**
 * Fingerprints as asset records carry them (protocols/records.md §3.1): made from a work's bytes when the node
 * signs an asset, and recomputed to check a record's claims when the node holds the bytes
 * (protocols/verification.md, `fingerprint.*`).
 *
 * Which codes a work gets follows its media type, or its first bytes when the type says nothing (`application/
 * octet-stream`): images PDQ-256 and ISCC Image-Code-64, text ISCC Text-Code-64 and the MinHash signature. Other
 * works get none.
 *
 * The event loop: an image is decoded by libvips on its own threads and reduced to 512 px first, so the
 * synchronous part (PDQ's downsample and DCT, ISCC's 32×32 DCT) is bounded whatever the input: about 10 ms on an
 * idle core, 33 ms measured under a load average of 12. Text costs time in proportion to its length (about
 * 1.8 ms per 1,000 characters under that load, so 7 s at the 4,000,000 limit): a text over TEXT_INLINE_CHARS
 * code units is fingerprinted in a worker thread.
 */
import { Worker } from 'node:worker_threads'
import type { FingerprintClaim } from '../records/types.ts'
import { ALG_ISCC_IMAGE, ALG_ISCC_TEXT, ALG_MINHASH_TEXT, ALG_PDQ, MAX_IMAGE_PIXELS, MAX_TEXT_LENGTH } from './constants.ts'
import { FingerprintInputError } from './errors.ts'
import { textFingerprints } from './text.ts'
import { KNOWN_ALGS } from './codes.ts'
import type { FingerprintKind, RefusalReason } from './compare.ts'

export { checkClaims, claimedKinds, MATCH_TOLERANCE, QUALITY_TOLERANCE } from './compare.ts'
export type { ClaimCheck, FingerprintKind, RefusalReason, WorkFingerprints } from './compare.ts'

/** Texts up to this many UTF-16 code units are fingerprinted on the calling thread (about 30 ms under load) */
export const TEXT_INLINE_CHARS = 16_384

/** Encoded bytes a text of MAX_TEXT_LENGTH code units can take at most (3 UTF-8 bytes per BMP unit): larger is over */
export const MAX_TEXT_BYTES = MAX_TEXT_LENGTH * 3

const TEXT_TYPES = new Set(['application/json', 'application/xml', 'application/x-markdown', 'application/markdown', 'application/x-tex'])

function startsWith (bytes: Uint8Array, magic: number[], at = 0): boolean {
  if (bytes.length < at + magic.length) return false
  return magic.every((b, i) => bytes[at + i] === b)
}

/** Image formats libvips decodes, by their first bytes */
export function sniffImage (head: Uint8Array): boolean {
  return startsWith(head, [0x89, 0x50, 0x4e, 0x47]) || // PNG
    startsWith(head, [0xff, 0xd8, 0xff]) || // JPEG
    startsWith(head, [0x47, 0x49, 0x46, 0x38]) || // GIF8
    (startsWith(head, [0x52, 0x49, 0x46, 0x46]) && startsWith(head, [0x57, 0x45, 0x42, 0x50], 8)) || // RIFF....WEBP
    startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]) || // TIFF
    (startsWith(head, [0x66, 0x74, 0x79, 0x70], 4) && ['avif', 'avis', 'heic', 'heix', 'mif1'].includes(String.fromCharCode(...head.subarray(8, 12)))) // ISO BMFF
}

/** The kind of fingerprint a work of `mediaType` gets (its first bytes decide when the type is not telling) */
export function fingerprintKind (mediaType: string, head: Uint8Array = new Uint8Array(0)): FingerprintKind | undefined {
  const type = mediaType.toLowerCase()
  if (type.startsWith('image/')) return 'image'
  if (type.startsWith('text/') || TEXT_TYPES.has(type)) return 'text'
  if (type === 'application/octet-stream' && sniffImage(head)) return 'image'
  return undefined
}

/** Text workers running at once; more wait their turn (each holds a copy of its text, up to 12 MB, and a core) */
export const MAX_TEXT_WORKERS = 2
let textWorkers = 0
const waitingForWorker: Array<() => void> = []

/** ISCC Text-Code and MinHash signature in a worker thread, so a long text does not hold the event loop */
async function textOffThread (bytes: Uint8Array): Promise<{ iscc: string, minhash: string }> {
  // a finishing worker hands its slot straight to the next waiter, so the count never goes over
  if (textWorkers >= MAX_TEXT_WORKERS) await new Promise<void>(resolve => waitingForWorker.push(resolve))
  else textWorkers++
  try {
    return await runTextWorker(bytes)
  } finally {
    const next = waitingForWorker.shift()
    if (next != null) next()
    else textWorkers--
  }
}

async function runTextWorker (bytes: Uint8Array): Promise<{ iscc: string, minhash: string }> {
  return await new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./text-worker.ts', import.meta.url), { workerData: { bytes } })
    worker.once('message', (m: { ok: true, iscc: string, minhash: string } | { ok: false, message: string, input: boolean, tooLong?: boolean }) => {
      if (m.ok) resolve({ iscc: m.iscc, minhash: m.minhash })
      // the worker only says whether its input was refused; over the length limit is the one refusal UTF-8 text gets
      else reject(m.input ? new FingerprintInputError(m.message, { details: m.tooLong ? { limit: MAX_TEXT_LENGTH } : {} }) : new Error(m.message))
    })
    worker.once('error', reject)
    worker.once('exit', code => { if (code !== 0) reject(new Error(`text fingerprint worker stopped with code ${code}`)) })
  })
}

function refused (reason: RefusalReason, message: string, cause?: unknown): FingerprintInputError {
  return new FingerprintInputError(message, { cause, details: { reason } })
}

/** The reason a FingerprintInputError from `computeFingerprints` carries */
export function refusalReason (err: unknown): RefusalReason | undefined {
  if (!(err instanceof FingerprintInputError)) return undefined
  const reason = err.details?.reason
  return reason === 'tooLarge' || reason === 'undecodable' ? reason : undefined
}

/**
 * The fingerprints of a work's bytes as an asset record carries them, for `kind`. Refused with a
 * FingerprintInputError whose `details.reason` is `tooLarge` (an image over 50 MP, a text over 4,000,000 code
 * units) or `undecodable` (bytes the image decoder refuses, a text that is not UTF-8).
 */
export async function computeFingerprints (bytes: Uint8Array, kind: FingerprintKind): Promise<FingerprintClaim[]> {
  if (kind === 'image') {
    // loaded on first use: the image decoder (libvips) costs the daemon's start nothing until a work needs it
    const [{ default: sharp }, { imageFingerprints }] = await Promise.all([import('sharp'), import('./image.ts')])
    let pixels: number
    try {
      const { width, height } = await sharp(bytes).metadata()
      pixels = (width ?? 0) * (height ?? 0)
    } catch (err) {
      throw refused('undecodable', 'the bytes are not an image the decoder reads', err)
    }
    if (pixels > MAX_IMAGE_PIXELS) throw refused('tooLarge', `image of ${pixels} pixels is over the fingerprint limit of ${MAX_IMAGE_PIXELS}`)
    let f
    try {
      f = await imageFingerprints(bytes)
    } catch (err) {
      throw refused('undecodable', 'the image does not decode', err)
    }
    return [
      { alg: ALG_PDQ, bits: KNOWN_ALGS[ALG_PDQ].bits, code: f.pdq.hash, quality: f.pdq.quality },
      { alg: ALG_ISCC_IMAGE, bits: KNOWN_ALGS[ALG_ISCC_IMAGE].bits, code: f.iscc.code }
    ]
  }
  if (bytes.length > MAX_TEXT_BYTES) throw refused('tooLarge', `text of ${bytes.length} bytes is over the fingerprint limit`)
  let t: { iscc: string, minhash: string }
  try {
    // a text of at most TEXT_INLINE_CHARS bytes has at most that many code units
    t = bytes.length <= TEXT_INLINE_CHARS
      ? (r => ({ iscc: r.iscc.code, minhash: r.minhash }))(textFingerprints(bytes))
      : await textOffThread(bytes)
  } catch (err) {
    if (!(err instanceof FingerprintInputError)) throw err
    // textFingerprints refuses two things: bytes that are not UTF-8, and a text over the length limit
    throw refused(err.details?.limit !== undefined ? 'tooLarge' : 'undecodable', err.message, err)
  }
  return [
    { alg: ALG_ISCC_TEXT, bits: KNOWN_ALGS[ALG_ISCC_TEXT].bits, code: t.iscc },
    { alg: ALG_MINHASH_TEXT, bits: KNOWN_ALGS[ALG_MINHASH_TEXT].bits, code: t.minhash }
  ]
}
