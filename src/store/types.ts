/**
 * The content and block store: Helia over blockstore-fs (blocks) and a Level datastore.
 * Records are blocks too (codec json). `src/store/index.ts` exports `createContentStore()`.
 */
import type { BufferPoolStats } from './buffer-pool.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CarImportResult } from './car-import.ts'
import type { DirectoryEntry } from './directory.ts'
import type { GcResult } from './gc.ts'

export type { CarImportResult } from './car-import.ts'
export type { DirectoryEntry } from './directory.ts'
export type { GcResult } from './gc.ts'

/**
 * How a file is cut into blocks. `atelier` (the default): `store.chunkSize` chunks (1 MiB), 1024 links a node.
 * `kubo`: 256 KiB chunks, 174 links a node, as `ipfs add --cid-version 1 --raw-leaves` (Kubo's defaults), so the
 * CIDs are the ones Kubo prints. Both: CIDv1, raw leaves, balanced layout, sha2-256.
 */
export const CHUNKINGS: Readonly<Record<'kubo', { chunkSize: number, maxChildrenPerNode: number }>> = Object.freeze({
  kubo: Object.freeze({ chunkSize: 262_144, maxChildrenPerNode: 174 })
})
export type Chunking = 'atelier' | keyof typeof CHUNKINGS

/** Why a pin was made (kept in the pin's metadata): an add, `atelier pin add`, a CAR import, a collective's full
 * replication, a record block of an older release, a file uploaded as part of a directory add (removed when the
 * directory is built: left over only from an interrupted `add -r`) */
export type PinSource = 'add' | 'user' | 'import' | 'replication' | 'record' | 'part'
export const PIN_SOURCES: readonly PinSource[] = ['add', 'user', 'import', 'replication', 'record', 'part']

export interface PinInfo {
  /** the pinned root (recursive pin) */
  cid: string
  /** absent for pins made before pins carried it */
  source?: PinSource
  /** when it was pinned, RFC 3339 */
  at?: string
}

export interface PinOptions extends StoreReadOptions {
  /** @default 'user' */
  source?: PinSource
}

export interface GcOptions extends AbortOptions {
  /** count what would be freed, delete nothing */
  dryRun?: boolean
  /** roots to keep beside the pins: the content of the records the node holds */
  roots?: () => AsyncIterable<string>
  /** how long to wait for adds, imports and pins in progress, ms (then BusyError). @default 30 s */
  waitMs?: number
}

export interface AddedDirectory {
  /** the directory's root CID */
  cid: string
  /** cumulative DAG size, bytes */
  dagSize: number
  files: number
  directories: number
}

export interface AddProgress {
  /** bytes of the source read so far */
  bytes: number
}

export interface AddContentOptions extends AbortOptions {
  onProgress?: (p: AddProgress) => void
  /** @default 'atelier' */
  chunking?: Chunking
  /** why the content is pinned. @default 'add' */
  pin?: PinSource
}

export interface AddedContent {
  /** root CID string of the UnixFS file */
  cid: string
  /** file size in bytes */
  size: number
}

export interface ContentStat {
  cid: string
  /** 'file' | 'directory' | 'raw' | 'json' | 'other' */
  type: string
  /** file size in bytes (for a raw block, its length) */
  size: number
}

/**
 * Options of every read. By default reads are local: a block this node does not hold is a NotFoundError at once.
 * `offline: false` lets the read ask connected peers (bitswap); pass a `signal` with a deadline then, since a block
 * nobody has is waited for until the signal fires.
 */
export interface StoreReadOptions extends AbortOptions {
  /** @default true */
  offline?: boolean
}

export interface ReadOptions extends StoreReadOptions {
  /** first byte to read. @default 0 */
  offset?: number
  /** bytes to read from `offset`; clamped to the end of the file. @default to the end */
  length?: number
  /**
   * Read leaves into buffers the store lends (src/store/buffer-pool.ts) where it has one free. The caller must then
   * hand every chunk it received to `giveBack` once nothing reads its bytes any more (for a socket: in the write's
   * callback), and must not touch a chunk after that: its buffer is lent again. @default false
   */
  borrow?: boolean
}

/** What the node and gateway need of storage */
export interface ContentStore {
  /** Import a stream of bytes as a UnixFS file (raw leaves, CIDv1), pin it; memory stays bounded whatever the size */
  addContent(source: AsyncIterable<Uint8Array>, options?: AddContentOptions): Promise<AddedContent>
  /** Stat a CID (optionally a path under it); throws NotFoundError when the block is not held, InvalidCIDError for a bad string */
  stat(cidOrPath: string, options?: StoreReadOptions): Promise<ContentStat>
  /**
   * Stream a file's bytes, or a range of them, with bounded read-ahead. NotFoundError / InvalidCIDError /
   * RangeNotSatisfiableError (offset past the end) are thrown by the first `next()`, before any byte is yielded.
   */
  read(cidOrPath: string, options?: ReadOptions): AsyncIterable<Uint8Array>
  /** Take back a chunk of a `borrow` read; anything else is ignored */
  giveBack(chunk: Uint8Array): void
  /** The lending of `borrow` reads: buffers out on loan, free, allocated */
  lentBuffers(): BufferPoolStats
  /** One block's bytes (a path is resolved first) */
  getBlock(cidOrPath: string, options?: StoreReadOptions): Promise<Uint8Array>
  /** True when the block is stored locally (never asks the network) */
  hasBlock(cid: string, options?: AbortOptions): Promise<boolean>
  /**
   * A CARv1 of the whole DAG under `cidOrPath` (a path is resolved first; the CAR's root is the resolved CID),
   * blocks in depth-first pre-order, each once, streamed. A missing root is thrown by the first `next()`.
   */
  exportCar(cidOrPath: string, options?: StoreReadOptions): AsyncIterable<Uint8Array>
  /** Pin a DAG recursively; with `offline: false`, first fetch whatever blocks of it are missing from connected
   * peers. A block missing under the root is a NotFoundError and nothing is pinned. `added` false: pinned already */
  pin(cidOrPath: string, options?: PinOptions): Promise<{ cid: string, added: boolean }>
  /** Remove the pin whose root is `cid`; false when there is none (a block under another pin is not a pin) */
  unpin(cid: string, options?: AbortOptions): Promise<boolean>
  /** Every pin (recursive, by root) */
  pins(options?: AbortOptions): AsyncIterable<PinInfo>
  /** Delete every block no pin and no root of `options.roots` reaches; never beside an add, import or pin in
   * progress (it waits for them, then BusyError) */
  gc(options?: GcOptions): Promise<GcResult>
  /** Mark content as needed by a gc running now (a record naming it arrived); nothing when none runs */
  keep(cid: string): void
  /** Write the UnixFS directory nodes naming files already stored, pin the root, then remove the entries' pins
   * whose source is `part` (the directory's pin now covers them) */
  addDirectory(entries: DirectoryEntry[], options?: AbortOptions & { pin?: PinSource }): Promise<AddedDirectory>
  /** Import a CARv1: blocks verified against their CIDs, roots pinned; all or nothing */
  importCar(source: AsyncIterable<Uint8Array>, options?: AbortOptions & { onBytes?: (bytes: number) => void }): Promise<CarImportResult>
  /** Store a record as a pinned block file (bytes already validated; `cid` is their json-codec CID). A node stores
   * the records it holds in its index instead (record-blockstore.ts); this is how releases before index schema 4
   * stored them, kept for tools and tests. */
  putRecord(cid: string, bytes: Uint8Array, options?: AbortOptions): Promise<void>
  /** Many `putRecord`s at once */
  putRecords(records: Array<{ cid: string, bytes: Uint8Array }>, options?: AbortOptions): Promise<void>
  /** A record's bytes by CID: from the record store the blockstore serves, else a record block file */
  getRecord(cid: string, options?: StoreReadOptions): Promise<Uint8Array>
  /** Every pinned record block file (json codec): what an older release wrote, for the start-up migration */
  allRecords(options?: AbortOptions): AsyncIterable<{ cid: string, bytes: Uint8Array }>
  /** Unpin and delete record block files (their bodies are stored in the index) */
  removeRecordBlocks(cids: string[], options?: AbortOptions): Promise<void>
  /** Bytes used by the blockstore on disk */
  usage(): Promise<{ blocks: number, bytes: number }>
  /** A counter that moves on every block written or deleted: a usage figure measured at another value is stale */
  changes(): number
}
