/**
 * The fingerprints of works this node holds: for the asset records it signs (the HTTP create path, `atelier add`)
 * and for checking the claims of records whose bytes it holds (the provenance report). Reads the work from the
 * local store only, never from the network, into memory once, bounded by `fingerprints.maxBytes`.
 *
 * A work that gives no fingerprint (not an image or text, too large, undecodable) is logged at debug level and
 * gets none: fingerprints are an aid, and a work without them is still a work.
 */
import type { Logger } from 'pino'
import { isAtelierError } from '../errors.ts'
import { computeFingerprints, fingerprintKind, refusalReason, sniffImage } from '../fingerprints/claims.ts'
import { imageMatchCodes } from '../fingerprints/turns.ts'
import type { FingerprintKind, RefusalReason, WorkFingerprints } from '../fingerprints/claims.ts'

export type { WorkFingerprints }
import type { FingerprintClaim } from '../records/types.ts'
import type { ContentStore } from '../store/types.ts'

export interface WorkFingerprinterInit {
  store: Pick<ContentStore, 'read'>
  /** largest work read, bytes (fingerprints.maxBytes) */
  maxBytes: number
  logger?: Logger
}

export class WorkFingerprinter {
  private readonly store: Pick<ContentStore, 'read'>
  private readonly maxBytes: number
  private readonly log?: Logger

  constructor (init: WorkFingerprinterInit) {
    this.store = init.store
    this.maxBytes = init.maxBytes
    this.log = init.logger
  }

  /** The whole file under `content`, from local blocks; undefined when a block is missing; 'tooLarge' past maxBytes */
  private async read (content: string): Promise<Uint8Array | undefined | 'tooLarge'> {
    const chunks: Uint8Array[] = []
    let size = 0
    try {
      for await (const chunk of this.store.read(content, { offline: true })) {
        size += chunk.byteLength
        if (size > this.maxBytes) return 'tooLarge'
        chunks.push(chunk)
      }
    } catch (err) {
      if (isAtelierError(err) && err.code === 'ERR_NOT_FOUND') return undefined
      throw err
    }
    return Buffer.concat(chunks, size)
  }

  /**
   * Fingerprints of the held work `content` of `kind`, or with no kind, of the kind its media type (or, for
   * `application/octet-stream`, its first bytes) names; `undefined` kind and none found: an empty list.
   */
  async compute (content: string, mediaType: string, byteSize?: number, kind?: FingerprintKind): Promise<WorkFingerprints> {
    // a kind known from the media type alone, and a size known too large, need no byte read
    const fromType = kind ?? fingerprintKind(mediaType)
    if (fromType === undefined && mediaType.toLowerCase() !== 'application/octet-stream') return { status: 'computed', fingerprints: [] }
    if (byteSize !== undefined && byteSize > this.maxBytes) return this.refuse(content, 'tooLarge', `${byteSize} bytes, over fingerprints.maxBytes (${this.maxBytes})`)
    const bytes = await this.read(content)
    if (bytes === undefined) return { status: 'notHeld' }
    if (bytes === 'tooLarge') return this.refuse(content, 'tooLarge', `over fingerprints.maxBytes (${this.maxBytes})`)
    const which = fromType ?? (sniffImage(bytes.subarray(0, 16)) ? 'image' : undefined)
    if (which === undefined) return { status: 'computed', fingerprints: [] }
    try {
      return { status: 'computed', fingerprints: await computeFingerprints(bytes, which) }
    } catch (err) {
      const reason = refusalReason(err)
      if (reason === undefined) throw err
      return this.refuse(content, reason, (err as Error).message)
    }
  }

  /**
   * The PDQ hashes and ISCC Image-Codes of the held image `content` turned each of the eight ways (the querying side
   * of the match rule, protocols/fingerprints.md §6); undefined when it is not held, too large or not an image
   */
  async turns (content: string, byteSize?: number): Promise<Awaited<ReturnType<typeof imageMatchCodes>> | undefined> {
    if (byteSize !== undefined && byteSize > this.maxBytes) return undefined
    const bytes = await this.read(content)
    if (bytes === undefined || bytes === 'tooLarge') return undefined
    try {
      return await imageMatchCodes(bytes)
    } catch (err) {
      if (refusalReason(err) === undefined) throw err
      return undefined
    }
  }

  /**
   * The fingerprints to put in an asset record this node signs for `content`: those its bytes give, or none
   * (undefined) when they give none, for whatever reason
   */
  async forRecord (content: string, mediaType: string, byteSize?: number): Promise<FingerprintClaim[] | undefined> {
    const started = performance.now()
    const out = await this.compute(content, mediaType, byteSize)
    if (out.status !== 'computed' || out.fingerprints.length === 0) return undefined
    this.log?.debug({ content, algs: out.fingerprints.map(f => f.alg), ms: Math.round(performance.now() - started) }, 'fingerprinted a work')
    return out.fingerprints
  }

  private refuse (content: string, reason: RefusalReason, message: string): WorkFingerprints {
    this.log?.info({ content, reason, why: message }, 'no fingerprints for a work')
    return { status: 'refused', reason, message }
  }
}
