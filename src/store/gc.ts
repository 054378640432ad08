/**
 * Garbage collection: delete every block file that no pin and no record this node holds needs.
 *
 * Live = every block reachable from a pin's root, plus every block reachable from a root the caller names (the
 * content of the records the node holds, counted or held: a record keeps its content even when nobody pinned it).
 * Blocks are stored by multihash (one file for CIDs that differ only in codec), so liveness is kept per file name.
 * Missing blocks under a root are skipped (a record's content may never have been fetched here).
 *
 * The caller runs this under the store's gc lock held alone (gc-lock.ts), so no add, import or pin is between
 * writing its blocks and pinning them. What the lock does not cover is a record arriving meanwhile that names
 * content already here (fetched earlier, unpinned): `keep()` marks it live, and each deletion first waits for the
 * marking in progress, so such content is never deleted under the record.
 *
 * Memory: the live set holds one file name (~60 bytes) per live block, and the candidates one per dead block.
 */
import * as dagPb from '@ipld/dag-pb'
import * as raw from 'multiformats/codecs/raw'
import * as json from 'multiformats/codecs/json'
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '@libp2p/interface'
import type { FastFsBlockstore } from './fs-blockstore.ts'
import type { BlockLoader, LinkFinder } from './reader.ts'

export interface GcResult {
  /** block files deleted (with `dryRun`: that would be deleted) */
  blocks: number
  bytes: number
  /** block files kept because something needs them */
  kept: number
  dryRun: boolean
  ms: number
}

export interface GcComponents {
  blocks: Pick<FastFsBlockstore, 'scan' | 'fileName' | 'deleteFile'>
  /** local block reads */
  load: BlockLoader
  links: LinkFinder
  /** the roots of every pin */
  pins: () => AsyncIterable<CID>
  /** the other roots to keep (the content of held records) */
  roots: () => AsyncIterable<CID>
}

/** Leaf codecs: their blocks are named, never read */
const LEAVES = new Set([raw.code, json.code])

export class GarbageCollection {
  readonly #c: GcComponents
  readonly #live = new Set<string>()
  readonly #seen = new Set<string>()
  #marking: Promise<void> = Promise.resolve()

  constructor (components: GcComponents) {
    this.#c = components
  }

  /** Mark `cid`'s DAG live; deletions wait for it */
  keep (cid: CID): void {
    const next = this.#marking.then(async () => { await this.#mark(cid, {}) })
    this.#marking = next.catch(() => {})
  }

  async run (options: AbortOptions & { dryRun?: boolean } = {}): Promise<GcResult> {
    const started = Date.now()
    for await (const root of this.#c.pins()) await this.#mark(root, options)
    for await (const root of this.#c.roots()) await this.#mark(root, options)
    const candidates: Array<{ name: string, size: number }> = []
    let kept = 0
    await this.#c.blocks.scan({
      onBlock: (name, size) => {
        if (this.#live.has(name)) kept++
        else candidates.push({ name, size })
      }
    })
    let blocks = 0
    let bytes = 0
    for (const { name, size } of candidates) {
      options.signal?.throwIfAborted()
      await this.#marking
      if (this.#live.has(name)) {
        kept++
        continue
      }
      if (options.dryRun !== true && !(await this.#c.blocks.deleteFile(name))) continue
      blocks++
      bytes += size
    }
    return { blocks, bytes, kept, dryRun: options.dryRun === true, ms: Date.now() - started }
  }

  async #mark (root: CID, options: AbortOptions): Promise<void> {
    const stack: CID[] = [root]
    while (stack.length > 0) {
      options.signal?.throwIfAborted()
      const cid = stack.pop() as CID
      if (cid.multihash.code === 0) continue // identity: the block is inside the CID
      const key = cid.toString()
      if (this.#seen.has(key)) continue
      this.#seen.add(key)
      this.#live.add(this.#c.blocks.fileName(cid))
      if (LEAVES.has(cid.code)) continue
      let bytes: Uint8Array
      try {
        bytes = await this.#c.load(cid, options)
      } catch (err: any) {
        if (err.name === 'NotFoundError') continue // not held: nothing under it to keep
        throw err
      }
      try {
        const children = cid.code === dagPb.code ? dagPb.decode(bytes).Links.map(l => l.Hash) : await this.#c.links(cid, bytes)
        for (const child of children) stack.push(child)
      } catch {
        // a block that does not decode keeps itself only; doctor reports damage, gc does not judge it
      }
    }
  }
}
