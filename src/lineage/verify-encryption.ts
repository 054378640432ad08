/**
 * An encrypted work's record against its ciphertext (protocols/private-collectives.md §9): the header at the start of
 * the content held here must be the one the record's `encryption` member describes (format, chunk size, epoch, salt,
 * wrapped key), and, where this node holds the key of that epoch, the wrapped work key must open with it. Run only
 * after the content binding found the bytes sound (`content.valid`), as for fingerprints: bytes not known to be the
 * CID's are no ground to judge the header on. Pure over the view: the key check is the view's (`openWorkKey`), so
 * this file needs no cipher.
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import type { AssetSubject } from '../records/types.ts'
import type { Finding } from './verify-codes.ts'
import { finding, ref } from './verify-text.ts'
import type { VerifyView } from './verify-view.ts'

const MAGIC = [0x41, 0x54, 0x4c, 0x52, 0x45, 0x4e, 0x43, 0x01]
const HEADER_BYTES = 96
/** A DAG deeper than this before its first leaf is no file this node wrote */
const MAX_DEPTH = 8

/** The first bytes of a held UnixFS file, from its first leaf; undefined when a block on the way is not held */
async function firstBytes (view: VerifyView, content: string): Promise<Uint8Array | undefined> {
  let cid = CID.parse(content)
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const bytes = await view.localBlock(cid.toString())
    if (bytes == null) return undefined
    if (cid.code === raw.code) return bytes
    const node = dagPb.decode(bytes)
    const data = node.Data != null ? UnixFS.unmarshal(node.Data).data : undefined
    if (data != null && data.length > 0) return data
    if (node.Links.length === 0) return new Uint8Array(0)
    cid = node.Links[0].Hash
  }
  return undefined
}

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url')

export async function checkEncryption (view: VerifyView, record: string, subject: AssetSubject, collective: string | undefined, content: string,
  contentFindings: readonly Finding[]): Promise<Finding[]> {
  const e = subject.encryption
  if (e == null || !contentFindings.some(f => f.code === 'content.valid')) return []
  const head = await firstBytes(view, content).catch(() => undefined)
  if (head == null || head.length < HEADER_BYTES) return []
  const mismatch = (what: string): Finding[] => [finding('encryption.headerMismatch', record,
    `The content ${ref(content)} is not the encrypted work the record describes: ${what}.`, [content])]
  if (!MAGIC.every((b, i) => head[i] === b)) return mismatch('it does not start with an encrypted work\'s header')
  const dv = new DataView(head.buffer, head.byteOffset, HEADER_BYTES)
  const chunk = dv.getUint32(8)
  const epoch = dv.getUint32(12)
  const salt = head.slice(16, 48)
  const wrapped = head.slice(48, 96)
  if (chunk !== e.chunkSize) return mismatch(`its chunks are ${chunk} bytes, the record says ${e.chunkSize}`)
  if (epoch !== e.epoch) return mismatch(`it is sealed to epoch ${epoch}, the record says ${e.epoch}`)
  if (b64u(salt) !== e.salt || b64u(wrapped) !== e.wrappedKey) return mismatch('its salt or wrapped key is not the record\'s')
  const opened = collective != null ? await view.openWorkKey?.(collective, epoch, salt, wrapped) : undefined
  if (opened === 'failed') {
    return [finding('encryption.wrapInvalid', record, `The work key of ${ref(content)} does not open with this node's key of epoch ${epoch} of collective ${ref(collective ?? '')}.`, [content])]
  }
  const key = opened === 'opened'
    ? `and its work key opens with this node's key of epoch ${epoch}`
    : `(this node holds no key of epoch ${epoch} to open its work key with)`
  return [finding('encryption.valid', record, `The header of the encrypted work ${ref(content)} is the one the record describes (epoch ${epoch}, ${e.plaintextSize} plaintext bytes in chunks of ${chunk}), ${key}.`, [content])]
}
