/**
 * A graph walker for Helia pins that does not read leaves.
 *
 * `helia.pins.add()` walks the DAG under the root and records each block as pinned; it only needs each block's CID.
 * Helia's default walker reads every block, leaves included, so pinning a 1 GiB file reads 1 GiB back from disk and
 * queues the read blocks without bound when the pin bookkeeping is slower than the disk. Blocks whose codec cannot
 * link (raw, json) are yielded here without being read; only link-carrying nodes (dag-pb, or others through
 * `links`) are loaded, one at a time.
 */
import * as dagPb from '@ipld/dag-pb'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import { NotFoundError } from '../errors.ts'
import type { BlockLoader, LinkFinder } from './reader.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { GraphNode, GraphWalker, GraphWalkerFactory, WalkOptions } from '@helia/interface'
import type { CID } from 'multiformats/cid'
import type { BlockView } from 'multiformats/block/interface'

/** Codecs whose blocks never link to other blocks */
const LEAF_CODECS = new Set([raw.code, json.code])

/**
 * NotFoundError unless every block under `root` is stored: the walker below names leaves without reading them, so
 * Helia would pin a DAG with holes; here a leaf costs one stat, a link-carrying node one read.
 */
export async function assertWhole (root: CID, blocks: { has: (cid: CID) => Promise<boolean>, getBytes: BlockLoader }, links: LinkFinder, options: AbortOptions = {}): Promise<void> {
  const stack = [root]
  const seen = new Set<string>()
  while (stack.length > 0) {
    options.signal?.throwIfAborted()
    const cid = stack.pop() as CID
    if (cid.multihash.code === 0 || seen.has(cid.toString())) continue
    seen.add(cid.toString())
    if (LEAF_CODECS.has(cid.code)) {
      if (!(await blocks.has(cid))) throw new NotFoundError(`block ${cid} under ${root} is not held here`)
      continue
    }
    const bytes = await blocks.getBytes(cid, options)
    for (const child of cid.code === dagPb.code ? dagPb.decode(bytes).Links.map(l => l.Hash) : await links(cid, bytes)) stack.push(child)
  }
}

export function leafSkippingWalker (load: BlockLoader, links: LinkFinder): GraphWalkerFactory {
  return () => new LeafSkippingWalker(load, links)
}

class LeafSkippingWalker implements GraphWalker {
  readonly #load: BlockLoader
  readonly #links: LinkFinder

  constructor (load: BlockLoader, links: LinkFinder) {
    this.#load = load
    this.#links = links
  }

  async * walk<T = any> (root: CID, options: WalkOptions<T> = {}): AsyncGenerator<GraphNode<T>> {
    const maxDepth = options.depth ?? Infinity
    const stack: Array<{ cid: CID, depth: number, path: CID[] }> = [{ cid: root, depth: 0, path: [root] }]
    while (stack.length > 0) {
      const { cid, depth, path } = stack.pop() as { cid: CID, depth: number, path: CID[] }
      options.signal?.throwIfAborted()
      if (LEAF_CODECS.has(cid.code) || cid.multihash.code === 0) {
        // only `block.cid` is read by the pinning code
        yield { block: { cid } as unknown as BlockView<T, any, any, any>, depth, path }
        continue
      }
      const bytes = await this.#load(cid, options)
      const children = cid.code === dagPb.code ? dagPb.decode(bytes).Links.map(l => l.Hash) : await this.#links(cid, bytes)
      yield { block: { cid, bytes } as unknown as BlockView<T, any, any, any>, depth, path }
      if (depth < maxDepth) {
        for (let i = children.length - 1; i >= 0; i--) {
          const child = children[i]
          if (options.includeChild?.(child, { cid, bytes } as unknown as BlockView<T, any, any, any>) === false) continue
          stack.push({ cid: child, depth: depth + 1, path: [...path, child] })
        }
      }
    }
  }
}
