/**
 * `HeliaContentStore`: the `ContentStore` over a Helia node whose blockstore is a `FastFsBlockstore`.
 *
 * Writes go through Helia (`helia.blockstore`, `helia.pins`) so bitswap learns of new blocks and pins protect them
 * from `helia.gc()`. Local reads bypass Helia's block stack and read block files directly (one read per block,
 * `readAhead` in flight), which is what makes serving fast and lets a missing block fail at once; with
 * `offline: false` a read goes through `helia.blockstore` and may fetch from connected peers.
 */
import { createHash } from 'node:crypto'
import * as dagPb from '@ipld/dag-pb'
import { createUnsafe } from 'multiformats/block'
import type { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { InvalidRecordError, InvalidRequestError, NotFoundError, RangeNotSatisfiableError, isAtelierError } from '../errors.ts'
import { encodeCarBlock, encodeCarHeader } from './car.ts'
import { importFile } from './importer.ts'
import { importCar } from './car-import.ts'
import type { CarImportResult } from './car-import.ts'
import { buildDirectory, directoryTree } from './directory.ts'
import type { DirectoryEntry } from './directory.ts'
import { GarbageCollection } from './gc.ts'
import type { GcResult } from './gc.ts'
import { GcLock } from './gc-lock.ts'
import { assertWhole, leafSkippingWalker } from './pin-walker.ts'
import { parseCid, resolveCidPath } from './resolve.ts'
import { decodeUnixFS, fileRoot, readFileRange, walkDag } from './reader.ts'
import { BufferPool } from './buffer-pool.ts'
import type { BufferPoolStats } from './buffer-pool.ts'
import type { NodeBlockstore } from './record-blockstore.ts'
import type { BlockLoader, LeafLoader, LinkFinder } from './reader.ts'
import { CHUNKINGS } from './types.ts'
import type { AddContentOptions, AddedContent, AddedDirectory, ContentStat, ContentStore, GcOptions, PinInfo, PinOptions, PinSource, ReadOptions, StoreReadOptions } from './types.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Helia } from 'helia'

export interface ContentStoreInit {
  /** Blocks read ahead when serving a file or exporting a CAR (config `store.readAhead`) */
  readAhead: number
  /** UnixFS chunk size when adding, bytes, at most 1 MiB (config `store.chunkSize`) */
  chunkSize: number
  /** How long a gc waits for adds, imports and pins in progress, ms (config `store.gcWaitMs`). @default 30 s */
  gcWaitMs?: number
  /** Buffers of 1 MiB that `read({ borrow: true })` lends, all readers together (config `store.serveBuffers`). @default 0 */
  serveBuffers?: number
}

export interface ContentStoreComponents {
  /** A started-or-starting Helia node whose blockstore is `blocks` */
  helia: Pick<Helia, 'blockstore' | 'pins' | 'getCodec'>
  /** The same blockstore, read directly for local reads */
  blocks: NodeBlockstore
  /** Make the pins written so far durable (a synced write of the datastore); called before an add is
   * acknowledged, after the blocks' directories are synced (docs/durability.md). @default nothing */
  syncPins?: () => Promise<void>
}

/** How long a gc waits for adds in progress before answering busy, when the init does not say (config `store.gcWaitMs`) */
const DEFAULT_GC_WAIT_MS = 30_000
/** Records put at once by `putRecords` */
const RECORD_PUT_CONCURRENCY = 32
/** Largest chunk we accept (bitswap's block limit is 2 MiB; 1 MiB keeps every leaf transferable) */
const MAX_CHUNK_SIZE = 1024 * 1024
/** Largest block `getBlock` and CAR export accept from the network */
const MAX_BLOCK_SIZE = 2 * 1024 * 1024

/** A record CID: json codec, sha2-256 */
function recordCid (cid: string): CID {
  const c = parseCid(cid)
  if (c.code !== json.code) throw new InvalidRecordError(`record CID ${cid} must use the json codec (0x0200), not 0x${c.code.toString(16)}`)
  if (c.multihash.code !== sha256.code) throw new InvalidRecordError(`record CID ${cid} must use sha2-256`)
  return c
}

export class HeliaContentStore implements ContentStore {
  readonly #helia: ContentStoreComponents['helia']
  readonly #blocks: NodeBlockstore
  readonly #readAhead: number
  readonly #chunkSize: number
  readonly #gcWaitMs: number
  /** what borrowing reads lend (buffer-pool.ts): a leaf of up to MAX_CHUNK_SIZE, plus the byte that shows a longer file */
  readonly #pool: BufferPool
  readonly #links: LinkFinder
  readonly #syncPins?: () => Promise<void>
  /** adds, imports and pins hold it shared, gc alone (gc-lock.ts) */
  readonly #lock = new GcLock()
  /** the gc running now, told of content that becomes needed meanwhile */
  #gc?: GarbageCollection

  constructor (components: ContentStoreComponents, init: ContentStoreInit) {
    if (!Number.isSafeInteger(init.chunkSize) || init.chunkSize < 1 || init.chunkSize > MAX_CHUNK_SIZE) {
      throw new InvalidRequestError(`chunkSize must be between 1 and ${MAX_CHUNK_SIZE} bytes, got ${init.chunkSize}`)
    }
    if (!Number.isSafeInteger(init.readAhead) || init.readAhead < 1) {
      throw new InvalidRequestError(`readAhead must be a positive integer, got ${init.readAhead}`)
    }
    this.#helia = components.helia
    this.#blocks = components.blocks
    this.#syncPins = components.syncPins
    this.#readAhead = init.readAhead
    this.#chunkSize = init.chunkSize
    this.#gcWaitMs = init.gcWaitMs ?? DEFAULT_GC_WAIT_MS
    this.#pool = new BufferPool({ bufferBytes: MAX_CHUNK_SIZE + 1, maxBuffers: init.serveBuffers ?? 0 })
    this.#links = async (cid, bytes) => {
      const codec = await this.#helia.getCodec(cid.code)
      return [...createUnsafe({ cid, bytes, codec }).links()].map(([, link]) => link)
    }
  }

  // ---- content ----

  async addContent (source: AsyncIterable<Uint8Array>, options: AddContentOptions = {}): Promise<AddedContent> {
    return await this.#lock.shared(async () => await this.#addContent(source, options))
  }

  async #addContent (source: AsyncIterable<Uint8Array>, options: AddContentOptions): Promise<AddedContent> {
    const blockstore = this.#helia.blockstore
    const onProgress = options.onProgress
    const layout = options.chunking == null || options.chunking === 'atelier'
      ? { chunkSize: this.#chunkSize }
      : CHUNKINGS[options.chunking]
    if (layout == null) throw new InvalidRequestError(`chunking must be one of atelier, ${Object.keys(CHUNKINGS).join(', ')}`)
    const { cid, size } = await importFile(source, async (cid, bytes, opts) => blockstore.put(cid, bytes, opts), {
      ...layout,
      writeConcurrency: this.#readAhead
    }, {
      signal: options.signal,
      onBytes: onProgress == null ? undefined : (bytes) => { onProgress({ bytes }) }
    })
    // durable in this order: the block files' names (each file was fsynced before its rename), then the pin that
    // names them, so a pin never outlives its blocks across a power cut
    await this.#blocks.syncDirs()
    await this.#pin(cid, { signal: options.signal, source: options.pin ?? 'add' })
    await this.#syncPins?.()
    return { cid: cid.toString(), size }
  }

  async addDirectory (entries: DirectoryEntry[], options: AbortOptions & { pin?: PinSource } = {}): Promise<AddedDirectory> {
    const tree = directoryTree(entries)
    return await this.#lock.shared(async () => {
      const built = await buildDirectory(tree, {
        load: async (cid, opts) => await this.#blocks.getBytes(cid, opts),
        put: async (cid, bytes, opts) => await this.#helia.blockstore.put(cid, bytes, opts)
      }, options)
      await this.#blocks.syncDirs()
      await this.#pin(built.cid, { signal: options.signal, source: options.pin ?? 'add' })
      // the parts' own pins are redundant now; a file pinned for another reason keeps its pin
      for (const entry of entries) {
        if (entry.cid == null) continue
        const cid = parseCid(entry.cid)
        for await (const pin of this.#helia.pins.ls({ cid })) {
          if (pin.cid.equals(cid) && pin.metadata?.source === 'part') await this.#unpin(cid)
        }
      }
      await this.#syncPins?.()
      return { cid: built.cid.toString(), dagSize: built.dagSize, files: built.files, directories: built.directories }
    })
  }

  async importCar (source: AsyncIterable<Uint8Array>, options: AbortOptions & { onBytes?: (bytes: number) => void } = {}): Promise<CarImportResult> {
    return await this.#lock.shared(async () => await importCar(source, {
      has: async (cid) => await this.#blocks.has(cid),
      put: async (cid, bytes, opts) => await this.#helia.blockstore.put(cid, bytes, opts),
      remove: async (cid) => { if (!(await this.#helia.pins.isPinned(cid))) await this.#blocks.delete(cid) },
      pin: async (cid, opts) => {
        await this.#assertWhole(cid, opts)
        return await this.#pin(cid, { signal: opts.signal, source: 'import' })
      },
      unpin: async (cid) => { await this.#unpin(cid) },
      sync: async () => { await this.#blocks.syncDirs(); await this.#syncPins?.() }
    }, options))
  }

  async * pins (options: AbortOptions = {}): AsyncIterable<PinInfo> {
    for await (const pin of this.#helia.pins.ls(options)) {
      const source = typeof pin.metadata?.source === 'string' ? pin.metadata.source as PinSource : undefined
      const at = typeof pin.metadata?.at === 'number' ? new Date(pin.metadata.at).toISOString() : undefined
      yield { cid: pin.cid.toString(), ...(source != null ? { source } : {}), ...(at != null ? { at } : {}) }
    }
  }

  async unpin (cid: string, options: AbortOptions = {}): Promise<boolean> {
    const c = parseCid(cid)
    options.signal?.throwIfAborted()
    if (!(await this.#isRoot(c))) return false
    await this.#unpin(c)
    await this.#syncPins?.()
    return true
  }

  async gc (options: GcOptions = {}): Promise<GcResult> {
    return await this.#lock.exclusive(options.waitMs ?? this.#gcWaitMs, async () => {
      const run = new GarbageCollection({
        blocks: this.#blocks,
        load: this.#loader({}),
        links: this.#links,
        pins: async function * (this: HeliaContentStore) { for await (const pin of this.#helia.pins.ls(options)) yield pin.cid }.bind(this),
        roots: async function * () {
          if (options.roots == null) return
          for await (const root of options.roots()) {
            try {
              yield parseCid(root)
            } catch {}
          }
        }
      })
      this.#gc = run
      try {
        return await run.run(options)
      } finally {
        this.#gc = undefined
      }
    })
  }

  keep (cid: string): void {
    if (this.#gc == null) return
    try {
      this.#gc.keep(parseCid(cid))
    } catch {}
  }

  async stat (cidOrPath: string, options: StoreReadOptions = {}): Promise<ContentStat> {
    const cid = await this.#resolve(cidOrPath, options)
    if (cid.code === raw.code || cid.code === json.code) {
      const size = cid.multihash.code === 0 ? cid.multihash.digest.byteLength : await this.#sizeOf(cid, options)
      return { cid: cid.toString(), type: cid.code === raw.code ? 'raw' : 'json', size }
    }
    const bytes = await this.#load(cid, options)
    if (cid.code === dagPb.code) {
      const { unixfs } = decodeUnixFS(cid, bytes)
      const isFile = unixfs.type === 'file' || unixfs.type === 'raw'
      return { cid: cid.toString(), type: isFile ? 'file' : 'directory', size: Number(unixfs.fileSize()) }
    }
    return { cid: cid.toString(), type: 'other', size: bytes.byteLength }
  }

  read (cidOrPath: string, options: ReadOptions = {}): AsyncIterable<Uint8Array> {
    return this.#read(cidOrPath, options)
  }

  async * #read (cidOrPath: string, options: ReadOptions): AsyncGenerator<Uint8Array> {
    const offset = options.offset ?? 0
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidRequestError(`offset must be a non-negative integer, got ${offset}`)
    if (options.length != null && (!Number.isSafeInteger(options.length) || options.length < 0)) {
      throw new InvalidRequestError(`length must be a non-negative integer, got ${options.length}`)
    }
    const cid = await this.#resolve(cidOrPath, options)
    const root = fileRoot(cid, await this.#load(cid, options))
    if (offset > root.size) {
      throw new RangeNotSatisfiableError(`offset ${offset} is past the end of ${cid} (${root.size} bytes)`, { details: { size: root.size } })
    }
    const end = options.length == null ? root.size : Math.min(root.size, offset + options.length)
    const load = this.#loader(options)
    yield * readFileRange(root, offset, end, load, this.#readAhead, options, options.borrow === true ? this.#leafLoader(load, options) : undefined)
  }

  giveBack (chunk: Uint8Array): void {
    this.#pool.giveBack(chunk)
  }

  lentBuffers (): BufferPoolStats {
    return this.#pool.stats()
  }

  /** Raw leaves read into borrowed buffers where one is free, else as `load` reads them (the network too, if allowed) */
  #leafLoader (load: BlockLoader, options: StoreReadOptions): LeafLoader {
    const pool = this.#pool
    return {
      load: async (cid, size, opts) => {
        try {
          const bytes = await this.#blocks.getBytesBorrowed(cid, size, pool, opts ?? options)
          if (bytes != null) return bytes
        } catch (err) {
          // not held here: the loader fetches it from peers when the read allows, or reports it missing
          if (!(err instanceof NotFoundError) || options.offline !== false) throw err
        }
        return await load(cid, opts)
      },
      giveBack: (bytes) => { pool.giveBack(bytes) }
    }
  }

  async getBlock (cidOrPath: string, options: StoreReadOptions = {}): Promise<Uint8Array> {
    const cid = await this.#resolve(cidOrPath, options)
    return this.#load(cid, options)
  }

  async hasBlock (cid: string, options: AbortOptions = {}): Promise<boolean> {
    const c = parseCid(cid)
    if (c.multihash.code === 0) return true
    options.signal?.throwIfAborted()
    return this.#blocks.has(c)
  }

  exportCar (cidOrPath: string, options: StoreReadOptions = {}): AsyncIterable<Uint8Array> {
    return this.#exportCar(cidOrPath, options)
  }

  async * #exportCar (cidOrPath: string, options: StoreReadOptions): AsyncGenerator<Uint8Array> {
    const root = await this.#resolve(cidOrPath, options)
    const load = this.#loader(options)
    const rootBytes = await load(root, options) // a missing root fails before the header is out
    let first = true
    const loadWithRoot: BlockLoader = async (cid, opts) => {
      if (first && cid.equals(root)) {
        first = false
        return rootBytes
      }
      return load(cid, opts)
    }
    yield encodeCarHeader(root)
    for await (const block of walkDag(root, loadWithRoot, this.#links, this.#readAhead, options)) {
      if (block.cid.multihash.code === 0) continue // identity blocks are inside their CIDs
      yield * encodeCarBlock(block.cid, block.bytes)
    }
  }

  // ---- records ----

  async putRecord (cid: string, bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    const c = recordCid(cid)
    const digest = createHash('sha256').update(bytes).digest()
    if (!Buffer.from(c.multihash.digest).equals(digest)) throw new InvalidRecordError(`record bytes do not hash to ${cid}`)
    await this.#helia.blockstore.put(c, bytes, options)
    await this.#pin(c, { signal: options.signal, source: 'record' })
  }

  /** The ingest path's batch: these records were validated and their CIDs computed from these bytes, so no re-hash */
  async putRecords (records: Array<{ cid: string, bytes: Uint8Array }>, options: AbortOptions = {}): Promise<void> {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < records.length) {
        const r = records[next++]
        const c = recordCid(r.cid)
        await this.#helia.blockstore.put(c, r.bytes, options)
        await this.#pin(c, { signal: options.signal, source: 'record' })
      }
    }
    await Promise.all(Array.from({ length: Math.min(RECORD_PUT_CONCURRENCY, records.length) }, worker))
  }

  async getRecord (cid: string, options: StoreReadOptions = {}): Promise<Uint8Array> {
    const c = parseCid(cid)
    if (c.code !== json.code) throw new NotFoundError(`${cid} is not a record CID (json codec)`)
    return this.#load(c, options)
  }

  async * allRecords (options: AbortOptions = {}): AsyncIterable<{ cid: string, bytes: Uint8Array }> {
    // record blocks were pinned one by one, so the pin list names them all; the block files do not keep the codec
    for await (const pin of this.#helia.pins.ls(options)) {
      if (pin.cid.code !== json.code) continue
      try {
        yield { cid: pin.cid.toString(), bytes: await this.#blocks.fileBytes(pin.cid, options) }
      } catch (err: any) {
        if (err.name !== 'NotFoundError') throw err
        // pinned but the block file is gone (deleted by hand): skip it, reindex must not stop on it
      }
    }
  }

  async removeRecordBlocks (cids: string[], options: AbortOptions = {}): Promise<void> {
    for (const cid of cids) {
      const c = recordCid(cid)
      try {
        await this.#helia.pins.rm(c, options)
      } catch (err: any) {
        if (err.name !== 'NotFoundError') throw err
      }
      await this.#blocks.delete(c, options)
    }
  }

  async usage (): Promise<{ blocks: number, bytes: number }> {
    return this.#blocks.usage()
  }

  changes (): number {
    return this.#blocks.changes
  }

  // ---- internals ----

  async pin (cidOrPath: string, options: PinOptions = {}): Promise<{ cid: string, added: boolean }> {
    const root = await this.#resolve(cidOrPath, options)
    if (options.offline === false) {
      // fetch every block first (Helia keeps what bitswap brings), read-ahead bounded like any read. Outside the gc
      // lock: a fetch may wait on peers for long, and a gc must not wait on it. A gc meanwhile may delete what came
      // (unless a record names it, as for replication); the check below then fails rather than pin a hole.
      for await (const _ of walkDag(root, this.#loader(options), this.#links, this.#readAhead, options)) {
        // drain
      }
    }
    return await this.#lock.shared(async () => {
      await this.#assertWhole(root, options)
      const added = await this.#pin(root, { signal: options.signal, source: options.source ?? 'user' })
      if (added) await this.#syncPins?.()
      return { cid: root.toString(), added }
    })
  }

  /** Pin recursively; false when it was pinned already. A block missing under the root is a NotFoundError and
   * nothing is pinned (Helia writes the pin itself only after the walk). */
  async #pin (cid: CID, options: AbortOptions & { source?: PinSource }): Promise<boolean> {
    try {
      const metadata = options.source != null ? { source: options.source, at: Date.now() } : undefined
      for await (const _ of this.#helia.pins.add(cid, { signal: options.signal, walker: leafSkippingWalker(this.#loader({}), this.#links), ...(metadata != null ? { metadata } : {}) })) {
        // drain
      }
      return true
    } catch (err: any) {
      if (err.name !== 'AlreadyPinnedError') throw err
      return false
    }
  }

  async #assertWhole (root: CID, options: AbortOptions): Promise<void> {
    await assertWhole(root, this.#blocks, this.#links, options)
  }

  async #isRoot (cid: CID): Promise<boolean> {
    for await (const _ of this.#helia.pins.ls({ cid })) return true
    return false
  }

  async #unpin (cid: CID): Promise<void> {
    try {
      for await (const _ of this.#helia.pins.rm(cid, { walker: leafSkippingWalker(this.#loader({}), this.#links) })) {
        // drain
      }
    } catch (err: any) {
      // the pin key is gone before the walk: a block missing under it leaves counts behind, which gc never reads
      if (err.name !== 'NotFoundError') throw err
    }
  }

  /** Block loader for one call: local file reads, or Helia's networked blockstore when `offline` is false */
  #loader (options: StoreReadOptions): BlockLoader {
    if (options.offline === false) return async (cid, opts) => this.#loadNetwork(cid, opts ?? options)
    return async (cid, opts) => this.#blocks.getBytes(cid, opts ?? options)
  }

  async #load (cid: CID, options: StoreReadOptions): Promise<Uint8Array> {
    return this.#loader(options)(cid, options)
  }

  async #loadNetwork (cid: CID, options: AbortOptions): Promise<Uint8Array> {
    try {
      const parts: Uint8Array[] = []
      let size = 0
      for await (const part of this.#helia.blockstore.get(cid, { signal: options.signal })) {
        size += part.byteLength
        if (size > MAX_BLOCK_SIZE) throw new InvalidRequestError(`block ${cid} is larger than ${MAX_BLOCK_SIZE} bytes`)
        parts.push(part)
      }
      return parts.length === 1 ? parts[0] : Buffer.concat(parts)
    } catch (err: any) {
      if (isAtelierError(err)) throw err
      if (options.signal?.aborted === true) throw err
      throw new NotFoundError(`block ${cid} could not be found: ${err.message}`, { cause: err })
    }
  }

  async #sizeOf (cid: CID, options: StoreReadOptions): Promise<number> {
    if (options.offline === false && !(await this.#blocks.has(cid))) return (await this.#load(cid, options)).byteLength
    return this.#blocks.sizeOf(cid)
  }

  /** `<cid>[/path…]` (optionally under `/ipfs/`) to the CID it names, walking UnixFS directories */
  async #resolve (cidOrPath: string, options: StoreReadOptions): Promise<CID> {
    return await resolveCidPath(cidOrPath, this.#loader(options), options)
  }
}
