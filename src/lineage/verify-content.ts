/**
 * The content binding: do the bytes this node holds for an asset's content CID hash to it?
 *
 * Approach (chosen over re-importing the file to recompute its root CID): walk the DAG under the content CID and
 * check every block held locally — its bytes hash (SHA-256) to the digest in its CID — and the structure that
 * links them — each dag-pb node decodes as UnixFS, a file node has one `blockSizes` entry per link, and each child's
 * own file size equals the size its parent records for it. A DAG that passes is exactly the DAG the CID names,
 * whatever chunker or layout made it, so this holds for files imported by any IPFS implementation, where a
 * re-import would only reproduce CIDs made with our own importer settings. The cost is one read and one hash per
 * block, each block once (a visited set, so a DAG that links one block many times is not re-read).
 *
 * The asset's `byteSize` is compared with the file size the root states once every block was checked. Blocks
 * not held locally are never fetched: the check then covers what is here and says so (`content.incomplete`).
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import type { Finding } from './verify-codes.ts'
import { CONTENT_READ_CONCURRENCY } from './verify-constants.ts'
import { finding, ref } from './verify-text.ts'
import type { VerifyView } from './verify-view.ts'

const SHA2_256 = 0x12
const IDENTITY = 0x00

/** Bytes a report may still hash; shared by every content check of one report */
export interface ContentBudget {
  remaining: number
}

interface Visit {
  cid: CID
  /** file sizes parents recorded for this block (one per parent link) */
  expected: number[]
}

interface Checked {
  /** the block's own file size (UnixFS), or undefined for a directory or other non-file node */
  fileSize?: number
  children: Array<{ cid: CID, size?: number }>
}

/** Thrown inside the walk to stop at the first broken block */
class ContentProblem extends Error {
  readonly result: Finding

  constructor (result: Finding) {
    super(result.message)
    this.result = result
  }
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/** Decode one block and list its children; throws ContentProblem when it is not sound UnixFS */
function decodeBlock (cid: CID, bytes: Uint8Array, record: string, content: string): Checked {
  if (cid.code === raw.code) return { fileSize: bytes.byteLength, children: [] }
  const malformed = (why: string): ContentProblem => new ContentProblem(finding('content.malformed', record,
    `The content ${ref(content)} is not a sound UnixFS DAG: block ${ref(cid.toString())} ${why}.`, [content]))
  let node: dagPb.PBNode
  let unixfs: UnixFS
  try {
    node = dagPb.decode(bytes)
  } catch (err) {
    throw malformed(`does not decode as dag-pb (${(err as Error).message})`)
  }
  if (node.Data == null) throw malformed('carries no UnixFS data')
  try {
    unixfs = UnixFS.unmarshal(node.Data)
  } catch (err) {
    throw malformed(`holds UnixFS data that does not decode (${(err as Error).message})`)
  }
  if (unixfs.type === 'file' || unixfs.type === 'raw') {
    if (unixfs.blockSizes.length !== node.Links.length) {
      throw malformed(`lists ${unixfs.blockSizes.length} block sizes for ${node.Links.length} links`)
    }
    return {
      fileSize: Number(unixfs.fileSize()),
      children: node.Links.map((link, i) => ({ cid: link.Hash, size: Number(unixfs.blockSizes[i]) }))
    }
  }
  // directories, symlinks and the like: every block is still hashed, sizes do not apply
  return { children: node.Links.map(link => ({ cid: link.Hash })) }
}

/**
 * Check the content of the asset record `record` against `content` (its content CID) and its claimed `byteSize`.
 * Returns one finding (valid / notHeld / incomplete / hashMismatch / malformed / unsupported), plus
 * `content.sizeMismatch` when the whole file was checked and its size is not the one claimed.
 */
export async function checkContent (view: VerifyView, record: string, content: string, byteSize: number, budget: ContentBudget): Promise<Finding[]> {
  let root: CID
  try {
    root = CID.parse(content)
  } catch {
    return [finding('content.unsupported', record, `The content ID ${ref(content)} is not a CID this verifier can read.`, [content])]
  }
  if (root.code !== raw.code && root.code !== dagPb.code) {
    return [finding('content.unsupported', record, `The content ${ref(content)} uses codec 0x${root.code.toString(16)}; only raw and dag-pb (UnixFS) content is checked.`, [content])]
  }
  const visited = new Map<string, Checked | 'missing' | 'skipped'>()
  let blocks = 0
  let bytesRead = 0
  let missing = 0
  let skipped = 0
  let rootSize: number | undefined

  const visit = async (v: Visit): Promise<Checked | 'missing' | 'skipped'> => {
    const id = v.cid.toString()
    const hash = v.cid.multihash.code
    if (hash !== SHA2_256 && hash !== IDENTITY) {
      throw new ContentProblem(finding('content.unsupported', record,
        `Block ${ref(id)} of the content ${ref(content)} uses hash function 0x${hash.toString(16)}, which this verifier does not check.`, [content]))
    }
    const bytes = hash === IDENTITY ? v.cid.multihash.digest : await view.localBlock(id)
    if (bytes == null) return 'missing'
    if (hash === SHA2_256) {
      if (budget.remaining < bytes.byteLength) return 'skipped'
      budget.remaining -= bytes.byteLength
      if (!sameBytes(view.crypto.sha256(bytes), v.cid.multihash.digest)) {
        throw new ContentProblem(finding('content.hashMismatch', record,
          `Block ${ref(id)} of the content ${ref(content)} is held here, but its bytes do not hash to its CID: the stored content was altered.`, [content, id]))
      }
    }
    blocks++
    bytesRead += bytes.byteLength
    return decodeBlock(v.cid, bytes, record, content)
  }

  try {
    let level: Visit[] = [{ cid: root, expected: [] }]
    const pending = new Map<string, Visit>()
    while (level.length > 0) {
      for (let i = 0; i < level.length; i += CONTENT_READ_CONCURRENCY) {
        const chunk = level.slice(i, i + CONTENT_READ_CONCURRENCY)
        const results = await Promise.all(chunk.map(visit))
        chunk.forEach((v, n) => {
          const r = results[n]
          const id = v.cid.toString()
          visited.set(id, r)
          if (r === 'missing') { missing++; return }
          if (r === 'skipped') { skipped++; return }
          if (v.cid.equals(root)) rootSize = r.fileSize
          for (const size of v.expected) {
            if (r.fileSize !== size) {
              throw new ContentProblem(finding('content.malformed', record,
                `The content ${ref(content)} is not a sound UnixFS DAG: block ${ref(id)} holds ${r.fileSize ?? 'no file'} bytes where its parent records ${size}.`, [content]))
            }
          }
          for (const child of r.children) {
            const key = child.cid.toString()
            const seen = visited.get(key)
            if (seen != null) {
              // already checked: compare its size now (a missing or skipped block cannot be compared)
              if (typeof seen === 'object' && child.size != null && seen.fileSize !== child.size) {
                throw new ContentProblem(finding('content.malformed', record,
                  `The content ${ref(content)} is not a sound UnixFS DAG: block ${ref(key)} holds ${seen.fileSize ?? 'no file'} bytes where a parent records ${child.size}.`, [content]))
              }
              continue
            }
            let next = pending.get(key)
            if (next == null) pending.set(key, (next = { cid: child.cid, expected: [] }))
            if (child.size != null) next.expected.push(child.size)
          }
        })
      }
      level = [...pending.values()]
      pending.clear()
    }
  } catch (err) {
    if (err instanceof ContentProblem) return [err.result]
    throw err
  }

  if (visited.get(root.toString()) === 'missing') {
    return [finding('content.notHeld', record, `The content ${ref(content)} is not held on this node, so its bytes were not checked against its CID.`, [content])]
  }
  if (missing > 0 || skipped > 0) {
    const why = [
      missing > 0 ? `${missing} not held here` : '',
      skipped > 0 ? `${skipped} left unchecked when the report's content budget ran out` : ''
    ].filter(s => s !== '').join(', ')
    return [finding('content.incomplete', record,
      `${blocks} blocks (${bytesRead} bytes) of the content ${ref(content)} hash to their CIDs; ${why}.`, [content])]
  }
  const size = rootSize != null ? ` (${rootSize} bytes of file data)` : ''
  const out = [finding('content.valid', record,
    `All ${blocks} blocks of the content ${ref(content)}${size} are held here and hash to their CIDs.`, [content])]
  if (rootSize != null && rootSize !== byteSize) {
    out.push(finding('content.sizeMismatch', record,
      `The record says the content is ${byteSize} bytes, but the file under ${ref(content)} is ${rootSize} bytes.`, [content]))
  }
  return out
}
