/**
 * What the gateway does with a private collective's works (protocols/private-collectives.md §9): encrypt an upload
 * before it is addressed, describe the stored ciphertext in an asset record's `encryption` member, and find the key
 * that opens a held work. The epoch keys come from the node (an EpochKeySource); nothing here knows how they are
 * kept.
 */
import { NotFoundError } from '../errors.ts'
import type { WorkEncryption } from '../records/types.ts'
import type { ContentStore } from '../store/types.ts'
import type { RecordIndexApi } from '../index/types.ts'
import type { EpochKeySource } from '../private/epoch-source.ts'
import { NoEpochKeyError, NotEncryptedError } from '../private/errors.ts'
import { HEADER_BYTES, SCHEME, decodeHeader, newWork, plaintextSize, unwrapWorkKey } from '../private/content-header.ts'
import type { ContentHeader } from '../private/content-header.ts'
import { workPayloadKey } from '../private/content-cipher.ts'
import { encryptStreamRecycled } from '../private/seal-offload.ts'
import type { EncryptResult } from '../private/content-cipher.ts'
import { DecryptionError } from '../private/errors.ts'

/** The media type an encrypted work's record declares; the plaintext's own is in `encryption.mediaType` */
export const ENCRYPTED_MEDIA_TYPE = 'application/vnd.atelier.encrypted'
/** Asset records read to find the one that opens a work: a flood of claims on one CID stays cheap */
const MAX_CLAIMS = 8

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url')

/**
 * The upload of a private collective's work: the plaintext sealed under a fresh work key of the current epoch, off the
 * event loop past its first MiB (src/private/seal-offload.ts). Its pieces are reused once the next is asked for:
 * it is for the store's importer, which copies each piece.
 */
export function encryptUpload (keys: EpochKeySource, collective: string, source: AsyncIterable<Uint8Array>, chunkBytes?: number):
{ ciphertext: AsyncIterable<Uint8Array>, header: ContentHeader, result: EncryptResult } {
  const current = keys.current(collective)
  if (current == null) throw new NoEpochKeyError(`this node holds no current key of the private collective ${collective}`)
  const { workKey, header } = newWork(current.key, collective, current.epoch, chunkBytes)
  const result: EncryptResult = { plaintextBytes: 0 }
  return { ciphertext: encryptStreamRecycled(source, workKey, header, result), header, result }
}

export function encryptionMember (header: ContentHeader, plaintextBytes: number, mediaType?: string): WorkEncryption {
  return {
    scheme: SCHEME as WorkEncryption['scheme'],
    epoch: header.epoch,
    chunkSize: header.chunkBytes,
    plaintextSize: plaintextBytes,
    salt: b64u(header.salt),
    wrappedKey: b64u(header.wrappedKey),
    ...(mediaType != null ? { mediaType } : {})
  }
}

/** The header of held content (its first 96 bytes) */
export async function readHeader (store: Pick<ContentStore, 'read'>, cid: string): Promise<ContentHeader> {
  const parts: Uint8Array[] = []
  for await (const p of store.read(cid, { offset: 0, length: HEADER_BYTES })) parts.push(p)
  return decodeHeader(new Uint8Array(Buffer.concat(parts)))
}

/**
 * The `encryption` member of an asset record for held content in private `collective`: the content must be an
 * encrypted work whose key this node can open with that collective's key of the work's epoch. Plaintext content
 * is refused: recording it in a private collective would publish it.
 */
export async function describeWork (keys: EpochKeySource, store: Pick<ContentStore, 'read'>, collective: string, cid: string, size: number,
  mediaType?: string): Promise<WorkEncryption> {
  let header: ContentHeader
  try {
    header = await readHeader(store, cid)
  } catch (err: any) {
    if (err.name !== 'NotEncryptedError') throw err
    throw new NotEncryptedError(`content: ${cid} is not encrypted, and ${collective} is private: add it with ?collective=${collective} (atelier add --collective) so it is encrypted before it is addressed`, { cause: err })
  }
  const key = keys.key(collective, header.epoch)
  if (key == null) throw new NoEpochKeyError(`this node holds no key of epoch ${header.epoch} of ${collective}`)
  unwrapWorkKey(key, collective, header.epoch, header.salt, header.wrappedKey)
  const pt = plaintextSize(size, header.chunkBytes)
  if (pt == null) throw new DecryptionError(`content: ${cid} has ${size} bytes, no whole number of sealed chunks`)
  return encryptionMember(header, pt, mediaType)
}

/** The provenance report's check of a work's wrap (src/lineage/verify-encryption.ts) */
export function workKeyOpener (keys: EpochKeySource): (collective: string, epoch: number, salt: Uint8Array, wrapped: Uint8Array) => 'opened' | 'failed' | 'noKey' {
  return (collective, epoch, salt, wrapped) => {
    const key = keys.key(collective, epoch)
    if (key == null) return 'noKey'
    try {
      unwrapWorkKey(key, collective, epoch, salt, wrapped)
      return 'opened'
    } catch {
      return 'failed'
    }
  }
}

/** A held work this node can open: its header, payload key, sizes and the record that describes it */
export interface OpenableWork {
  header: ContentHeader
  key: Uint8Array
  collective: string
  record: string
  encryption: WorkEncryption
}

/**
 * The key that opens content `cid`: from the first asset record naming it with an `encryption` member whose
 * collective's epoch key this node holds and which agrees with the content's header.
 */
export async function openableWork (keys: EpochKeySource, index: Pick<RecordIndexApi, 'query'>, store: Pick<ContentStore, 'read' | 'getRecord'>,
  cid: string): Promise<OpenableWork> {
  const header = await readHeader(store, cid)
  const page = await index.query({ kind: 'asset', content: cid, limit: MAX_CLAIMS, order: 'asc' })
  let lastError: Error | undefined
  for (const s of page.items) {
    const credential = JSON.parse(new TextDecoder().decode(await store.getRecord(s.cid)))
    const encryption = credential?.credentialSubject?.encryption as WorkEncryption | undefined
    const collective = credential?.collective as string | undefined
    if (encryption == null || collective == null) continue
    if (encryption.epoch !== header.epoch || encryption.salt !== b64u(header.salt) || encryption.wrappedKey !== b64u(header.wrappedKey) ||
      encryption.chunkSize !== header.chunkBytes) continue
    const epochKey = keys.key(collective, header.epoch)
    if (epochKey == null) { lastError = new NoEpochKeyError(`this node holds no key of epoch ${header.epoch} of ${collective}`); continue }
    try {
      return { header, key: workPayloadKey(epochKey, collective, header), collective, record: s.cid, encryption }
    } catch (err: any) { lastError = err }
  }
  throw lastError ?? new NotFoundError(`no asset record held here describes the encrypted work ${cid}`)
}
