/**
 * A streaming UnixFS file importer with a fixed memory budget.
 *
 * It builds the same DAG as `@helia/unixfs` `addByteStream` with its defaults (CIDv1, raw leaves, fixed-size chunks,
 * balanced layout of at most 1024 links per node, links-first dag-pb), so the CIDs are the ones any IPFS
 * implementation with those settings computes; `test/store/importer.spec.ts` checks this against `@helia/unixfs`.
 *
 * Why not the library importer: it allocates a new buffer per chunk and leaves each one for the garbage collector.
 * At hundreds of MiB/s V8 lets tens of MiB of dead buffers float before collecting them, which is most of a
 * 300 MB budget. Here each chunk is copied into one of `writeConcurrency + 1` pooled buffers, which returns to the
 * pool as soon as its block is written, so the importer itself holds a constant `(writeConcurrency + 1) × chunkSize`
 * whatever the file size.
 */
import { createHash } from 'node:crypto'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import type { AbortOptions } from '@libp2p/interface'

/** Writes one block; the importer reuses `bytes` once the returned promise settles */
export type BlockWriter = (cid: CID, bytes: Uint8Array, options: AbortOptions) => Promise<unknown>

export interface ImportFileInit {
  /** Leaf size, bytes */
  chunkSize: number
  /** Links per dag-pb node. @default 1024 */
  maxChildrenPerNode?: number
  /** Leaf writes in flight. @default 8 */
  writeConcurrency?: number
}

export interface ImportFileOptions extends AbortOptions {
  /** Called after each source piece is taken in, with the bytes so far */
  onBytes?: (bytes: number) => void
}

export interface ImportedFile {
  cid: CID
  /** file size, bytes */
  size: number
}

/** One child of a node still to be built */
interface Child {
  cid: CID
  /** bytes of file data under it (the UnixFS blockSize) */
  fileSize: number
  /** the cumulative DAG size (the dag-pb link Tsize) */
  dagSize: number
}

/** Defaults of the options above */
const DEFAULT_MAX_CHILDREN = 1024
const DEFAULT_WRITE_CONCURRENCY = 8

export async function importFile (source: AsyncIterable<Uint8Array>, write: BlockWriter, init: ImportFileInit, options: ImportFileOptions = {}): Promise<ImportedFile> {
  const chunkSize = init.chunkSize
  const maxChildren = init.maxChildrenPerNode ?? DEFAULT_MAX_CHILDREN
  const concurrency = init.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY
  const writeOpts: AbortOptions = { signal: options.signal }

  // ---- buffer pool and bounded writes ----
  const free: Uint8Array[] = []
  let allocated = 0
  const inFlight = new Set<Promise<void>>()
  let failure: unknown

  const take = async (): Promise<Uint8Array> => {
    while (true) {
      if (failure != null) throw failure
      const buf = free.pop()
      if (buf != null) return buf
      if (allocated <= concurrency) {
        allocated++
        return new Uint8Array(chunkSize)
      }
      await Promise.race(inFlight)
    }
  }

  const writeLeaf = (buf: Uint8Array, length: number): CID => {
    const bytes = length === buf.byteLength ? buf : buf.subarray(0, length)
    const cid = CID.createV1(raw.code, Digest.create(sha256.code, createHash('sha256').update(bytes).digest()))
    const p: Promise<void> = write(cid, bytes, writeOpts).then(
      () => { free.push(buf) },
      (err) => { failure ??= err }
    ).finally(() => { inFlight.delete(p) })
    inFlight.add(p)
    return cid
  }

  // ---- balanced layout, built level by level as leaves arrive ----
  const levels: Child[][] = [[]]
  let leafCount = 0

  const addChild = async (level: number, child: Child): Promise<void> => {
    levels[level] ??= []
    levels[level].push(child)
    if (levels[level].length === maxChildren) {
      const parent = await makeParent(levels[level])
      levels[level] = []
      await addChild(level + 1, parent)
    }
  }

  const makeParent = async (children: Child[]): Promise<Child> => {
    const unixfs = new UnixFS({ type: 'file' })
    const links: dagPb.PBLink[] = []
    for (const c of children) {
      if (c.fileSize === 0) continue // as the reference importer: empty children are left out
      unixfs.addBlockSize(BigInt(c.fileSize))
      links.push({ Name: '', Tsize: c.dagSize, Hash: c.cid })
    }
    const block = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: links }))
    const cid = CID.createV1(dagPb.code, Digest.create(sha256.code, createHash('sha256').update(block).digest()))
    await write(cid, block, writeOpts)
    return {
      cid,
      fileSize: Number(unixfs.fileSize()),
      dagSize: block.byteLength + links.reduce((sum, l) => sum + (l.Tsize ?? 0), 0)
    }
  }

  // ---- chunking ----
  let total = 0
  let buf: Uint8Array | undefined
  let filled = 0
  const emit = async (): Promise<void> => {
    const b = buf as Uint8Array
    const length = filled
    buf = undefined
    filled = 0
    leafCount++
    const cid = writeLeaf(b, length)
    await addChild(0, { cid, fileSize: length, dagSize: length })
  }

  try {
    for await (const piece of source) {
      options.signal?.throwIfAborted()
      let pos = 0
      while (pos < piece.byteLength) {
        buf ??= await take()
        const n = Math.min(chunkSize - filled, piece.byteLength - pos)
        buf.set(n === piece.byteLength ? piece : piece.subarray(pos, pos + n), filled)
        filled += n
        pos += n
        if (filled === chunkSize) await emit()
      }
      total += piece.byteLength
      options.onBytes?.(total)
    }
    if (filled > 0 || leafCount === 0) {
      buf ??= await take()
      await emit()
    }
    await Promise.all(inFlight)
    if (failure != null) throw failure
  } catch (err) {
    await Promise.allSettled(inFlight)
    throw err
  }

  // ---- close the remaining partial levels, bottom up ----
  if (leafCount === 1) {
    return { cid: levels[0][0].cid, size: total } // a single leaf is its own root
  }
  for (let level = 0; level < levels.length; level++) {
    const pending = levels[level]
    const higher = levels.slice(level + 1).some(l => l.length > 0)
    if (pending.length === 0) continue
    if (pending.length === 1 && !higher) return { cid: pending[0].cid, size: total }
    const parent = await makeParent(pending)
    levels[level] = []
    ;(levels[level + 1] ??= []).push(parent)
  }
  throw new Error('unreachable: the layout always ends with one root')
}
