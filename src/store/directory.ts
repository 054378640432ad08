/**
 * Build a UnixFS directory DAG over content already stored: the files were uploaded one by one (each streamed and
 * chunked like any add), and this writes the directory nodes that name them, bottom up.
 *
 * Each directory node is what Kubo's `ipfs add -r` and the JS importer write for a basic directory: dag-pb, UnixFS
 * Data `{ Type: Directory }` with no mode or mtime, one link per entry sorted by name bytes, each link's Tsize the
 * child's cumulative DAG size. So with Kubo-compatible file CIDs (`chunking: 'kubo'`) the directory CID is the one
 * `ipfs add -r --cid-version 1 --raw-leaves` prints. A directory big enough that Kubo would shard it (links' names
 * plus CIDs over 256 KiB: a HAMT) is refused rather than built differently.
 */
import { createHash } from 'node:crypto'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import type { AbortOptions } from '@libp2p/interface'
import { InvalidRequestError, TooLargeError } from '../errors.ts'

/** Kubo's and the JS importer's HAMT threshold: a directory whose links' names and CIDs exceed this is sharded */
export const SHARD_THRESHOLD_BYTES = 262_144
/** Entries one request may name */
export const MAX_DIRECTORY_ENTRIES = 100_000
/** Nesting a directory may have */
const MAX_DEPTH = 64

export interface DirectoryEntry {
  /** path inside the directory, `/`-separated, e.g. `img/cover.png` */
  path: string
  /** the file's CID; absent for an empty directory */
  cid?: string
}

export interface BuiltDirectory {
  cid: CID
  /** cumulative DAG size, bytes */
  dagSize: number
  files: number
  directories: number
}

export interface DirectoryComponents {
  /** a stored block's bytes (local) */
  load: (cid: CID, options: AbortOptions) => Promise<Uint8Array>
  put: (cid: CID, bytes: Uint8Array, options: AbortOptions) => Promise<unknown>
}

interface Dir { kind: 'dir', children: Map<string, Dir | FileNode> }
interface FileNode { kind: 'file', cid: CID }

/** Check the paths and arrange them as a tree; InvalidRequestError names the first bad entry */
export function directoryTree (entries: DirectoryEntry[]): Dir {
  if (!Array.isArray(entries) || entries.length === 0) throw new InvalidRequestError('entries must be a non-empty array')
  if (entries.length > MAX_DIRECTORY_ENTRIES) throw new TooLargeError(`at most ${MAX_DIRECTORY_ENTRIES} entries in one directory add`)
  const root: Dir = { kind: 'dir', children: new Map() }
  for (const entry of entries) {
    if (entry == null || typeof entry.path !== 'string') throw new InvalidRequestError('each entry needs a path')
    const parts = entry.path.split('/')
    if (parts.length > MAX_DEPTH) throw new InvalidRequestError(`${entry.path}: nested deeper than ${MAX_DEPTH}`)
    for (const part of parts) {
      if (part === '' || part === '.' || part === '..' || /[\u0000]/.test(part)) {
        throw new InvalidRequestError(`"${entry.path.slice(0, 200)}" is not a relative path of plain names`)
      }
    }
    let dir = root
    for (const part of parts.slice(0, -1)) {
      const next = dir.children.get(part) ?? { kind: 'dir', children: new Map() }
      if (next.kind !== 'dir') throw new InvalidRequestError(`${entry.path}: ${part} is a file`)
      dir.children.set(part, next)
      dir = next
    }
    const name = parts[parts.length - 1]
    const existing = dir.children.get(name)
    if (entry.cid == null) {
      if (existing?.kind === 'file') throw new InvalidRequestError(`${entry.path} is named twice`)
      if (existing == null) dir.children.set(name, { kind: 'dir', children: new Map() })
      continue
    }
    if (existing != null) throw new InvalidRequestError(`${entry.path} is named twice`)
    let cid: CID
    try {
      cid = CID.parse(entry.cid).toV1()
    } catch {
      throw new InvalidRequestError(`${entry.path}: "${String(entry.cid).slice(0, 100)}" is not a CID`)
    }
    dir.children.set(name, { kind: 'file', cid })
  }
  return root
}

/** Write the directory nodes of `tree`, bottom up; the files must be stored here */
export async function buildDirectory (tree: Dir, c: DirectoryComponents, options: AbortOptions = {}): Promise<BuiltDirectory> {
  const counts = { files: 0, directories: 0 }
  const built = await writeDir(tree, c, options, counts, '')
  return { ...built, ...counts }
}

async function writeDir (dir: Dir, c: DirectoryComponents, options: AbortOptions, counts: { files: number, directories: number }, at: string): Promise<{ cid: CID, dagSize: number }> {
  counts.directories++
  const links: dagPb.PBLink[] = []
  let estimate = 0
  for (const [name, child] of dir.children) {
    const sub = child.kind === 'dir'
      ? await writeDir(child, c, options, counts, `${at}${name}/`)
      : { cid: child.cid, dagSize: await dagSizeOf(child.cid, c, options, `${at}${name}`) }
    if (child.kind === 'file') counts.files++
    links.push({ Name: name, Tsize: sub.dagSize, Hash: sub.cid })
    estimate += Buffer.byteLength(name) + sub.cid.bytes.byteLength
  }
  if (estimate > SHARD_THRESHOLD_BYTES) {
    throw new TooLargeError(`directory /${at} has too many entries for one UnixFS node (${dir.children.size}; Kubo would shard it as a HAMT, which is not supported here yet): split it`)
  }
  const block = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: links }))
  const cid = CID.createV1(dagPb.code, Digest.create(sha256.code, createHash('sha256').update(block).digest()))
  await c.put(cid, block, options)
  return { cid, dagSize: block.byteLength + links.reduce((n, l) => n + (l.Tsize ?? 0), 0) }
}

/** A file's cumulative DAG size (the Tsize its parent link carries): its root block plus its links' Tsizes */
async function dagSizeOf (cid: CID, c: DirectoryComponents, options: AbortOptions, path: string): Promise<number> {
  let bytes: Uint8Array
  try {
    bytes = await c.load(cid, options)
  } catch (err: any) {
    if (err.name === 'NotFoundError') throw new InvalidRequestError(`${path}: ${cid} is not stored here (upload the file first)`, { cause: err })
    throw err
  }
  if (cid.code === raw.code || cid.multihash.code === 0) return bytes.byteLength
  if (cid.code !== dagPb.code) throw new InvalidRequestError(`${path}: ${cid} is not a UnixFS file (codec 0x${cid.code.toString(16)})`)
  const node = dagPb.decode(bytes)
  return bytes.byteLength + node.Links.reduce((n, l) => n + (l.Tsize ?? 0), 0)
}
