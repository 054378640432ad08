/**
 * Reading UnixFS files and DAGs with bounded read-ahead.
 *
 * `readFileRange` walks a file's DAG (dag-pb nodes with UnixFS `blockSizes`, raw or dag-pb leaves) and visits only
 * the children that overlap the requested byte range, so a Range request near the end of a large file reads a handful
 * of blocks. Leaves are loaded at most `readAhead` at a time and yielded strictly in order; each is yielded as the
 * buffer the loader returned (or a view of it), never copied. Memory is about `readAhead` blocks per level of the
 * DAG, whatever the file size.
 *
 * `walkDag` yields every block under a root in depth-first pre-order (the order of a CARv1 export), with the same
 * bounded prefetch of children.
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import * as raw from 'multiformats/codecs/raw'
import { InvalidRequestError } from '../errors.ts'
import { CorruptBlockError } from './errors.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Loads one block's bytes; throws NotFoundError when it cannot be had */
export type BlockLoader = (cid: CID, options?: AbortOptions) => Promise<Uint8Array>

/**
 * Loads a raw leaf whose size the parent declares, possibly into a borrowed buffer (src/store/buffer-pool.ts), and
 * takes such buffers back. `giveBack` of bytes that were not borrowed does nothing.
 */
export interface LeafLoader {
  load: (cid: CID, size: number, options?: AbortOptions) => Promise<Uint8Array>
  giveBack: (bytes: Uint8Array) => void
}

/** Gives the CIDs a block links to (for codecs other than dag-pb and raw) */
export type LinkFinder = (cid: CID, bytes: Uint8Array) => Promise<CID[]>

/** A DAG deeper than this is refused rather than walked (a hostile DAG could otherwise recurse without end) */
export const MAX_DAG_DEPTH = 64

/** The decoded root of a file: its size and what is needed to read it */
export interface FileRoot {
  cid: CID
  bytes: Uint8Array
  size: number
  /** decoded dag-pb node and UnixFS data, when the root is dag-pb */
  node?: dagPb.PBNode
  unixfs?: UnixFS
}

/** A piece of the output: a slice of a leaf still to load, or bytes already in hand */
interface Span {
  cid?: CID
  bytes?: Uint8Array
  /** slice of the leaf's bytes */
  start: number
  end: number
  /** the leaf's full length as declared by its parent (checked once loaded) */
  size?: number
}

/** Decode a dag-pb block into node + UnixFS metadata; a non-UnixFS node is a CorruptBlockError */
export function decodeUnixFS (cid: CID, bytes: Uint8Array): { node: dagPb.PBNode, unixfs: UnixFS } {
  let node: dagPb.PBNode
  let unixfs: UnixFS
  try {
    node = dagPb.decode(bytes)
    if (node.Data == null) throw new Error('no Data field')
    unixfs = UnixFS.unmarshal(node.Data)
  } catch (err: any) {
    throw new CorruptBlockError(`block ${cid} is not a UnixFS node: ${err.message}`, { cause: err })
  }
  return { node, unixfs }
}

/** Inspect a root block as a file; directories and other codecs are refused */
export function fileRoot (cid: CID, bytes: Uint8Array): FileRoot {
  if (cid.code === raw.code) return { cid, bytes, size: bytes.byteLength }
  if (cid.code !== dagPb.code) {
    throw new InvalidRequestError(`${cid} is not a file (codec 0x${cid.code.toString(16)})`)
  }
  const { node, unixfs } = decodeUnixFS(cid, bytes)
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') {
    throw new InvalidRequestError(`${cid} is a ${unixfs.type}, not a file`)
  }
  return { cid, bytes, size: Number(unixfs.fileSize()), node, unixfs }
}

/**
 * Yield bytes [start, end) of the file, in order.
 * `root` comes from `fileRoot`; `start`/`end` must already lie within [0, root.size].
 * With `leaves`, raw leaves are loaded through it and the chunks yielded from them may be views of borrowed buffers:
 * the consumer gives each chunk back (`leaves.giveBack`) once done with it. Chunks loaded but not yielded (an early
 * return, an error) are given back here.
 */
export async function * readFileRange (root: FileRoot, start: number, end: number, load: BlockLoader, readAhead: number, options: AbortOptions = {}, leaves?: LeafLoader): AsyncGenerator<Uint8Array> {
  if (end <= start) return
  if (root.node == null || root.unixfs == null) {
    yield viewOf(root.bytes, start, end)
    return
  }
  const spans = fileSpans(root.cid, Promise.resolve(root.bytes), start, end, 0, load, readAhead, options)
  yield * loadInOrder(spans, load, readAhead, options, leaves)
}

/** Depth-first walk of the spans that make up [start, end) of the file rooted at `cid` */
async function * fileSpans (cid: CID, bytesP: Promise<Uint8Array>, start: number, end: number, depth: number, load: BlockLoader, readAhead: number, options: AbortOptions): AsyncGenerator<Span> {
  if (depth > MAX_DAG_DEPTH) throw new CorruptBlockError(`DAG under ${cid} is deeper than ${MAX_DAG_DEPTH}`)
  const bytes = await bytesP
  if (cid.code === raw.code) {
    yield { bytes, start, end: Math.min(end, bytes.byteLength) }
    return
  }
  const { node, unixfs } = decodeUnixFS(cid, bytes)
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') {
    throw new CorruptBlockError(`block ${cid} inside a file is a ${unixfs.type}`)
  }
  const data = unixfs.data ?? new Uint8Array(0)
  let pos = 0
  if (data.byteLength > 0) {
    if (start < data.byteLength && end > 0) {
      yield { bytes: data, start: Math.max(start, 0), end: Math.min(end, data.byteLength) }
    }
    pos = data.byteLength
  }
  if (node.Links.length === 0) return
  if (unixfs.blockSizes.length !== node.Links.length) {
    throw new CorruptBlockError(`block ${cid} has ${node.Links.length} links but ${unixfs.blockSizes.length} block sizes`)
  }

  // the children that overlap [start, end), with their slice in child coordinates
  const children: Array<{ cid: CID, start: number, end: number, size: number }> = []
  for (let i = 0; i < node.Links.length && pos < end; i++) {
    const size = Number(unixfs.blockSizes[i])
    const childEnd = pos + size
    if (childEnd > start) {
      children.push({ cid: node.Links[i].Hash, start: Math.max(start - pos, 0), end: Math.min(end, childEnd) - pos, size })
    }
    pos = childEnd
  }

  // dag-pb children must be loaded before we can descend; prefetch the next `readAhead` of them
  const prefetched = new Map<number, Promise<Uint8Array>>()
  let nextPrefetch = 0
  const prefetchUpTo = (limit: number): void => {
    for (; nextPrefetch < children.length && nextPrefetch < limit; nextPrefetch++) {
      const child = children[nextPrefetch]
      if (child.cid.code === raw.code) continue
      const p = load(child.cid, options)
      p.catch(() => {}) // observed when awaited
      prefetched.set(nextPrefetch, p)
    }
  }
  for (let i = 0; i < children.length; i++) {
    const child = children[i]
    if (child.cid.code === raw.code) {
      yield { cid: child.cid, start: child.start, end: child.end, size: child.size }
      continue
    }
    prefetchUpTo(i + readAhead)
    const p = prefetched.get(i) ?? load(child.cid, options)
    prefetched.delete(i)
    yield * fileSpans(child.cid, p, child.start, child.end, depth + 1, load, readAhead, options)
  }
}

/** Load leaf spans with up to `readAhead` loads in flight, yielding their bytes in order */
async function * loadInOrder (spans: AsyncIterable<Span>, load: BlockLoader, readAhead: number, options: AbortOptions, leaves?: LeafLoader): AsyncGenerator<Uint8Array> {
  const window: Array<Promise<Uint8Array>> = []
  const fetch = async (span: Span): Promise<Uint8Array> => {
    if (span.bytes != null) return viewOf(span.bytes, span.start, span.end)
    const cid = span.cid as CID
    const bytes = leaves != null && span.size != null ? await leaves.load(cid, span.size, options) : await load(cid, options)
    if (span.size != null && bytes.byteLength !== span.size) {
      leaves?.giveBack(bytes)
      throw new CorruptBlockError(`block ${cid} is ${bytes.byteLength} bytes, its parent says ${span.size}`)
    }
    return viewOf(bytes, span.start, span.end)
  }
  /** The next chunk in order, or undefined for an empty one (given back, not yielded) */
  const next = async (): Promise<Uint8Array | undefined> => {
    const out = await (window.shift() as Promise<Uint8Array>)
    if (out.byteLength > 0) return out
    leaves?.giveBack(out)
    return undefined
  }
  try {
    for await (const span of spans) {
      const p = fetch(span)
      p.catch(() => {}) // observed when awaited
      window.push(p)
      if (window.length >= readAhead) {
        const out = await next()
        if (out != null) yield out
      }
    }
    while (window.length > 0) {
      const out = await next()
      if (out != null) yield out
    }
  } finally {
    // loads still in flight were never yielded: their buffers go back as they land
    if (leaves != null) for (const p of window) p.then(bytes => { leaves.giveBack(bytes) }, () => {})
    window.length = 0
  }
}

function viewOf (bytes: Uint8Array, start: number, end: number): Uint8Array {
  if (start === 0 && end >= bytes.byteLength) return bytes
  return bytes.subarray(start, end)
}

/** Every block under `root` in depth-first pre-order, each once, loading up to `readAhead` children ahead */
export async function * walkDag (root: CID, load: BlockLoader, links: LinkFinder, readAhead: number, options: AbortOptions = {}): AsyncGenerator<{ cid: CID, bytes: Uint8Array }> {
  const seen = new Set<string>()
  yield * visit(root, load(root, options), 0)

  async function * visit (cid: CID, bytesP: Promise<Uint8Array>, depth: number): AsyncGenerator<{ cid: CID, bytes: Uint8Array }> {
    if (depth > MAX_DAG_DEPTH) throw new CorruptBlockError(`DAG under ${root} is deeper than ${MAX_DAG_DEPTH}`)
    const bytes = await bytesP
    yield { cid, bytes }
    let children: CID[]
    if (cid.code === raw.code) {
      children = []
    } else if (cid.code === dagPb.code) {
      try {
        children = dagPb.decode(bytes).Links.map(l => l.Hash)
      } catch (err: any) {
        throw new CorruptBlockError(`block ${cid} is not dag-pb: ${err.message}`, { cause: err })
      }
    } else {
      children = await links(cid, bytes)
    }
    const todo = children.filter(c => {
      const key = c.multihash.code === 0 ? '' : c.toString()
      if (key === '' || seen.has(key)) return false // identity CIDs carry their block; duplicates go once
      seen.add(key)
      return true
    })
    const pending: Array<Promise<Uint8Array>> = []
    let next = 0
    for (let i = 0; i < todo.length; i++) {
      for (; next < todo.length && next < i + readAhead; next++) {
        const p = load(todo[next], options)
        p.catch(() => {}) // observed when awaited
        pending.push(p)
      }
      yield * visit(todo[i], pending.shift() as Promise<Uint8Array>, depth + 1)
    }
  }
}
